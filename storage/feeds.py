"""Feeds in the store: what a channel follows, each feed's polling state, the items it has
seen and the outbox of posts (the types and checks both stores share; the SQL is in
`storage.sqlite_feeds` and `storage.pg_feeds`).

- A `Feed` belongs to one guild and posts in one channel; users name it by its per-guild
  `number`. Its polling state (validators, next check, failures) lives on the same row.
- Seen items: per (guild, channel), a set of 16-byte keys (`bot.feeds` derives them from an
  item's guid, link and content). An item any of whose keys is there was handled already, so
  it is never posted twice in the channel, whichever feed brings it. Keys outlive feeds.
- The outbox (`FeedPost`): an item to post is recorded durably (`queue_feed_post`, with its
  keys, in one transaction) before it is sent, and marked once sent (`finish_feed_post`). At
  most one post of an article per channel (a unique index), ever. Removing a feed drops its
  pending posts.

Guild isolation: every method a command uses takes the guild id and filters on it. The
scheduler's reads (`claim_due_feeds`, `next_feed_check`, `pending_feed_posts`) are across
guilds by nature; each row they return carries its guild id, and every write after them
names the guild again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, get_args

from .base import StorageError, check_id

PauseReason = Literal["user", "failing", "gone", "channel"]
PAUSE_REASONS: Final = frozenset(get_args(PauseReason))
PostState = Literal["pending", "posted", "dropped"]
KEY_BYTES: Final = 16
# Changes `update_feed` accepts, and their types.
FEED_CHANGES: Final[Mapping[str, tuple[type, ...]]] = {
    "channel_id": (int,),
    "compact": (bool,),
    "every": (int,),
    "paused": (str, type(None)),
    "notified": (bool,),
    "next_check_at": (datetime,),
    "title": (str, type(None)),
    "failures": (int,),
}

Shards = tuple[int, frozenset[int]]  # (shard count, the shard ids this process serves)


class FeedExistsError(StorageError):
    """The guild already follows that feed (`feed`: where)."""

    def __init__(self, feed: Feed) -> None:
        super().__init__(f"feed {feed.url} is already followed (feed {feed.number})")
        self.feed = feed


class FeedLimitError(StorageError):
    """The guild follows `limit` feeds already."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the guild follows {limit} feeds already")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class NewFeed:
    guild_id: int
    channel_id: int
    url: str  # the feed's own address (after discovery from a page)
    title: str | None
    site_url: str | None
    added_by: int
    added_at: datetime
    every: int  # seconds between checks, as the moderators chose
    compact: bool = False
    next_check_at: datetime | None = None  # None: at once


@dataclass(frozen=True, slots=True)
class Feed:
    id: int  # internal; users see `number`
    guild_id: int
    number: int
    channel_id: int
    url: str
    title: str | None
    site_url: str | None
    added_by: int
    added_at: datetime
    compact: bool
    every: int
    paused: PauseReason | None
    notified: bool  # the moderators were told the feed was paused (told once)
    etag: str | None
    last_modified: str | None
    body_hash: bytes | None
    min_interval: int  # seconds: the publisher's wish (ttl, max-age), last seen
    next_check_at: datetime
    last_check_at: datetime | None
    last_success_at: datetime | None
    last_item_at: datetime | None
    failures: int  # in a row
    last_error: str | None

    @property
    def name(self) -> str:
        return self.title or self.url


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """What one check of a feed found, for `record_feed_check`."""

    checked_at: datetime
    next_check_at: datetime
    ok: bool
    error: str | None = None  # a failed check: why (short, for /feed list)
    validators: tuple[str | None, str | None, bytes | None] | None = None  # etag, last-mod,
    # body hash of a new body; None keeps the stored ones (a 304, a failure)
    min_interval: int | None = None  # None keeps it
    title: str | None = None  # the feed's title, when it gave one
    new_items: bool = False
    pause: PauseReason | None = None  # pause it (when it is not paused already)


