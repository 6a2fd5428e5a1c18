"""The storage API the bot and cogs use. SQL lives behind it; cogs never see it.

`Store` is a Protocol so another backend (PostgreSQL, for several shard processes) can be
added without touching a cog. Every read takes the guild id: no method can return another
guild's data.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, get_args

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .feeds import Feed, FeedCheck, FeedPost, NewFeed, NewFeedPost, Shards

SourceKind = Literal["text", "file", "message", "url"]
SOURCE_KINDS: Final = frozenset(get_args(SourceKind))
MAX_ID: Final = 2**63 - 1  # ids are signed 64-bit integers in both databases
_LANGUAGE = re.compile(r"[a-z]{2}")


class StorageError(Exception):
    """Base class of storage failures that deserve a clear message."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer digestbot; it is refused rather than damaged."""


class DatabaseUnreachableError(StorageError):
    """The database server cannot be reached, refused the credentials, or the database does
    not exist: a setting to fix (`DIGESTBOT_DB`), reported in one line at start."""


class TryAgainError(StorageError):
    """The database was briefly unavailable (a restart, a dropped connection, every connection
    busy). Nothing half-done was kept: the command may simply be tried again. `str()` is a
    short sentence fit to show a user."""

    def __init__(
        self, message: str = "The database is briefly unavailable; try again in a moment."
    ) -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class NewArticle:
    """What the bot hands to `Store.add_article`."""

    guild_id: int
    channel_id: int | None
    author_id: int
    title: str | None
    source_kind: SourceKind
    source_ref: str | None  # the URL, or a link to the message the article came from
    text: str  # the original text, verbatim; an article can always be re-analysed from it
    paragraphs: list[tuple[int, str | None, str]]  # (number, section heading, text)
    analysis: Mapping[str, Any]  # the engine's Digest.to_dict(): replies come from it fast
    engine_version: str
    meta: Mapping[str, Any] = field(default_factory=dict)  # author, site, date of a web page
    language: str | None = None  # ISO 639-1 code ("en", "zh"), when known


@dataclass(frozen=True, slots=True)
class StoredParagraph:
    number: int
    heading: str | None
    text: str


@dataclass(frozen=True, slots=True)
class StoredArticle:
    guild_id: int
    number: int  # per-guild, as users see it (#1, #2, ...); never reused after a delete
    channel_id: int | None
    author_id: int
    title: str | None
    source_kind: SourceKind
    source_ref: str | None
    created_at: datetime  # timezone-aware UTC
    text: str
    paragraphs: list[StoredParagraph]
    analysis: dict[str, Any]
    engine_version: str
    meta: dict[str, Any]
    language: str | None = None  # ISO 639-1 code ("en", "zh"), when known


@dataclass(frozen=True, slots=True)
class AddResult:
    article: StoredArticle
    created: bool  # False: the same (whitespace-normalised) text already existed in this guild


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """A row of a listing: enough to show and pick an article, without its text."""

    number: int
    title: str | None
    created_at: datetime
    author_id: int
    channel_id: int | None
    source_kind: SourceKind
    source_ref: str | None
    paragraph_count: int


@dataclass(frozen=True, slots=True)
class ArticlePage:
    items: list[ArticleInfo]
    total: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    number: int  # the article's per-guild number
    title: str | None
    paragraph: int
    snippet: str  # a short excerpt of the paragraph around the matched words (plain text)
    score: float  # higher is better


ChangeKind = Literal["added", "deleted", "changed"]


@dataclass(frozen=True, slots=True)
class ArticleChange:
    """An article another process added, deleted, or changed (its analysis was made again):
    what `Store.watch_changes` reports."""

    kind: ChangeKind
    guild_id: int
    number: int
    channel_id: int | None = None  # where an added article was posted


