"""The feed methods of `PostgresStore` (see `storage.feeds` for what they promise): the same
behaviour as `storage.sqlite_feeds`. Several bot processes may share the database: a due
feed is claimed with `FOR UPDATE SKIP LOCKED`, so two schedulers never check it at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Final, TypeVar

import asyncpg

from .base import check_id
from .feeds import (
    CHANGE_COLUMNS,
    FEED_COLUMNS,
    FEED_COUNTS,
    FEED_GUILDS,
    POST_RECORD_COLUMNS,
    TEXT_COLUMNS,
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
from .pgtext import escape, maybe_escape, maybe_unescape, unescape

T = TypeVar("T")

_COLUMNS: Final = FEED_COLUMNS.select()
_POST_COLUMNS: Final = """
    p.id, p.guild_id, p.channel_id, p.feed_id, p.number, p.item, p.nonce, p.state,
    p.created_at, p.attempts, coalesce(f.compact, false)
"""
_POSTS_FROM: Final = """
    feed_posts AS p LEFT JOIN feeds AS f ON f.id = p.feed_id AND f.guild_id = p.guild_id
"""


Row = Sequence[Any]


def _feed(row: Row) -> Feed:
    return feed_from_row(row, lambda t: t, maybe_unescape)


def _post(row: Row) -> FeedPost:
    return post_from_row(row, lambda t: t, unescape)


def _shards_sql(shards: Shards | None, column: str = "guild_id") -> str:
    return shards_sql(shards, column, true="true")


class PostgresFeeds:
    """Mixed into `PostgresStore`, which provides the connections."""

    def _connection(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        raise NotImplementedError

    async def _read(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        raise NotImplementedError

    async def add_feed(self, new: NewFeed, *, limit: int) -> Feed:
        check_new_feed(new)
        async with self._connection() as c, c.transaction():
            # One add per guild at a time (the count, then the insert).
            await c.execute("SELECT pg_advisory_xact_lock($1)", new.guild_id)
            same = await c.fetchrow(
                f"SELECT {_COLUMNS} FROM feeds WHERE guild_id = $1 AND url = $2",
                new.guild_id,
                escape(new.url),
            )
            if same is not None:
                raise FeedExistsError(_feed(same))
            count, highest = await c.fetchrow(
                "SELECT count(*), coalesce(max(number), 0) FROM feeds WHERE guild_id = $1",
                new.guild_id,
            )
            if count >= limit:
                raise FeedLimitError(limit)
            row = await c.fetchrow(
                f"""
                INSERT INTO feeds (guild_id, number, channel_id, url, title, site_url, added_by,
                    added_at, compact, every_seconds, next_check_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                RETURNING {_COLUMNS}
                """,
                new.guild_id,
                highest + 1,
                new.channel_id,
                escape(new.url),
                maybe_escape(new.title),
                maybe_escape(new.site_url),
                new.added_by,
                new.added_at,
                new.compact,
                new.every,
                new.next_check_at or new.added_at,
            )
        return _feed(row)

    async def get_feed(self, guild_id: int, number: int) -> Feed | None:
        check_id("guild_id", guild_id)
        check_id("number", number)
        row = await self._read(
            lambda c: c.fetchrow(
                f"SELECT {_COLUMNS} FROM feeds WHERE guild_id = $1 AND number = $2",
                guild_id,
                number,
            )
        )
        return None if row is None else _feed(row)

    async def list_feeds(self, guild_id: int) -> list[Feed]:
        check_id("guild_id", guild_id)
        rows = await self._read(
            lambda c: c.fetch(
                f"SELECT {_COLUMNS} FROM feeds WHERE guild_id = $1 ORDER BY number", guild_id
            )
        )
        return [_feed(r) for r in rows]

    async def update_feed(self, guild_id: int, number: int, /, **changes: object) -> Feed | None:
        check_id("guild_id", guild_id)
        check_id("number", number)
        checked = check_feed_changes(changes)
        if not checked:
            return await self.get_feed(guild_id, number)
        names = [CHANGE_COLUMNS.get(n, n) for n in checked]
        values = [
            maybe_escape(v) if n in TEXT_COLUMNS and isinstance(v, str | None) else v
            for n, v in zip(names, checked.values(), strict=True)
        ]
        assignments = ", ".join(f"{n} = ${i + 3}" for i, n in enumerate(names))
        async with self._connection() as c:
            row = await c.fetchrow(
                f"UPDATE feeds SET {assignments} WHERE guild_id = $1 AND number = $2"
                f" RETURNING {_COLUMNS}",
                guild_id,
                number,
                *values,
            )
        return None if row is None else _feed(row)

    async def remove_feed(self, guild_id: int, number: int) -> Feed | None:
        check_id("guild_id", guild_id)
        check_id("number", number)
        async with self._connection() as c, c.transaction():
            await c.execute(
                """
                DELETE FROM feed_posts WHERE state = 'pending' AND guild_id = $1
                AND feed_id = (SELECT id FROM feeds WHERE guild_id = $1 AND number = $2)
                """,
                guild_id,
                number,
            )
            row = await c.fetchrow(
                f"DELETE FROM feeds WHERE guild_id = $1 AND number = $2 RETURNING {_COLUMNS}",
                guild_id,
                number,
            )
        return None if row is None else _feed(row)

    # -- the scheduler ---------------------------------------------------------------------

    async def claim_due_feeds(
        self, now: datetime, *, limit: int, lease: datetime, shards: Shards | None = None
    ) -> list[Feed]:
        async with self._connection() as c:
            rows = await c.fetch(
                f"""
                UPDATE feeds SET next_check_at = $3 WHERE id IN (
                    SELECT id FROM feeds
                    WHERE paused IS NULL AND next_check_at <= $1 AND {_shards_sql(shards)}
                    ORDER BY next_check_at, id LIMIT $2
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING {_COLUMNS}
                """,
                now,
                max(0, limit),
                lease,
            )
        # RETURNING keeps no order: the most overdue first is by the old time, lost; by id.
        return sorted((_feed(r) for r in rows), key=lambda f: f.id)

    async def next_feed_work(self, *, shards: Shards | None = None) -> datetime | None:
        value: datetime | None = await self._read(
            lambda c: c.fetchval(
                f"""
                SELECT least(
                    (SELECT min(next_check_at) FROM feeds
                     WHERE paused IS NULL AND {_shards_sql(shards)}),
                    (SELECT min(next_try_at) FROM feed_posts
                     WHERE state = 'pending' AND {_shards_sql(shards)})
                )
                """
            )
        )
        return value

    async def record_feed_check(self, guild_id: int, feed_id: int, check: FeedCheck) -> Feed | None:
        check_id("guild_id", guild_id)
        etag, modified, body = check.validators or (None, None, None)
        async with self._connection() as c:
            row = await c.fetchrow(
                f"""
                UPDATE feeds SET
                    last_check_at = $3,
                    next_check_at = $4,
                    failures = CASE WHEN $5 THEN 0 ELSE failures + 1 END,
                    last_error = $6,
                    last_success_at = CASE WHEN $5 THEN $3 ELSE last_success_at END,
                    etag = CASE WHEN $7 THEN $8 ELSE etag END,
                    last_modified = CASE WHEN $7 THEN $9 ELSE last_modified END,
                    body_hash = CASE WHEN $7 THEN $10 ELSE body_hash END,
                    min_interval = coalesce($11, min_interval),
                    title = coalesce($12, title),
                    last_item_at = CASE WHEN $13 THEN $3 ELSE last_item_at END,
                    paused = coalesce(paused, $14)
                WHERE id = $2 AND guild_id = $1
                RETURNING {_COLUMNS}
                """,
                guild_id,
                feed_id,
                check.checked_at,
                check.next_check_at,
                check.ok,
                None if check.ok else maybe_escape(check.error),
                check.validators is not None,
                maybe_escape(etag),
                maybe_escape(modified),
                body,
                check.min_interval,
                maybe_escape(check.title),
                check.new_items,
                check.pause,
            )
        return None if row is None else _feed(row)

    # -- seen items and the outbox -----------------------------------------------------------

    async def seen_keys(self, guild_id: int, channel_id: int, keys: Sequence[bytes]) -> set[bytes]:
        check_id("guild_id", guild_id)
        check_id("channel_id", channel_id)
        wanted = [check_key(k) for k in dict.fromkeys(keys)]
        if not wanted:
            return set()
        rows = await self._read(
            lambda c: c.fetch(
                "SELECT key FROM feed_seen WHERE guild_id = $1 AND channel_id = $2"
                " AND key = ANY($3::bytea[])",
                guild_id,
                channel_id,
                wanted,
            )
        )
        return {bytes(r[0]) for r in rows}

    async def mark_seen(
        self, guild_id: int, channel_id: int, keys: Sequence[bytes], *, at: datetime
    ) -> None:
        check_id("guild_id", guild_id)
        check_id("channel_id", channel_id)
        wanted = [check_key(k) for k in keys]
        async with self._connection() as c:
            await _insert_keys(c, guild_id, channel_id, wanted, at)

    async def queue_feed_post(self, post: NewFeedPost) -> FeedPost | None:
        check_id("guild_id", post.guild_id)
        check_id("channel_id", post.channel_id)
        if post.number is not None:
            check_id("number", post.number)
        keys = [check_key(k) for k in post.keys]
        item = escape(item_json(post.item))
        async with self._connection() as c, c.transaction():
            # The feed's row lock: a removal waits for this post, or this sees it removed.
            found = await c.fetchval(
                "SELECT 1 FROM feeds WHERE id = $1 AND guild_id = $2 FOR SHARE",
                post.feed_id,
                post.guild_id,
            )
            if found is None:
                return None
            await _insert_keys(c, post.guild_id, post.channel_id, keys, post.created_at)
            post_id = await c.fetchval(
                """
                INSERT INTO feed_posts (guild_id, channel_id, feed_id, number, item, nonce,
                    created_at, next_try_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
                ON CONFLICT (guild_id, channel_id, number) WHERE number IS NOT NULL DO NOTHING
                RETURNING id
                """,
                post.guild_id,
                post.channel_id,
                post.feed_id,
                post.number,
                item,
                post.nonce,
                post.created_at,
            )
            if post_id is None:
                return None
            row = await c.fetchrow(
                f"SELECT {_POST_COLUMNS} FROM {_POSTS_FROM} WHERE p.id = $1", post_id
            )
        return _post(row)

    async def pending_feed_posts(
        self, now: datetime, *, limit: int, shards: Shards | None = None
    ) -> list[FeedPost]:
        rows = await self._read(
            lambda c: c.fetch(
                f"""
                SELECT {_POST_COLUMNS} FROM {_POSTS_FROM}
                WHERE p.state = 'pending' AND p.next_try_at <= $1
                AND {_shards_sql(shards, "p.guild_id")}
                ORDER BY p.id LIMIT $2
                """,
                now,
                max(0, limit),
            )
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
        check_id("guild_id", guild_id)
        async with self._connection() as c:
            if retry_at is not None:
                await c.execute(
                    "UPDATE feed_posts SET attempts = attempts + 1, next_try_at = $1"
                    " WHERE id = $2 AND guild_id = $3 AND state = 'pending'",
                    retry_at,
                    post_id,
                    guild_id,
                )
                return
            await c.execute(
                "UPDATE feed_posts SET state = $1, finished_at = $2, message_id = $3"
                " WHERE id = $4 AND guild_id = $5",
                "posted" if message_id is not None else "dropped",
                at,
                message_id,
                post_id,
                guild_id,
            )

    async def feed_posts(self, guild_id: int, *, feed_number: int | None = None) -> list[FeedPost]:
        check_id("guild_id", guild_id)
        rows = await self._read(
            lambda c: c.fetch(
                f"""
                SELECT {_POST_COLUMNS} FROM {_POSTS_FROM}
                WHERE p.guild_id = $1 AND ($2::bigint IS NULL OR f.number = $2)
                ORDER BY p.id
                """,
                guild_id,
                feed_number,
            )
        )
        return [_post(r) for r in rows]

    # -- copying (python -m storage copy) ------------------------------------------------

    async def export_feed_guilds(self) -> list[int]:
        """Every guild with a feed, a seen key or a post."""
        rows = await self._read(lambda c: c.fetch(FEED_GUILDS))
        return [int(r[0]) for r in rows]

    async def export_feeds(self, guild_id: int) -> list[Feed]:
        """The guild's feeds, every column (their ids too), by id."""
        rows = await self._read(
            lambda c: c.fetch(
                f"SELECT {_COLUMNS} FROM feeds WHERE guild_id = $1 ORDER BY id", guild_id
            )
        )
        return [_feed(r) for r in rows]

    async def export_seen(
        self, guild_id: int, after: tuple[int, bytes] | None, limit: int
    ) -> list[SeenRecord]:
        """The guild's seen keys after (channel, key) `after`, in that order, at most `limit`."""
        channel, key = after or (-1, b"")
        rows = await self._read(
            lambda c: c.fetch(
                """
                SELECT channel_id, key, seen_at FROM feed_seen
                WHERE guild_id = $1 AND (channel_id, key) > ($2, $3)
                ORDER BY channel_id, key LIMIT $4
                """,
                guild_id,
                channel,
                key,
                limit,
            )
        )
        return [SeenRecord(r[0], bytes(r[1]), r[2]) for r in rows]

    async def export_feed_posts(self, guild_id: int, after: int, limit: int) -> list[PostRecord]:
        """The guild's posts with ids above `after`, by id, at most `limit`."""
        rows = await self._read(
            lambda c: c.fetch(
                f"SELECT {POST_RECORD_COLUMNS} FROM feed_posts WHERE guild_id = $1 AND id > $2"
                " ORDER BY id LIMIT $3",
                guild_id,
                after,
                limit,
            )
        )
        return [post_record(r, lambda t: t, unescape) for r in rows]

    async def feed_counters(self) -> tuple[int, int]:
        """The highest feed id and post id handed out (0: none)."""
        row = await self._read(lambda c: c.fetchrow(_COUNTERS))
        return int(row[0]), int(row[1])

    async def feed_counts(self) -> dict[int, tuple[int, int, int, int]]:
        """Per guild: feeds, seen keys, posts, pending posts."""
        rows = await self._read(lambda c: c.fetch(FEED_COUNTS))
        return {int(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}

    async def import_feeds(self, guild_id: int, feeds: Sequence[Feed]) -> int:
        """Make the feeds (by id) what `feeds` says; returns how many changed."""
        if not feeds:
            return 0
        names = [n for n in FEED_COLUMNS.names if n != "id"]
        changed = 0
        async with self._connection() as c, c.transaction():
            for feed in feeds:
                current = await c.fetchrow(f"SELECT {_COLUMNS} FROM feeds WHERE id = $1", feed.id)
                if current is not None and _feed(current) == feed:
                    continue
                values = [
                    getattr(feed, "every" if n == "every_seconds" else n)
                    for n in FEED_COLUMNS.names
                ]
                values = [
                    maybe_escape(v) if n in TEXT_COLUMNS else v
                    for n, v in zip(FEED_COLUMNS.names, values, strict=True)
                ]
                await c.execute(
                    f"""
                    INSERT INTO feeds ({_COLUMNS})
                    VALUES ({", ".join(f"${i + 1}" for i in range(len(values)))})
                    ON CONFLICT (id) DO UPDATE SET
                    {", ".join(f"{n} = excluded.{n}" for n in names)}
                    """,
                    *values,
                )
                changed += 1
        return changed

    async def import_seen(self, guild_id: int, records: Sequence[SeenRecord]) -> int:
        """Add the keys the target lacks; returns how many were added."""
        if not records:
            return 0
        async with self._connection() as c:
            status = await c.execute(
                """
                INSERT INTO feed_seen (guild_id, channel_id, key, seen_at)
                SELECT $1, * FROM unnest($2::bigint[], $3::bytea[], $4::timestamptz[])
                ON CONFLICT DO NOTHING
                """,
                guild_id,
                [r.channel_id for r in records],
                [r.key for r in records],
                [r.seen_at for r in records],
            )
        return int(status.rsplit(" ", 1)[-1])

    async def import_feed_posts(self, guild_id: int, records: Sequence[PostRecord]) -> int:
        """Make the posts (by id) what `records` says; returns how many changed."""
        changed = 0
        names = POST_RECORD_COLUMNS.split(", ")
        async with self._connection() as c, c.transaction():
            for r in records:
                current = await c.fetchrow(
                    f"SELECT {POST_RECORD_COLUMNS} FROM feed_posts WHERE id = $1", r.id
                )
                if current is not None and post_record(current, lambda t: t, unescape) == r:
                    continue
                values = [escape(r.item) if n == "item" else getattr(r, n) for n in names]
                await c.execute(
                    f"""
                    INSERT INTO feed_posts ({POST_RECORD_COLUMNS})
                    VALUES ({", ".join(f"${i + 1}" for i in range(len(values)))})
                    ON CONFLICT (id) DO UPDATE SET
                    {", ".join(f"{n} = excluded.{n}" for n in names[1:])}
                    """,
                    *values,
                )
                changed += 1
        return changed

    async def import_feed_counters(self, feed_id: int, post_id: int) -> bool:
        """Move the id counters up to `feed_id` and `post_id`, and past every row's id (rows
        copied in with their ids leave a counter behind); False when they were there."""
        async with self._connection() as c, c.transaction():
            row = await c.fetchrow(_SEQUENCES)
            changed = False
            for table, have, highest, want in (
                ("feeds", row[0], row[1], feed_id),
                ("feed_posts", row[2], row[3], post_id),
            ):
                if max(want, highest) > have:
                    await c.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1)",
                        max(want, highest),
                    )
                    changed = True
        return changed


_SEQUENCES: Final = """
    SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('feeds', 'id')::regclass), 0),
        coalesce((SELECT max(id) FROM feeds), 0),
        coalesce(
            pg_sequence_last_value(pg_get_serial_sequence('feed_posts', 'id')::regclass), 0),
        coalesce((SELECT max(id) FROM feed_posts), 0)
"""
# The highest id each counter handed out, or a row holds.
_COUNTERS: Final = f"SELECT greatest(a, b), greatest(c, d) FROM ({_SEQUENCES}) AS t(a, b, c, d)"


async def _insert_keys(
    c: asyncpg.Connection, guild_id: int, channel_id: int, keys: list[bytes], at: datetime
) -> None:
    if keys:
        await c.execute(
            """
            INSERT INTO feed_seen (guild_id, channel_id, key, seen_at)
            SELECT $1, $2, k, $4 FROM unnest($3::bytea[]) AS k
            ON CONFLICT DO NOTHING
            """,
            guild_id,
            channel_id,
            keys,
            at,
        )