@dataclass(frozen=True, slots=True)
class NewFeedPost:
    guild_id: int
    channel_id: int
    feed_id: int
    number: int | None  # the article; None: a link-only post (nothing to digest)
    item: Mapping[str, Any]  # what the post shows besides the digest: link, title, date...
    keys: Sequence[bytes]  # the item's keys, marked seen in the same transaction
    nonce: str  # sent with each try, so Discord makes one message however often it is sent
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FeedPost:
    id: int
    guild_id: int
    channel_id: int
    feed_id: int | None
    number: int | None
    item: dict[str, Any]
    nonce: str
    state: PostState
    created_at: datetime
    attempts: int
    compact: bool  # the feed's option (False when the feed is gone)


@dataclass(frozen=True, slots=True)
class SeenRecord:
    """One seen item key, as `python -m storage copy` moves it."""

    channel_id: int
    key: bytes
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class PostRecord:
    """One row of the outbox, every column, as `python -m storage copy` moves it (`item`:
    the JSON text as stored)."""

    id: int
    guild_id: int
    channel_id: int
    feed_id: int | None
    number: int | None
    item: str
    nonce: str
    state: PostState
    created_at: datetime
    attempts: int
    next_try_at: datetime
    finished_at: datetime | None
    message_id: int | None


POST_RECORD_COLUMNS: Final = (
    "id, guild_id, channel_id, feed_id, number, item, nonce, state, created_at, attempts,"
    " next_try_at, finished_at, message_id"
)
# Per guild, for the copy's check: feeds, seen keys, posts, pending posts.
FEED_COUNTS: Final = """
    SELECT guild_id, sum(f), sum(s), sum(p), sum(q) FROM (
        SELECT guild_id, 1 AS f, 0 AS s, 0 AS p, 0 AS q FROM feeds
        UNION ALL SELECT guild_id, 0, 1, 0, 0 FROM feed_seen
        UNION ALL SELECT guild_id, 0, 0, 1, CASE WHEN state = 'pending' THEN 1 ELSE 0 END
        FROM feed_posts
    ) AS t GROUP BY guild_id
"""
FEED_GUILDS: Final = """
    SELECT guild_id FROM feeds UNION SELECT guild_id FROM feed_seen
    UNION SELECT guild_id FROM feed_posts ORDER BY 1
"""


def post_record(row: Sequence[Any], when: Any, text: Any) -> PostRecord:
    """A `PostRecord` from the columns of `POST_RECORD_COLUMNS`."""
    return PostRecord(
        id=row[0],
        guild_id=row[1],
        channel_id=row[2],
        feed_id=row[3],
        number=row[4],
        item=text(row[5]),
        nonce=row[6],
        state=row[7],
        created_at=when(row[8]),
        attempts=row[9],
        next_try_at=when(row[10]),
        finished_at=None if row[11] is None else when(row[11]),
        message_id=row[12],
    )


def check_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"an item key is {KEY_BYTES} bytes")
    return key


def check_new_feed(new: NewFeed) -> None:
    for name in ("guild_id", "channel_id", "added_by"):
        check_id(name, getattr(new, name))
    if new.every <= 0:
        raise ValueError("every must be positive")
    for value in (new.url, new.title, new.site_url):
        if value is not None:
            value.encode("utf-8")


def check_feed_changes(changes: Mapping[str, object]) -> dict[str, object]:
    checked: dict[str, object] = {}
    for name, value in changes.items():
        kinds = FEED_CHANGES.get(name)
        if kinds is None:
            raise TypeError(f"unknown feed field {name!r}")
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            raise ValueError(f"{name} cannot be {value!r}")
        if name == "paused" and value is not None and value not in PAUSE_REASONS:
            raise ValueError(f"unknown pause reason {value!r}")
        if name == "channel_id":
            check_id(name, value)  # type: ignore[arg-type]
        if name in ("every", "failures") and value < (1 if name == "every" else 0):  # type: ignore[operator]
            raise ValueError(f"{name} cannot be {value!r}")
        checked[name] = value
    if "channel_id" in checked:
        # A feed moved to a channel is read afresh there, as when it was added: its validators
        # go (the next check reads the whole feed) and its first check there posts only the
        # newest items (`last_success_at`), not the feed's whole history.
        checked.update(etag=None, last_modified=None, body_hash=None, last_success_at=None)
    return checked