class ChangeWatcher(Protocol):
    """What `Store.watch_changes` tells. `changed` for each change another process made;
    `reset(live)` when changes may have been missed (the connection that hears them was lost,
    or came back): everything cached from the store is to be dropped, and while `live` is
    False nothing is to be cached (no change would be heard)."""

    def changed(self, change: ArticleChange) -> None: ...

    def reset(self, live: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """A server's settings. Each field is a column of the `guilds` table in both stores (same
    name; `bool` and `int | None` are the types a setting may have): a new setting is one
    field here and one migration per store. `metadata["doc"]` says what it does."""

    moderator_role_id: int | None = field(
        default=None, metadata={"doc": "A role whose members may post and delete articles"}
    )
    discussion_threads: bool = field(
        default=True, metadata={"doc": "Open a discussion thread for each new digest"}
    )


def _setting_types() -> dict[str, type]:
    kinds = {"bool": bool, "int | None": int}
    types: dict[str, type] = {}
    for f in dataclasses.fields(GuildSettings):
        if f.type not in kinds:  # the stores convert these two; teach them a new one first
            raise TypeError(f"GuildSettings.{f.name}: a setting is bool or int | None")
        types[f.name] = kinds[str(f.type)]
    return types


SETTING_TYPES: Final = _setting_types()


def check_setting_changes(changes: Mapping[str, object]) -> dict[str, object]:
    """`changes` for `Store.update_settings`, checked: known fields only, each of its type
    (`None` only where the field allows it). Raises `TypeError` or `ValueError`."""
    checked: dict[str, object] = {}
    for name, value in changes.items():
        kind = SETTING_TYPES.get(name)
        if kind is None:
            raise TypeError(f"unknown guild setting {name!r}")
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be True or False, not {value!r}")
        elif value is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an id or None, not {value!r}")
            check_id(name, value)
        checked[name] = value
    return checked


def check_id(name: str, value: int) -> int:
    """A Discord id or article number fits a signed 64-bit column; anything else is refused
    the same way by both stores."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, not {value!r}")
    if not -MAX_ID - 1 <= value <= MAX_ID:
        raise ValueError(f"{name} is out of range: {value}")
    return value


def check_new_article(new: NewArticle) -> None:
    """What both stores refuse in `add_article`, with the same `ValueError`."""
    if new.source_kind not in SOURCE_KINDS:
        raise ValueError(f"unknown source kind {new.source_kind!r}")
    numbers = [number for number, _, _ in new.paragraphs]
    if len(set(numbers)) != len(numbers):
        raise ValueError("paragraph numbers must be unique")
    for number in numbers:
        check_id("paragraph number", number)
    check_id("guild_id", new.guild_id)
    check_id("author_id", new.author_id)
    if new.channel_id is not None:
        check_id("channel_id", new.channel_id)
    if new.language is not None and not _LANGUAGE.fullmatch(new.language):
        raise ValueError(f"language must be an ISO 639-1 code like 'en', not {new.language!r}")
    strings: list[str | None] = [new.text, new.title, new.source_ref, new.engine_version]
    for _, heading, text in new.paragraphs:
        strings += [heading, text]
    for value in strings:
        if value is not None:
            # Lone surrogates cannot be stored as UTF-8 by either database: UnicodeEncodeError
            # (a ValueError) here, before either is asked.
            value.encode("utf-8")


class Store(Protocol):
    async def close(self) -> None: ...

    async def watch_changes(self, watcher: ChangeWatcher) -> None:
        """From now until the store closes, tell `watcher` of every article other processes
        add, delete or re-analyse in this database (never of this store's own writes), so
        that what a process caches stays true when several share the database. SQLite: one
        process, nothing to tell."""
        ...

    async def add_article(self, new: NewArticle) -> AddResult: ...

    async def get_article(self, guild_id: int, number: int) -> StoredArticle | None: ...

    async def latest_article(
        self, guild_id: int, *, channel_id: int | None = None
    ) -> StoredArticle | None:
        """The newest article of the guild, or of one channel of it when `channel_id` is given."""
        ...

    async def list_articles(
        self, guild_id: int, *, offset: int = 0, limit: int = 10
    ) -> ArticlePage:
        """Newest first."""
        ...

    async def find_titles(self, guild_id: int, text: str, *, limit: int = 25) -> list[ArticleInfo]:
        """For autocomplete: articles whose title (or number) matches `text`, newest first."""
        ...

    async def delete_article(self, guild_id: int, number: int) -> bool: ...

    async def search(self, guild_id: int, query: str, *, limit: int = 25) -> list[SearchHit]:
        """Ranked paragraphs across the guild's articles. Any user text is a safe query."""
        ...

    async def update_analysis(
        self, guild_id: int, number: int, analysis: Mapping[str, Any], engine_version: str
    ) -> bool: ...

    async def link_message(self, guild_id: int, message_id: int, number: int) -> None:
        """Remember that a bot message (a digest or an answer) is about article `number`."""
        ...

    async def article_for_message(self, guild_id: int, message_id: int) -> int | None: ...

    async def link_thread(self, guild_id: int, thread_id: int, number: int) -> None:
        """Remember the discussion thread opened for article `number`."""
        ...

    async def article_for_thread(self, guild_id: int, thread_id: int) -> int | None: ...

    async def get_settings(self, guild_id: int) -> GuildSettings: ...

    async def update_settings(self, guild_id: int, /, **changes: object) -> GuildSettings:
        """Change the named settings (fields of `GuildSettings`), keep the others; returns
        them all. `update_settings(g, discussion_threads=False)`."""
        ...

    # -- feeds (storage.feeds says what each promises) -------------------------------------

    async def add_feed(self, new: NewFeed, *, limit: int) -> Feed:
        """Follow a feed; `FeedExistsError` (the guild follows that URL already) or
        `FeedLimitError` (it follows `limit` feeds)."""
        ...

    async def get_feed(self, guild_id: int, number: int) -> Feed | None: ...

    async def list_feeds(self, guild_id: int) -> list[Feed]: ...

    async def update_feed(self, guild_id: int, number: int, /, **changes: object) -> Feed | None:
        """Change some of `storage.feeds.FEED_CHANGES` (compact, every, paused...). A new
        `channel_id` also forgets the feed's validators and last success: it is read afresh
        there, as when it was added."""
        ...

    async def remove_feed(self, guild_id: int, number: int) -> Feed | None:
        """Stop following; its pending posts are dropped, its items stay seen."""
        ...

    async def claim_due_feeds(
        self, now: datetime, *, limit: int, lease: datetime, shards: Shards | None = None
    ) -> list[Feed]: ...

    async def next_feed_work(self, *, shards: Shards | None = None) -> datetime | None: ...

    async def record_feed_check(
        self, guild_id: int, feed_id: int, check: FeedCheck
    ) -> Feed | None: ...

    async def seen_keys(
        self, guild_id: int, channel_id: int, keys: Sequence[bytes]
    ) -> set[bytes]: ...

    async def mark_seen(
        self, guild_id: int, channel_id: int, keys: Sequence[bytes], *, at: datetime
    ) -> None: ...

    async def queue_feed_post(self, post: NewFeedPost) -> FeedPost | None: ...

    async def pending_feed_posts(
        self, now: datetime, *, limit: int, shards: Shards | None = None
    ) -> list[FeedPost]: ...

    async def finish_feed_post(
        self,
        guild_id: int,
        post_id: int,
        *,
        at: datetime,
        message_id: int | None = None,
        retry_at: datetime | None = None,
    ) -> None: ...

    async def feed_posts(
        self, guild_id: int, *, feed_number: int | None = None
    ) -> list[FeedPost]: ...
