"""The feed methods of `SQLiteStore` (see `storage.feeds` for what they promise). Writes run in
the store's one write transaction at a time; each read is one statement on the reader."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Final, cast

import aiosqlite

from .base import check_id
from .common import from_micros, to_micros
from .feeds import (
    CHANGE_COLUMNS,
    FEED_COLUMNS,
    FEED_COUNTS,
    FEED_GUILDS,
    POST_RECORD_COLUMNS,
    Feed,
    FeedCheck,
    FeedExistsError,
    FeedLimitError,
    FeedPost,
    NewFeed,
    NewFeedPost,
    PostRecord,
    SeenRecord,
    Shards,
    check_feed_changes,
    check_key,
    check_new_feed,
    feed_from_row,
    item_json,
    post_from_row,
    post_record,
    shards_sql,
)

_COLUMNS: Final = FEED_COLUMNS.select()
_POST_COLUMNS: Final = """
    p.id, p.guild_id, p.channel_id, p.feed_id, p.number, p.item, p.nonce, p.state,
    p.created_at, p.attempts, coalesce(f.compact, 0)
"""
_POSTS_FROM: Final = """
    feed_posts AS p LEFT JOIN feeds AS f ON f.id = p.feed_id AND f.guild_id = p.guild_id
"""
_KEY_BATCH: Final = 500

Row = Sequence[Any]


def _feed(row: Row) -> Feed:
    return feed_from_row(row, from_micros, lambda t: t)


def _post(row: Row) -> FeedPost:
    return post_from_row(row, from_micros, lambda t: t)


def _shards_sql(shards: Shards | None, column: str = "guild_id") -> str:
    return shards_sql(shards, column, true="1")


def _value(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return to_micros(value)
    return value


async def _rows(
    db: aiosqlite.Connection, sql: str, params: Sequence[Any] | dict[str, Any] = ()
) -> list[Row]:
    return cast(list[Row], list(await db.execute_fetchall(sql, params)))


class SQLiteFeeds:
    """Mixed into `SQLiteStore`, which provides the two connections."""

    def _write(self) -> AbstractAsyncContextManager[aiosqlite.Connection]:
        raise NotImplementedError

    def _read_one(self) -> AbstractAsyncContextManager[aiosqlite.Connection]:
        raise NotImplementedError

    async def add_feed(self, new: NewFeed, *, limit: int) -> Feed:
        """Follow a feed; `FeedExistsError` when the guild follows that URL already,
        `FeedLimitError` when it follows `limit` feeds."""
        check_new_feed(new)
        async with self._write() as db:
            same = await _rows(
                db,
                f"SELECT {_COLUMNS} FROM feeds WHERE guild_id = ? AND url = ?",
                (new.guild_id, new.url),
            )
            if same:
                raise FeedExistsError(_feed(same[0]))
            ((count, highest),) = await _rows(
                db,
                "SELECT count(*), coalesce(max(number), 0) FROM feeds WHERE guild_id = ?",
                (new.guild_id,),
            )
            if count >= limit:
                raise FeedLimitError(limit)
            rows = await _rows(
                db,
                f"""
                INSERT INTO feeds (guild_id, number, channel_id, url, title, site_url, added_by,
                    added_at, compact, every_seconds, next_check_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING {_COLUMNS}
                """,
                (
                    new.guild_id,
                    highest + 1,
                    new.channel_id,
                    new.url,
                    new.title,
                    new.site_url,
                    new.added_by,
                    to_micros(new.added_at),
                    int(new.compact),
                    new.every,
                    to_micros(new.next_check_at or new.added_at),
                ),
            )
        return _feed(rows[0])

    async def get_feed(self, guild_id: int, number: int) -> Feed | None:
        check_id("guild_id", guild_id)
        check_id("number", number)
        async with self._read_one() as db:
            rows = await _rows(
                db,
                f"SELECT {_COLUMNS} FROM feeds WHERE guild_id = ? AND number = ?",
                (guild_id, number),
            )
        return _feed(rows[0]) if rows else None

    async def list_feeds(self, guild_id: int) -> list[Feed]:
        check_id("guild_id", guild_id)
        async with self._read_one() as db:
            rows = await _rows(
                db,
                f"SELECT {_COLUMNS} FROM feeds WHERE guild_id = ? ORDER BY number",
                (guild_id,),
            )
        return [_feed(r) for r in rows]

    async def update_feed(self, guild_id: int, number: int, /, **changes: object) -> Feed | None:
        check_id("guild_id", guild_id)
        check_id("number", number)
        checked = check_feed_changes(changes)
        if not checked:
            return await self.get_feed(guild_id, number)
        names = [CHANGE_COLUMNS.get(n, n) for n in checked]
        async with self._write() as db:
            rows = await _rows(
                db,
                f"UPDATE feeds SET {', '.join(f'{n} = ?' for n in names)}"
                f" WHERE guild_id = ? AND number = ? RETURNING {_COLUMNS}",
                (*(_value(v) for v in checked.values()), guild_id, number),
            )
        return _feed(rows[0]) if rows else None

    async def remove_feed(self, guild_id: int, number: int) -> Feed | None:
        """Stop following a feed; its posts not sent yet are dropped. The items it brought
        stay seen in its channel."""
        check_id("guild_id", guild_id)
        check_id("number", number)
        async with self._write() as db:
            await db.execute(
                """
                DELETE FROM feed_posts WHERE state = 'pending' AND guild_id = ?1
                AND feed_id = (SELECT id FROM feeds WHERE guild_id = ?1 AND number = ?2)
                """,
                (guild_id, number),
            )
            rows = await _rows(
                db,
                f"DELETE FROM feeds WHERE guild_id = ? AND number = ? RETURNING {_COLUMNS}",
                (guild_id, number),
            )
        return _feed(rows[0]) if rows else None

    # -- the scheduler ---------------------------------------------------------------------

    async def claim_due_feeds(
        self, now: datetime, *, limit: int, lease: datetime, shards: Shards | None = None
    ) -> list[Feed]:
        """Active feeds due at `now` (most overdue first, at most `limit`), their next check
        moved to `lease` so that no other claim takes them meanwhile (a check that dies is
        tried again then). Across guilds: the scheduler's read."""
        async with self._write() as db:
            rows = await _rows(
                db,
                f"""
                SELECT {_COLUMNS} FROM feeds
                WHERE paused IS NULL AND next_check_at <= ? AND {_shards_sql(shards)}
                ORDER BY next_check_at, id LIMIT ?
                """,
                (to_micros(now), max(0, limit)),
            )
            if rows:
                await db.executemany(
                    "UPDATE feeds SET next_check_at = ? WHERE id = ?",
                    [(to_micros(lease), r[0]) for r in rows],
                )
        return [dataclasses.replace(_feed(r), next_check_at=lease) for r in rows]

    async def next_feed_work(self, *, shards: Shards | None = None) -> datetime | None:
        """When the next active feed is due, or the next pending post may be tried."""
        async with self._read_one() as db:
            rows = await _rows(
                db,
                f"""
                SELECT min(t) FROM (
                    SELECT min(next_check_at) AS t FROM feeds
                    WHERE paused IS NULL AND {_shards_sql(shards)}
                    UNION ALL
                    SELECT min(next_try_at) FROM feed_posts
                    WHERE state = 'pending' AND {_shards_sql(shards)}
                )
                """,
            )
        value = rows[0][0] if rows else None
        return None if value is None else from_micros(value)

    async def record_feed_check(self, guild_id: int, feed_id: int, check: FeedCheck) -> Feed | None:
        """Record a check's outcome; None when the feed was removed meanwhile."""
        check_id("guild_id", guild_id)
        etag, modified, body = check.validators or (None, None, None)
        at = to_micros(check.checked_at)
        async with self._write() as db:
            rows = await _rows(
                db,
                f"""
                UPDATE feeds SET
                    last_check_at = :at,
                    next_check_at = :next,
                    failures = CASE WHEN :ok THEN 0 ELSE failures + 1 END,
                    last_error = :error,
                    last_success_at = CASE WHEN :ok THEN :at ELSE last_success_at END,
                    etag = CASE WHEN :new_body THEN :etag ELSE etag END,
                    last_modified = CASE WHEN :new_body THEN :modified ELSE last_modified END,
                    body_hash = CASE WHEN :new_body THEN :body ELSE body_hash END,
                    min_interval = coalesce(:min_interval, min_interval),
                    title = coalesce(:title, title),
                    last_item_at = CASE WHEN :new_items THEN :at ELSE last_item_at END,
                    paused = coalesce(paused, :pause)
                WHERE id = :id AND guild_id = :guild
                RETURNING {_COLUMNS}
                """,
                {
                    "at": at,
                    "next": to_micros(check.next_check_at),
                    "ok": int(check.ok),
                    "error": None if check.ok else check.error,
                    "new_body": int(check.validators is not None),
                    "etag": etag,
                    "modified": modified,
                    "body": body,
                    "min_interval": check.min_interval,
                    "title": check.title,
                    "new_items": int(check.new_items),
                    "pause": check.pause,
                    "id": feed_id,
                    "guild": guild_id,
                },
            )
        return _feed(rows[0]) if rows else None

    # -- seen items and the outbox -----------------------------------------------------------

    async def seen_keys(self, guild_id: int, channel_id: int, keys: Sequence[bytes]) -> set[bytes]:
        """Which of `keys` the channel has seen."""
        check_id("guild_id", guild_id)
        check_id("channel_id", channel_id)
        wanted = [check_key(k) for k in dict.fromkeys(keys)]
        found: set[bytes] = set()
        for start in range(0, len(wanted), _KEY_BATCH):
            batch = wanted[start : start + _KEY_BATCH]
            async with self._read_one() as db:
                rows = await _rows(
                    db,
                    f"""
                    SELECT key FROM feed_seen WHERE guild_id = ? AND channel_id = ?
                    AND key IN ({", ".join("?" * len(batch))})
                    """,
                    (guild_id, channel_id, *batch),
                )
            found.update(bytes(r[0]) for r in rows)
        return found

    async def mark_seen(
        self, guild_id: int, channel_id: int, keys: Sequence[bytes], *, at: datetime
    ) -> None:
        check_id("guild_id", guild_id)
        check_id("channel_id", channel_id)
        rows = [(guild_id, channel_id, check_key(k), to_micros(at)) for k in keys]
        async with self._write() as db:
            await db.executemany(
                "INSERT INTO feed_seen (guild_id, channel_id, key, seen_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                rows,
            )

    async def queue_feed_post(self, post: NewFeedPost) -> FeedPost | None:
        """Mark the item's keys seen and record the post to send, in one transaction. None
        (nothing recorded) when the feed was removed meanwhile, or when the article is posted
        (or queued) in the channel already: then only the keys are marked."""
        check_id("guild_id", post.guild_id)
        check_id("channel_id", post.channel_id)
        if post.number is not None:
            check_id("number", post.number)
        keys = [check_key(k) for k in post.keys]
        item = item_json(post.item)
        at = to_micros(post.created_at)
        async with self._write() as db:
            feed = await _rows(
                db,
                "SELECT 1 FROM feeds WHERE id = ? AND guild_id = ?",
                (post.feed_id, post.guild_id),
            )
            if not feed:
                return None
            await db.executemany(
                "INSERT INTO feed_seen (guild_id, channel_id, key, seen_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [(post.guild_id, post.channel_id, k, at) for k in keys],
            )
            rows = await _rows(
                db,
                """
                INSERT INTO feed_posts (guild_id, channel_id, feed_id, number, item, nonce,
                    created_at, next_try_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (guild_id, channel_id, number) WHERE number IS NOT NULL DO NOTHING
                RETURNING id
                """,
                (
                    post.guild_id,
                    post.channel_id,
                    post.feed_id,
                    post.number,
                    item,
                    post.nonce,
                    at,
                    at,
                ),
            )
            if not rows:
                return None
            found = await _rows(
                db,
                f"""
                SELECT {_POST_COLUMNS} FROM {_POSTS_FROM} WHERE p.id = ?
                """,
                (rows[0][0],),
            )
        return _post(found[0])

    async def pending_feed_posts(
        self, now: datetime, *, limit: int, shards: Shards | None = None
    ) -> list[FeedPost]:
        """Posts recorded and not sent yet whose next try is due, oldest first (across
        guilds: the scheduler's read)."""
        async with self._read_one() as db:
            rows = await _rows(
                db,
                f"""
                SELECT {_POST_COLUMNS} FROM {_POSTS_FROM}
                WHERE p.state = 'pending' AND p.next_try_at <= ?
                AND {_shards_sql(shards, "p.guild_id")}
                ORDER BY p.id LIMIT ?
                """,
                (to_micros(now), max(0, limit)),
            )
        return [_post(r) for r in rows]

    async def finish_feed_post(
        self,
        guild_id: int,
        post_id: int,
        *,
        at: datetime,
        message_id: int | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """A post was sent (`message_id`), or dropped for good (no `message_id`: its channel
        is gone, its article was deleted), or, with `retry_at`, failed and is tried again
        then."""
        check_id("guild_id", guild_id)
        async with self._write() as db:
            if retry_at is not None:
                await db.execute(
                    "UPDATE feed_posts SET attempts = attempts + 1, next_try_at = ?"
                    " WHERE id = ? AND guild_id = ? AND state = 'pending'",
                    (to_micros(retry_at), post_id, guild_id),
                )
                return
            await db.execute(
                "UPDATE feed_posts SET state = ?, finished_at = ?, message_id = ?"
                " WHERE id = ? AND guild_id = ?",
                (
                    "posted" if message_id is not None else "dropped",
                    to_micros(at),
                    message_id,
                    post_id,
                    guild_id,
                ),
            )

    async def feed_posts(self, guild_id: int, *, feed_number: int | None = None) -> list[FeedPost]:
        """The guild's posts (of one feed), oldest first: for /feed list and the tests."""
        check_id("guild_id", guild_id)
        async with self._read_one() as db:
            rows = await _rows(
                db,
                f"""
                SELECT {_POST_COLUMNS} FROM {_POSTS_FROM}
                WHERE p.guild_id = ?1 AND (?2 IS NULL OR f.number = ?2)
                ORDER BY p.id
                """,
                (guild_id, feed_number),
            )
        return [_post(r) for r in rows]

    # -- copying (python -m storage copy) ------------------------------------------------

    async def export_feed_guilds(self) -> list[int]:
        """Every guild with a feed, a seen key or a post."""
        async with self._read_one() as db:
            rows = await _rows(db, FEED_GUILDS)
        return [int(r[0]) for r in rows]

    async def export_feeds(self, guild_id: int) -> list[Feed]:
        """The guild's feeds, every column (their ids too), by id."""
        async with self._read_one() as db:
            rows = await _rows(
                db, f"SELECT {_COLUMNS} FROM feeds WHERE guild_id = ? ORDER BY id", (guild_id,)
            )
        return [_feed(r) for r in rows]

    async def export_seen(
        self, guild_id: int, after: tuple[int, bytes] | None, limit: int
    ) -> list[SeenRecord]:
        """The guild's seen keys after (channel, key) `after`, in that order, at most `limit`."""
        channel, key = after or (-1, b"")
        async with self._read_one() as db:
            rows = await _rows(
                db,
                """
                SELECT channel_id, key, seen_at FROM feed_seen
                WHERE guild_id = ? AND (channel_id, key) > (?, ?)
                ORDER BY channel_id, key LIMIT ?
                """,
                (guild_id, channel, key, limit),
            )
        return [SeenRecord(r[0], bytes(r[1]), from_micros(r[2])) for r in rows]

    async def export_feed_posts(self, guild_id: int, after: int, limit: int) -> list[PostRecord]:
        """The guild's posts with ids above `after`, by id, at most `limit`."""
        async with self._read_one() as db:
            rows = await _rows(
                db,
                f"SELECT {POST_RECORD_COLUMNS} FROM feed_posts WHERE guild_id = ? AND id > ?"
                " ORDER BY id LIMIT ?",
                (guild_id, after, limit),
            )
        return [post_record(r, from_micros, lambda t: t) for r in rows]

    async def feed_counters(self) -> tuple[int, int]:
        """The highest feed id and post id handed out (0: none)."""
        async with self._read_one() as db:
            rows = await _rows(
                db,
                """
                SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'feeds'), 0),
                    coalesce((SELECT max(id) FROM feed_posts), 0)
                """,
            )
        return int(rows[0][0]), int(rows[0][1])

    async def feed_counts(self) -> dict[int, tuple[int, int, int, int]]:
        """Per guild: feeds, seen keys, posts, pending posts."""
        async with self._read_one() as db:
            rows = await _rows(db, FEED_COUNTS)
        return {int(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}

    async def import_feeds(self, guild_id: int, feeds: Sequence[Feed]) -> int:
        """Make the feeds (by id) what `feeds` says; returns how many changed."""
        if not feeds:
            return 0
        names = [n for n in FEED_COLUMNS.names if n != "id"]
        changed = 0
        async with self._write() as db:
            for feed in feeds:
                current = await _rows(db, f"SELECT {_COLUMNS} FROM feeds WHERE id = ?", (feed.id,))
                if current and _feed(current[0]) == feed:
                    continue
                values = [
                    _value(getattr(feed, "every" if n == "every_seconds" else n))
                    for n in FEED_COLUMNS.names
                ]
                await db.execute(
                    f"""
                    INSERT INTO feeds ({_COLUMNS}) VALUES ({", ".join("?" * len(values))})
                    ON CONFLICT (id) DO UPDATE SET
                    {", ".join(f"{n} = excluded.{n}" for n in names)}
                    """,
                    values,
                )
                changed += 1
        return changed

    async def import_seen(self, guild_id: int, records: Sequence[SeenRecord]) -> int:
        """Add the keys the target lacks; returns how many were added."""
        async with self._write() as db:
            before = db.total_changes
            await db.executemany(
                "INSERT INTO feed_seen (guild_id, channel_id, key, seen_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [(guild_id, r.channel_id, r.key, to_micros(r.seen_at)) for r in records],
            )
            return db.total_changes - before

    async def import_feed_posts(self, guild_id: int, records: Sequence[PostRecord]) -> int:
        """Make the posts (by id) what `records` says; returns how many changed."""
        changed = 0
        names = POST_RECORD_COLUMNS.split(", ")
        async with self._write() as db:
            for r in records:
                current = await _rows(
                    db, f"SELECT {POST_RECORD_COLUMNS} FROM feed_posts WHERE id = ?", (r.id,)
                )
                if current and post_record(current[0], from_micros, lambda t: t) == r:
                    continue
                values = [_value(getattr(r, n)) for n in names]
                await db.execute(
                    f"""
                    INSERT INTO feed_posts ({POST_RECORD_COLUMNS})
                    VALUES ({", ".join("?" * len(values))})
                    ON CONFLICT (id) DO UPDATE SET
                    {", ".join(f"{n} = excluded.{n}" for n in names[1:])}
                    """,
                    values,
                )
                changed += 1
        return changed

    async def import_feed_counters(self, feed_id: int, post_id: int) -> bool:
        """Move the feed id counter up to `feed_id` (post ids here are the highest row's);
        False when it was there already."""
        async with self._write() as db:
            rows = await _rows(db, "SELECT seq FROM sqlite_sequence WHERE name = 'feeds'")
            if rows and rows[0][0] >= feed_id:
                return False
            if not rows and feed_id <= 0:
                return False
            if rows:
                await db.execute(
                    "UPDATE sqlite_sequence SET seq = ? WHERE name = 'feeds'", (feed_id,)
                )
            else:
                await db.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ('feeds', ?)", (feed_id,)
                )
        return True