def item_json(item: Mapping[str, Any]) -> str:
    encoded = json.dumps(dict(item), ensure_ascii=False, separators=(",", ":"))
    encoded.encode("utf-8")
    return encoded


def shard_filter(shards: Shards | None) -> tuple[int, list[int]] | None:
    """(count, ids) to filter on, or None when every guild is this process's."""
    if shards is None:
        return None
    count, ids = shards
    if count <= 1:
        return None
    return count, sorted(ids)


@dataclass
class FeedColumns:
    """The `feeds` columns in `Feed`'s order, read by both stores."""

    names: tuple[str, ...] = field(
        default=(
            "id",
            "guild_id",
            "number",
            "channel_id",
            "url",
            "title",
            "site_url",
            "added_by",
            "added_at",
            "compact",
            "every_seconds",
            "paused",
            "notified",
            "etag",
            "last_modified",
            "body_hash",
            "min_interval",
            "next_check_at",
            "last_check_at",
            "last_success_at",
            "last_item_at",
            "failures",
            "last_error",
        )
    )

    def select(self, alias: str = "") -> str:
        prefix = f"{alias}." if alias else ""
        return ", ".join(prefix + n for n in self.names)


FEED_COLUMNS: Final = FeedColumns()
TIME_COLUMNS: Final = frozenset(
    {"added_at", "next_check_at", "last_check_at", "last_success_at", "last_item_at"}
)
TEXT_COLUMNS: Final = frozenset({"url", "title", "site_url", "etag", "last_modified", "last_error"})
BOOL_COLUMNS: Final = frozenset({"compact", "notified"})
# update_feed's names → columns
CHANGE_COLUMNS: Final = {"every": "every_seconds"}


def feed_from_row(
    row: Sequence[Any],
    when: Any,
    text: Any,
) -> Feed:
    """A `Feed` from the columns of `FEED_COLUMNS`; `when` and `text` undo what the database
    did to times and text."""
    values: dict[str, Any] = {}
    for name, value in zip(FEED_COLUMNS.names, row, strict=True):
        if name in TIME_COLUMNS:
            value = None if value is None else when(value)
        elif name in TEXT_COLUMNS:
            value = text(value)
        elif name in BOOL_COLUMNS:
            value = bool(value)
        elif name == "body_hash" and value is not None:
            value = bytes(value)
        values["every" if name == "every_seconds" else name] = value
    return Feed(**values)


def post_from_row(row: Sequence[Any], when: Any, text: Any) -> FeedPost:
    """A `FeedPost` from the columns both stores select (id, guild_id, channel_id, feed_id,
    number, item, nonce, state, created_at, attempts, the feed's compact)."""
    return FeedPost(
        id=row[0],
        guild_id=row[1],
        channel_id=row[2],
        feed_id=row[3],
        number=row[4],
        item=json.loads(text(row[5])),
        nonce=row[6],
        state=row[7],
        created_at=when(row[8]),
        attempts=row[9],
        compact=bool(row[10]),
    )


def shards_sql(shards: Shards | None, column: str = "guild_id", *, true: str = "true") -> str:
    """An SQL condition keeping the guilds of this process's shards (Discord's rule:
    `(guild_id >> 22) % shard_count`), or `true`. The numbers are ours, never a user's."""
    kept = shard_filter(shards)
    if kept is None:
        return true
    count, ids = kept
    return f"(({column} >> 22) % {int(count)}) IN ({', '.join(str(int(i)) for i in ids)})"
