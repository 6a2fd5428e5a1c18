"""The PostgreSQL backend of `Store`, on asyncpg: for several bot processes sharing one database.

It behaves as the SQLite store does in every method (tests/storage runs one suite against
both): per-guild numbers never reused, duplicates by whitespace-normalised text, settings,
message and thread links, every read filtered by guild, the same errors for the same bad
input, and search over the same terms (`storage.query`) with the same all-terms-then-any-term
rule, common-term bound and newest-matches window, ranked in the database and cut into the
same snippets.

Connections: an asyncpg pool (`pool_size` connections at most, one opened at start). A command
waits up to `acquire_timeout` seconds for a free connection, then fails with `TryAgainError`.
A connection the server closed (a restart, `pg_terminate_backend`, a network cut) is dropped
by the pool and a new one is opened for the next command. The command that was running on it
fails with `TryAgainError`; a read is first retried once on a fresh connection. A write is
never retried blindly: its transaction either committed before the answer was lost or was
rolled back by the server, and `add_article` of the same text again says which.

Durability: every write is one transaction, committed and flushed to the server's WAL before
the method returns (with PostgreSQL's default `synchronous_commit`). An add is one statement,
its own transaction, committed without waiting for the flush, so that it holds its guild's
row lock only while it runs; it then waits for the flush with a second, tiny transaction
(`SELECT txid_current()`, whose synchronous commit returns once the WAL is on disk past the
article): adds to one guild share the disk's
flushes instead of queueing for one each. Until that flush, other sessions may already see
the article; a server crash in that moment loses it, unacknowledged.

Concurrency: adds to one guild take its `guilds` row lock in turn (numbers are handed out
without gaps); adds to different guilds run in parallel. A guild's slot (the high bits of its
paragraph ids) is taken once, under a transaction-scoped advisory lock.

Text: PostgreSQL `text` cannot hold the NUL character, which SQLite stores and Discord users
can send. Text columns hold text with NUL written as U+FFFF U+FFFE and U+FFFF as U+FFFF U+FFFF
(two noncharacters that no real text contains), undone on every read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import astuple, fields
from datetime import UTC, datetime
from typing import Any, Final, TypeVar
from urllib.parse import unquote, urlsplit

import asyncpg

from .base import (
    AddResult,
    ArticleInfo,
    ArticlePage,
    ChangeWatcher,
    DatabaseUnreachableError,
    GuildSettings,
    NewArticle,
    SearchHit,
    StorageError,
    StoredArticle,
    StoredParagraph,
    TryAgainError,
    check_id,
    check_new_article,
    check_setting_changes,
)
from .common import (
    DF_CACHE_SECONDS,
    MAX_SEQUENCE,
    MAX_SLOT,
    ROW_COUNTS,
    SLOT_BITS,
    ArticleRecord,
    DocFrequencies,
    GuildRecord,
    LinkRecord,
    StoreBase,
    article_record,
    clamp_limit,
    guild_record,
    info_from_row,
    stored_article,
    text_hash,
    title_number,
    to_json,
)
from .migrate import Migration, check_not_too_new, latest_version, load_migrations
from .pg_changes import CHANNEL, ChangeListener, notify_parts, notify_payload, notify_sql
from .pg_feeds import PostgresFeeds
from .pgtext import escape, unescape
from .pgtext import maybe_escape as _maybe
from .pgtext import maybe_unescape as _unmaybe
from .query import SEARCH_VERSION, MatchQuery, build_match, index_terms
from .snippet import make_snippet

__all__ = ["PostgresStore", "open_postgres", "redact_url", "tsvector_literal"]

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATION_LOCK: Final = 0x6469676573740001  # pg_advisory_xact_lock key: migrations
GUILD_LOCK: Final = 0x6469676573740002  # pg_advisory_xact_lock key: new guild slots
MAX_POSITION: Final = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS: Final = 256  # positions kept per lexeme
REINDEX_BATCH: Final = 500
_POSITIONS: Final = [str(i) for i in range(MAX_POSITION + 1)]
COUNT_DOCUMENTS_BELOW: Final = 100_000  # paragraphs: above, term counts are estimated
# Search: `paragraphs_search` indexes each paragraph's bucket, `id >> BUCKET_BITS` (see
# pg_migrations/0003). A query expected to match at most FEW_MATCHES times the window (in all
# guilds) reads every match; more, and it asks the guild's newest buckets first, as many as
# should hold the window's matches, then more and more of the older ones until the window is
# full, at most MAX_BUCKETS at once (beyond: the rest of the guild, in one read).
BUCKET_BITS: Final = 14  # the migration's `id >> 14`
FEW_MATCHES: Final = 1
MAX_BUCKETS: Final = 256
_WINDOW: Final = """
    SELECT id, {rank} AS score FROM paragraphs
    WHERE terms @@ $1::tsquery AND id BETWEEN $2 AND $3 {buckets}
    ORDER BY id + 0 DESC LIMIT $4
"""
_BUCKETS: Final = "AND ARRAY[id >> " + str(BUCKET_BITS) + "] && $5::bigint[]"
_HITS: Final = """
    SELECT p.id, a.number, a.title, p.number, p.text
    FROM paragraphs AS p JOIN articles AS a ON a.id = p.article_id
    WHERE p.id = ANY($1::bigint[]) AND a.guild_id = $2
"""
_SETTINGS: Final = tuple(f.name for f in fields(GuildSettings))
_SETTING_COLUMNS: Final = ", ".join(_SETTINGS)
_INFO_COLUMNS: Final = """
    number, title, created_at, author_id, channel_id, source_kind, source_ref, paragraph_count
"""
_LOAD: Final = """
    SELECT a.number, a.channel_id, a.author_id, a.created_at, a.source_kind, a.title,
        a.source_ref, b.engine_version, b.meta, b.analysis, b.text, a.language,
        p.numbers, p.headings, p.texts
    FROM articles AS a
    JOIN article_bodies AS b ON b.article_id = a.id
    CROSS JOIN LATERAL (
        SELECT array_agg(number ORDER BY number) AS numbers,
            array_agg(heading ORDER BY number) AS headings,
            array_agg(text ORDER BY number) AS texts
        FROM paragraphs WHERE article_id = a.id
    ) AS p
    WHERE a.guild_id = $1 AND a.number = {number}
"""
_ADD_ARTICLE: Final = """
    WITH a AS (
        INSERT INTO articles (guild_id, number, channel_id, author_id, created_at,
            source_kind, paragraph_count, title, title_fold, source_ref, text_hash, language)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        RETURNING id
    ),
    b AS (
        INSERT INTO article_bodies (article_id, engine_version, meta, analysis, text)
        SELECT a.id, $13, $14, $15, $16 FROM a
    )
    INSERT INTO paragraphs (id, article_id, number, heading, text, terms)
"""
# A new article, in one statement run as its own transaction: the guild's next number and
# paragraph ids (its row locked), unless the text is already there ($10: its hash) or the ids
# ran out, then the rows; the number, first paragraph id and slot are returned (no row: a
# duplicate, or no ids left). The statement's transaction commits without waiting for the
# disk (`set_config(..., true)`: for this transaction only), and tells the other processes
# of the article once it commits ($20: the notification's text up to its number, $21 after).
_ADD: Final = f"""
    WITH g AS (
        UPDATE guilds SET next_number = next_number + 1,
            next_paragraph = next_paragraph + $6,
            article_count = article_count + 1
        WHERE guild_id = $1 AND slot <= {MAX_SLOT} AND next_paragraph + $6 - 1 <= {MAX_SEQUENCE}
        AND NOT EXISTS (SELECT 1 FROM articles WHERE guild_id = $1 AND text_hash = $10)
        RETURNING slot, next_number - 1 AS number, next_paragraph - $6 AS first
    ),
    a AS (
        INSERT INTO articles (guild_id, number, channel_id, author_id, created_at,
            source_kind, paragraph_count, title, title_fold, source_ref, text_hash, language)
        SELECT $1, g.number, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM g
        RETURNING id
    ),
    b AS (
        INSERT INTO article_bodies (article_id, engine_version, meta, analysis, text)
        SELECT a.id, $12, $13, $14, $15 FROM a
    ),
    p AS (
        INSERT INTO paragraphs (id, article_id, number, heading, text, terms)
        SELECT (g.slot::bigint << {SLOT_BITS}) + g.first + u.i - 1, a.id, u.number,
            u.heading, u.text, u.terms::tsvector
        FROM g, a, unnest($16::bigint[], $17::text[], $18::text[], $19::text[])
            WITH ORDINALITY AS u (number, heading, text, terms, i)
    )
    SELECT g.number, g.first, g.slot,
        set_config('synchronous_commit', 'off', true),
        pg_notify('{CHANNEL}', $20 || g.number || $21)
    FROM g
"""
# A copied article: its paragraph ids as they were ($17).
_IMPORT: Final = (
    _ADD_ARTICLE
    + """
    SELECT u.id, a.id, u.number, u.heading, u.text, u.terms::tsvector
    FROM a, unnest($17::bigint[], $18::bigint[], $19::text[], $20::text[], $21::text[])
        AS u (id, number, heading, text, terms)
"""
)
# Errors after which the same command may work a moment later: the connection or the server
# went away (class 08, 57P01-57P03; asyncpg's own errors for a connection lost in the middle
# of an exchange), every connection slot is taken (53300), the command ran out of time
# (57014, asyncio's timeout), or PostgreSQL chose this transaction to roll back (40001,
# 40P01).
_TRANSIENT: Final = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.TransactionRollbackError,
)


def _quote_lexeme(term: str) -> str:
    if "'" in term or "\\" in term:
        term = term.replace("\\", "\\\\").replace("'", "''")
    return "'" + term + "'"


def tsvector_literal(terms: Sequence[str]) -> str:
    """A `tsvector` in PostgreSQL's input syntax holding exactly `terms` (no parsing, no
    stemming by PostgreSQL), each with the positions it has in the list (its frequency)."""
    last = _POSITIONS[MAX_POSITION]  # positions beyond PostgreSQL's largest all become it
    positions: dict[str, list[str]] = {}
    for i, term in enumerate(terms, 1):
        position = _POSITIONS[i] if i < MAX_POSITION else last
        found = positions.get(term)
        if found is None:
            positions[term] = [position]
        elif len(found) < MAX_POSITIONS and found[-1] != last:
            found.append(position)
    return " ".join(f"{_quote_lexeme(t)}:{','.join(p)}" for t, p in positions.items())


def _tsquery(terms: Sequence[str], operator: str) -> str:
    return f" {operator} ".join(_quote_lexeme(t) for t in terms)


def redact_url(url: str) -> str:
    """`url` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return parts._replace(netloc=f"{user}:***@{netloc[2]}").geturl()


def _describe(url: str) -> tuple[str, str, str]:
    """(host:port, user, database) of a PostgreSQL URL, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    where = f"{host}:{parts.port or 5432}" if not host.startswith("/") else host
    return where, unquote(parts.username or ""), unquote(parts.path.lstrip("/"))


def _unreachable(url: str, exc: BaseException) -> DatabaseUnreachableError:
    """One line saying why the server could not be used, without the password."""
    server, user, database = _describe(url)
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, asyncpg.InvalidPasswordError):
        message = f"PostgreSQL at {server} refused the password of user {user!r}"
    elif isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        message = f"PostgreSQL at {server} refused user {user!r}: {detail}"
    elif isinstance(exc, asyncpg.InvalidCatalogNameError):
        message = f"PostgreSQL at {server} has no database {database!r}: create it first"
    elif isinstance(exc, asyncio.TimeoutError):
        message = f"cannot reach PostgreSQL at {server}: no answer in time"
    elif isinstance(exc, OSError):
        reason = exc.strerror or detail
        message = f"cannot reach PostgreSQL at {server}: {reason}"
    else:
        message = f"cannot use PostgreSQL at {server}: {detail}"
    return DatabaseUnreachableError(message)


async def _keep_session(connection: asyncpg.Connection) -> None:
    """The pool's reset: nothing. The store sets no session state (asyncpg still rolls back a
    transaction left open), and asyncpg's default reset costs a round trip per command."""


class PostgresStore(StoreBase, PostgresFeeds):
    """A `Store` on a PostgreSQL database. Create it with `open_postgres` (or
    `storage.open_store`)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        url: str,
        *,
        acquire_timeout: float,
    ) -> None:
        self.url = redact_url(url)
        self._pool = pool
        self.acquire_timeout = acquire_timeout
        super().__init__()
        # Changes other processes make (`watch_changes`): this store's writes carry `origin`.
        self.origin = secrets.token_hex(8)
        self._listen_url = url  # with its password: never logged
        self.changes: ChangeListener | None = None
        self._total: tuple[float, int] | None = None  # (when counted, paragraphs)

    # -- connection plumbing -------------------------------------------------------------

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; transient failures become `TryAgainError`."""
        self._check_open()
        try:
            async with self._pool.acquire(timeout=self.acquire_timeout) as connection:
                yield connection
        except (StorageError, ValueError, TypeError):
            raise
        except TimeoutError as exc:
            log.warning("database: no connection or answer in time (%s)", type(exc).__name__)
            raise TryAgainError("The database is busy; try again in a moment.") from exc
        except _TRANSIENT as exc:
            if self._closed:
                raise StorageError("the store is closed") from exc
            log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
            raise TryAgainError() from exc

    async def _read(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Run a read; once more on a fresh connection if the first one had been lost."""
        try:
            async with self._connection() as connection:
                return await work(connection)
        except TryAgainError as exc:
            if isinstance(exc.__cause__, asyncio.TimeoutError):
                raise
        async with self._connection() as connection:
            return await work(connection)

    async def watch_changes(self, watcher: ChangeWatcher) -> None:
        """LISTEN for the other processes' changes (`storage.pg_changes`)."""
        self._check_open()
        if self.changes is not None:
            raise StorageError("this store already tells its changes to a watcher")
        self.changes = ChangeListener(self._listen_url, self.origin, watcher, where=self.url)
        await self.changes.start()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.changes is not None:
            await self.changes.close()
        try:
            await asyncio.wait_for(self._pool.close(), timeout=10)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            self._pool.terminate()

    # -- articles ------------------------------------------------------------------------

    async def _guild_slot(self, connection: asyncpg.Connection, guild_id: int) -> int:
        """The guild's slot, its row made on first use. A slot is taken once per guild, ever:
        the row is only inserted when missing, under an advisory lock, so two processes
        adding a guild's first article at once do not both take one."""
        slot = self._slots.get(guild_id)
        if slot is not None:
            return slot
        found = await connection.fetchval("SELECT slot FROM guilds WHERE guild_id = $1", guild_id)
        if found is None:
            async with connection.transaction():
                await connection.execute("SELECT pg_advisory_xact_lock($1)", GUILD_LOCK)
                found = await connection.fetchval(
                    "SELECT slot FROM guilds WHERE guild_id = $1", guild_id
                )
                if found is None:
                    found = await connection.fetchval(
                        "INSERT INTO guilds (guild_id) VALUES ($1) RETURNING slot", guild_id
                    )
        self._slots[guild_id] = int(found)
        return int(found)

    async def add_article(self, new: NewArticle) -> AddResult:
        check_new_article(new)
        digest = text_hash(new.text)
        analysis = to_json(new.analysis)
        meta = to_json(new.meta)
        created = datetime.now(UTC)
        count = len(new.paragraphs)
        texts = [text for _, _, text in new.paragraphs]
        if sum(map(len, texts)) > 20_000:
            vectors = await asyncio.to_thread(_vectors, texts)
        else:
            vectors = _vectors(texts)

        before, after = notify_parts(self.origin, "added", new.guild_id, new.channel_id)
        async with self._connection() as connection:
            await self._guild_slot(connection, new.guild_id)
            # One statement, its own transaction, committed without waiting for the disk: it
            # holds the guild's row lock (numbers are handed out in turn) only while it runs,
            # not while the disk flushes, so adds to one guild run side by side ...
            try:
                row = await connection.fetchrow(
                    _ADD,
                    new.guild_id,
                    new.channel_id,
                    new.author_id,
                    created,
                    new.source_kind,
                    count,
                    _maybe(new.title),
                    escape((new.title or "").lower()),
                    _maybe(new.source_ref),
                    digest,
                    new.language,
                    escape(new.engine_version),
                    escape(meta),
                    escape(analysis),
                    escape(new.text),
                    [n for n, _, _ in new.paragraphs],
                    [_maybe(h) for _, h, _ in new.paragraphs],
                    [escape(t) for t in texts],
                    vectors,
                    before,
                    after,
                )
            except asyncpg.UniqueViolationError:
                # The same text, added by another task or process while this one waited.
                row = None
            if row is not None:
                # ... and share the disk's flushes: a transaction with an id, committed
                # synchronously, returns once the WAL is on disk up to its commit record,
                # after the article's. Only then is the add acknowledged.
                await connection.execute("SELECT txid_current()")
            else:
                existing = await self._duplicate(connection, new.guild_id, digest)
                if existing is None:
                    if await connection.fetchval(
                        f"SELECT slot > {MAX_SLOT} OR next_paragraph + $2 - 1 > {MAX_SEQUENCE}"
                        " FROM guilds WHERE guild_id = $1",
                        new.guild_id,
                        count,
                    ):
                        raise StorageError("this database has run out of paragraph ids")
                    raise StorageError("an article vanished while it was being added again")
                return AddResult(article=existing, created=False)
            number = row[0]

        article = stored_article(new, number, created, analysis, meta)
        return AddResult(article=article, created=True)

    async def _duplicate(
        self, connection: asyncpg.Connection, guild_id: int, digest: bytes
    ) -> StoredArticle | None:
        number = await connection.fetchval(
            "SELECT number FROM articles WHERE guild_id = $1 AND text_hash = $2", guild_id, digest
        )
        if number is None:
            return None
        return await self._load(connection, guild_id, "$2", (number,))

    async def _load(
        self,
        connection: asyncpg.Connection,
        guild_id: int,
        number_sql: str,
        params: Sequence[Any],
    ) -> StoredArticle | None:
        """One article and its paragraphs, read by one statement (so one snapshot)."""
        row = await connection.fetchrow(_LOAD.format(number=number_sql), guild_id, *params)
        if row is None:
            return None
        numbers, headings, texts = row[12] or [], row[13] or [], row[14] or []
        return StoredArticle(
            guild_id=guild_id,
            number=row[0],
            channel_id=row[1],
            author_id=row[2],
            created_at=row[3],
            source_kind=row[4],
            title=_unmaybe(row[5]),
            source_ref=_unmaybe(row[6]),
            engine_version=unescape(row[7]),
            meta=json.loads(unescape(row[8])),
            analysis=json.loads(unescape(row[9])),
            text=unescape(row[10]),
            language=row[11],
            paragraphs=[
                StoredParagraph(n, _unmaybe(h), unescape(t))
                for n, h, t in zip(numbers, headings, texts, strict=True)
            ],
        )

    async def get_article(self, guild_id: int, number: int) -> StoredArticle | None:
        check_id("guild_id", guild_id)
        check_id("number", number)
        return await self._read(lambda c: self._load(c, guild_id, "$2", (number,)))

    async def latest_article(
        self, guild_id: int, *, channel_id: int | None = None
    ) -> StoredArticle | None:
        check_id("guild_id", guild_id)
        if channel_id is None:
            return await self._read(
                lambda c: self._load(
                    c, guild_id, "(SELECT max(number) FROM articles WHERE guild_id = $1)", ()
                )
            )
        check_id("channel_id", channel_id)
        return await self._read(
            lambda c: self._load(
                c,
                guild_id,
                "(SELECT max(number) FROM articles WHERE guild_id = $1 AND channel_id = $2)",
                (channel_id,),
            )
        )

    async def list_articles(
        self, guild_id: int, *, offset: int = 0, limit: int = 10
    ) -> ArticlePage:
        check_id("guild_id", guild_id)
        offset = min(max(0, offset), 2**62)
        limit = clamp_limit(limit)
        rows = await self._read(
            lambda c: c.fetch(
                f"""
                SELECT g.article_count, page.*
                FROM guilds AS g LEFT JOIN LATERAL (
                    SELECT {_INFO_COLUMNS} FROM articles WHERE guild_id = $1
                    ORDER BY number DESC LIMIT $2 OFFSET $3
                ) AS page ON true
                WHERE g.guild_id = $1
                ORDER BY page.number DESC
                """,
                guild_id,
                limit,
                offset,
            )
        )
        return ArticlePage(
            items=[_info(r[1:]) for r in rows if r[1] is not None],
            total=rows[0][0] if rows else 0,
        )

    async def find_titles(self, guild_id: int, text: str, *, limit: int = 25) -> list[ArticleInfo]:
        check_id("guild_id", guild_id)
        limit = clamp_limit(limit)
        if limit == 0:
            return []
        number = title_number(text)
        rows = await self._read(
            lambda c: c.fetch(
                f"""
                (SELECT 0, {_INFO_COLUMNS} FROM articles WHERE guild_id = $1 AND number = $2)
                UNION ALL
                (SELECT 1, {_INFO_COLUMNS} FROM articles
                 WHERE guild_id = $1 AND strpos(title_fold, $3) > 0
                 ORDER BY number DESC LIMIT $4)
                """,
                guild_id,
                number,
                escape(text.strip().lower()),
                limit,
            )
        )
        items: dict[int, ArticleInfo] = {}
        for row in sorted(rows, key=lambda r: (r[0], -r[1])):
            items.setdefault(row[1], _info(row[1:]))
        return list(items.values())[:limit]

    async def delete_article(self, guild_id: int, number: int) -> bool:
        check_id("guild_id", guild_id)
        check_id("number", number)
        async with self._connection() as connection, connection.transaction():
            # Paragraphs, the body and the message and thread links go with the article:
            # ON DELETE CASCADE.
            deleted = await connection.fetchval(
                "DELETE FROM articles WHERE guild_id = $1 AND number = $2 RETURNING id",
                guild_id,
                number,
            )
            if deleted is not None:
                await connection.execute(
                    "UPDATE guilds SET article_count = article_count - 1 WHERE guild_id = $1",
                    guild_id,
                )
                await connection.execute(notify_sql(self.origin, "deleted", guild_id, number))
        return deleted is not None

    async def update_analysis(
        self, guild_id: int, number: int, analysis: Mapping[str, Any], engine_version: str
    ) -> bool:
        check_id("guild_id", guild_id)
        check_id("number", number)
        payload = escape(to_json(analysis))
        async with self._connection() as connection:
            updated = await connection.fetchval(
                """
                WITH u AS (
                    UPDATE article_bodies SET analysis = $1, engine_version = $2
                    WHERE article_id = (
                        SELECT id FROM articles WHERE guild_id = $3 AND number = $4
                    )
                    RETURNING article_id
                )
                SELECT u.article_id, pg_notify($5, $6) FROM u
                """,
                payload,
                escape(engine_version),
                guild_id,
                number,
                CHANNEL,
                notify_payload(self.origin, "changed", guild_id, number),
            )
        return updated is not None

    # -- search --------------------------------------------------------------------------

    async def search(self, guild_id: int, query: str, *, limit: int = 25) -> list[SearchHit]:
        """Paragraphs of the guild, best first: all the query's terms, or when no paragraph
        has them all, any of them; terms in more than `common_term_docs` paragraphs left out
        while rarer ones remain; the guild's newest `search_window` matches ranked.

        The rank is BM25's shape in PostgreSQL's terms: each matched term's `ts_rank`
        (which grows with the term's count, less and less, over the paragraph's length)
        weighted by the term's inverse document frequency.
        """
        check_id("guild_id", guild_id)
        limit = clamp_limit(limit)
        match = build_match(query)
        if match is None or limit == 0:
            return []
        rows = await self._read(lambda c: self._search(c, guild_id, match, limit))
        return [
            SearchHit(
                number=number,
                title=_unmaybe(title),
                paragraph=paragraph,
                snippet=make_snippet(unescape(text), match.terms),
                score=float(score),
            )
            for number, title, paragraph, text, score in rows
        ]

    async def _search(
        self, connection: asyncpg.Connection, guild_id: int, match: MatchQuery, limit: int
    ) -> list[tuple[Any, ...]]:
        found = await connection.fetchrow(
            "SELECT slot, next_paragraph FROM guilds WHERE guild_id = $1", guild_id
        )
        if found is None:
            return []
        slot, next_paragraph = found
        low, high = slot << SLOT_BITS, (slot << SLOT_BITS) | MAX_SEQUENCE
        top = low + max(1, next_paragraph) - 1  # the guild's newest paragraph id, at most
        focused = await self._without_common_terms(connection, match)
        total = await self._paragraph_count(connection)
        weights = [
            math.log(1 + (total - self._df.counts[t] + 0.5) / (self._df.counts[t] + 0.5))
            for t in focused.terms
        ]
        counts = [self._df.counts[t] for t in focused.terms]
        window: list[asyncpg.Record] = []
        for operator in ("&", "|"):
            expected = min(counts) if operator == "&" else sum(counts)
            window = await self._newest_matches(
                connection,
                _tsquery(focused.terms, operator),
                focused.terms,
                weights,
                (low, min(high, top)),
                (expected, total),
            )
            if window or len(focused.terms) == 1:
                break
        best = sorted(window, key=lambda r: (-r[1], -r[0]))[:limit]
        if not best:
            return []
        rows = {r[0]: r[1:] for r in await connection.fetch(_HITS, [r[0] for r in best], guild_id)}
        return [(*rows[r[0]], r[1]) for r in best if r[0] in rows]

    async def _newest_matches(
        self,
        connection: asyncpg.Connection,
        query: str,
        terms: Sequence[str],
        weights: Sequence[float],
        span: tuple[int, int],
        expected: tuple[int, int],
    ) -> list[asyncpg.Record]:
        """(id, score) of the guild's newest `search_window` paragraphs matching `query`,
        newest first. `span`: the guild's ids; `expected`: (paragraphs expected to match,
        paragraphs), of all guilds. The rank is BM25's shape: each term's `ts_rank` by its
        weight."""
        size = self.search_window
        per_term: list[Any] = []
        for term, weight in zip(terms, weights, strict=True):
            per_term += [_tsquery([term], "&"), weight]

        def sql(first: int, buckets: bool) -> str:
            rank = " + ".join(
                f"ts_rank(terms, ${first + 2 * i}::tsquery, 1) * ${first + 1 + 2 * i}::float8"
                for i in range(len(terms))
            )
            return _WINDOW.format(rank=rank, buckets=_BUCKETS if buckets else "")

        low, high = span
        matches, total = expected
        if matches <= FEW_MATCHES * size:
            rows: list[asyncpg.Record] = await connection.fetch(
                sql(5, False), query, low, high, size, *per_term
            )
            return rows
        first, bucket = low >> BUCKET_BITS, high >> BUCKET_BITS
        per_bucket = matches / max(1, total) * (1 << BUCKET_BITS)
        count = max(1, math.ceil(1.5 * size / per_bucket))
        found: list[asyncpg.Record] = []
        while bucket >= first and len(found) < size:
            if count > MAX_BUCKETS:  # the rest of the guild, in one read
                end = min(high, ((bucket + 1) << BUCKET_BITS) - 1)
                found += await connection.fetch(
                    sql(5, False), query, low, end, size - len(found), *per_term
                )
                break
            buckets = list(range(bucket, max(first, bucket - count + 1) - 1, -1))
            found += await connection.fetch(
                sql(6, True), query, low, high, size - len(found), buckets, *per_term
            )
            bucket -= len(buckets)
            count *= 4
        return found

    async def _document_frequency(self, connection: asyncpg.Connection, term: str) -> int:
        """Paragraphs holding `term`, up to the cap: counted while the table is small;
        the planner's estimate (from ANALYZE's statistics of common terms) once it is large,
        as counting means visiting every matching row."""
        query = _tsquery([term], "&")
        if await self._paragraph_count(connection) > COUNT_DOCUMENTS_BELOW:
            plan = await connection.fetchval(
                "EXPLAIN (FORMAT JSON) SELECT 1 FROM paragraphs WHERE terms @@ $1::tsquery",
                query,
            )
            return int(json.loads(plan)[0]["Plan"]["Plan Rows"])
        # One statement per term, so the planner sees the term and its statistics.
        count = await connection.fetchval(
            "SELECT count(*) FROM"
            " (SELECT 1 FROM paragraphs WHERE terms @@ $1::tsquery LIMIT $2) AS found",
            query,
            DocFrequencies.cap(self.common_term_docs),
        )
        return int(count)

    async def _without_common_terms(
        self, connection: asyncpg.Connection, match: MatchQuery
    ) -> MatchQuery:
        """`match` without the terms found in more than `common_term_docs` paragraphs when
        rarer ones remain (see `DocFrequencies`)."""
        for term in self._df.missing(match.terms):
            self._df.counts[term] = await self._document_frequency(connection, term)
        kept = self._df.keep(match.terms, self.common_term_docs)
        return match if kept == match.terms else MatchQuery(kept)

    async def _paragraph_count(self, connection: asyncpg.Connection) -> int:
        """Paragraphs in the database, for term weights: the planner's estimate once the
        table is large, else counted; cached as document frequencies are."""
        now = time.monotonic()
        if self._total is None or now - self._total[0] > DF_CACHE_SECONDS:
            estimate = await connection.fetchval(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = 'paragraphs'::regclass"
            )
            if estimate is None or estimate < 100_000:
                estimate = await connection.fetchval("SELECT count(*) FROM paragraphs")
            self._total = (now, max(1, int(estimate)))
        return self._total[1]

    # -- links ---------------------------------------------------------------------------

    async def _link(self, table: str, column: str, guild_id: int, key: int, number: int) -> None:
        check_id("guild_id", guild_id)
        check_id(column, key)
        check_id("number", number)
        async with self._connection() as connection:
            try:
                await connection.execute(
                    f"""
                    INSERT INTO {table} (guild_id, {column}, article_id)
                    SELECT $1, $2, id FROM articles WHERE guild_id = $1 AND number = $3
                    ON CONFLICT (guild_id, {column}) DO UPDATE SET article_id = excluded.article_id
                    """,
                    guild_id,
                    key,
                    number,
                )
            except asyncpg.ForeignKeyViolationError:
                # The article was deleted (by another process) as this ran: nothing to link,
                # as when it was gone before.
                log.debug("guild %s: article #%d was deleted while being linked", guild_id, number)

    async def _linked(self, table: str, column: str, guild_id: int, key: int) -> int | None:
        check_id("guild_id", guild_id)
        check_id(column, key)
        found = await self._read(
            lambda c: c.fetchval(
                f"""
                SELECT a.number FROM {table} AS l JOIN articles AS a ON a.id = l.article_id
                WHERE l.guild_id = $1 AND l.{column} = $2 AND a.guild_id = $1
                """,
                guild_id,
                key,
            )
        )
        return None if found is None else int(found)

    # -- settings ------------------------------------------------------------------------

    async def get_settings(self, guild_id: int) -> GuildSettings:
        check_id("guild_id", guild_id)
        row = await self._read(
            lambda c: c.fetchrow(
                f"SELECT {_SETTING_COLUMNS} FROM guilds WHERE guild_id = $1", guild_id
            )
        )
        return GuildSettings() if row is None else GuildSettings(*row)

    async def update_settings(self, guild_id: int, /, **changes: object) -> GuildSettings:
        check_id("guild_id", guild_id)
        checked = check_setting_changes(changes)
        async with self._connection() as connection:
            await self._guild_slot(connection, guild_id)
            if checked:
                assignments = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(checked))
                row = await connection.fetchrow(
                    f"UPDATE guilds SET {assignments} WHERE guild_id = $1"
                    f" RETURNING {_SETTING_COLUMNS}",
                    guild_id,
                    *checked.values(),
                )
            else:
                row = await connection.fetchrow(
                    f"SELECT {_SETTING_COLUMNS} FROM guilds WHERE guild_id = $1", guild_id
                )
        return GuildSettings(*row)

    # -- copying (python -m storage copy) ------------------------------------------------

    async def export_guilds(self) -> list[GuildRecord]:
        rows = await self._read(
            lambda c: c.fetch(
                "SELECT guild_id, slot, next_number, next_paragraph, article_count,"
                f" {_SETTING_COLUMNS} FROM guilds ORDER BY slot"
            )
        )
        return [guild_record(r, GuildSettings(*r[5:])) for r in rows]

    async def export_articles(self, guild_id: int, after: int, limit: int) -> list[ArticleRecord]:
        """The guild's articles numbered above `after`, in number order, at most `limit`."""
        rows = await self._read(
            lambda c: c.fetch(
                """
                SELECT a.number, a.channel_id, a.author_id, a.created_at, a.source_kind,
                    a.title, a.source_ref, a.text_hash, a.language, b.engine_version, b.meta,
                    b.analysis, b.text, p.ids, p.numbers, p.headings, p.texts
                FROM articles AS a
                JOIN article_bodies AS b ON b.article_id = a.id
                CROSS JOIN LATERAL (
                    SELECT array_agg(id ORDER BY id) AS ids,
                        array_agg(number ORDER BY id) AS numbers,
                        array_agg(heading ORDER BY id) AS headings,
                        array_agg(text ORDER BY id) AS texts
                    FROM paragraphs WHERE article_id = a.id
                ) AS p
                WHERE a.guild_id = $1 AND a.number > $2 ORDER BY a.number LIMIT $3
                """,
                guild_id,
                after,
                limit,
            )
        )
        records = []
        for r in rows:
            text = [_unmaybe(v) if isinstance(v, str) else v for v in r[:13]]
            paragraphs = zip(r[13] or [], r[14] or [], r[15] or [], r[16] or [], strict=True)
            records.append(
                article_record(
                    text,
                    r[3],
                    [(i, n, _unmaybe(h), unescape(t)) for i, n, h, t in paragraphs],
                )
            )
        return records

    async def export_links(self, guild_id: int) -> list[LinkRecord]:
        rows = await self._read(
            lambda c: c.fetch(
                """
                SELECT 'message_links', l.message_id, a.number FROM message_links AS l
                JOIN articles AS a ON a.id = l.article_id WHERE l.guild_id = $1
                UNION ALL
                SELECT 'thread_links', l.thread_id, a.number FROM thread_links AS l
                JOIN articles AS a ON a.id = l.article_id WHERE l.guild_id = $1
                ORDER BY 1, 2
                """,
                guild_id,
            )
        )
        return [LinkRecord(*r) for r in rows]

    async def article_hashes(self, guild_id: int) -> dict[int, bytes]:
        rows = await self._read(
            lambda c: c.fetch(
                "SELECT number, text_hash FROM articles WHERE guild_id = $1", guild_id
            )
        )
        return {int(r[0]): bytes(r[1]) for r in rows}

    async def import_guild(self, record: GuildRecord) -> bool:
        """Make the guild's row what `record` says (its slot included); False when it
        already was. The slot counter is moved past the slot."""
        values = (
            record.guild_id,
            record.slot,
            record.next_number,
            record.next_paragraph,
            record.article_count,
            *astuple(record.settings),
        )
        names = f"guild_id, slot, next_number, next_paragraph, article_count, {_SETTING_COLUMNS}"
        async with self._connection() as connection, connection.transaction():
            current = await connection.fetchrow(
                f"SELECT {names} FROM guilds WHERE guild_id = $1", record.guild_id
            )
            if current is not None and tuple(current) == values:
                return False
            await connection.execute(
                f"""
                INSERT INTO guilds ({names})
                VALUES ({", ".join(f"${i + 1}" for i in range(len(values)))})
                ON CONFLICT (guild_id) DO UPDATE SET
                {", ".join(f"{n} = excluded.{n}" for n in names.split(", ")[1:])}
                """,
                *values,
            )
            await connection.execute(
                "SELECT setval(pg_get_serial_sequence('guilds', 'slot'),"
                " (SELECT max(slot) FROM guilds))"
            )
        self._slots.pop(record.guild_id, None)
        return True

    async def import_articles(self, guild_id: int, records: Sequence[ArticleRecord]) -> None:
        """Add the articles as they are (numbers, paragraph ids, times, JSON), in one
        transaction, with their search terms."""
        texts = [[t for _, _, _, t in r.paragraphs] for r in records]
        vectors = await asyncio.to_thread(lambda: [_vectors(t) for t in texts])
        async with self._connection() as connection, connection.transaction():
            for r, paragraph_vectors in zip(records, vectors, strict=True):
                await connection.execute(
                    _IMPORT,
                    guild_id,
                    r.number,
                    r.channel_id,
                    r.author_id,
                    r.created_at,
                    r.source_kind,
                    len(r.paragraphs),
                    _maybe(r.title),
                    escape((r.title or "").lower()),
                    _maybe(r.source_ref),
                    r.text_hash,
                    r.language,
                    escape(r.engine_version),
                    escape(r.meta),
                    escape(r.analysis),
                    escape(r.text),
                    [i for i, _, _, _ in r.paragraphs],
                    [n for _, n, _, _ in r.paragraphs],
                    [_maybe(h) for _, _, h, _ in r.paragraphs],
                    [escape(t) for _, _, _, t in r.paragraphs],
                    paragraph_vectors,
                )

    async def import_links(self, guild_id: int, records: Sequence[LinkRecord]) -> int:
        """Add or correct the links; returns how many changed."""
        changed = 0
        async with self._connection() as connection, connection.transaction():
            for r in records:
                column = "message_id" if r.table == "message_links" else "thread_id"
                status = await connection.execute(
                    f"""
                    INSERT INTO {r.table} (guild_id, {column}, article_id)
                    SELECT $1, $2, id FROM articles WHERE guild_id = $1 AND number = $3
                    ON CONFLICT (guild_id, {column}) DO UPDATE SET article_id = excluded.article_id
                    WHERE {r.table}.article_id <> excluded.article_id
                    """,
                    guild_id,
                    r.key,
                    r.number,
                )
                changed += int(status.rsplit(" ", 1)[-1])
        return changed

    async def row_counts(self) -> dict[int, tuple[int, int, int, int]]:
        """Per guild: articles, paragraphs, message links, thread links."""
        rows = await self._read(lambda c: c.fetch(ROW_COUNTS))
        return {int(r[0]): (r[1], r[2], r[3], r[4]) for r in rows}


def _info(row: Sequence[Any]) -> ArticleInfo:
    return info_from_row(row, _unmaybe)


def _vectors(texts: Sequence[str]) -> list[str]:
    return [tsvector_literal(index_terms(text)) for text in texts]


# -- opening: migrations and the search index ---------------------------------------------


async def _read_version(connection: asyncpg.Connection, where: str) -> int | None:
    """The schema version: None for an empty schema, 0 for a version table without rows."""
    tables = {
        row[0]
        for row in await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
    }
    if "schema_migrations" not in tables:
        if tables:
            raise StorageError(
                f"{where}: the database holds tables but no schema_migrations table: it is "
                f"not a digestbot database, so it was left untouched"
            )
        return None
    return int(await connection.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))


async def apply_pg_migrations(
    connection: asyncpg.Connection, migrations: list[Migration], *, where: str
) -> list[int]:
    """Apply the pending migrations in one transaction (PostgreSQL's DDL is transactional);
    returns the versions applied. A newer database is refused before anything is written; a
    migration that fails rolls every pending one back and raises `StorageError` naming it."""
    known = latest_version(migrations)
    check_not_too_new(await _read_version(connection, where), known, where)
    pending: list[Migration] = []
    async with connection.transaction():
        # Another process may be migrating the same database: one at a time.
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        current = await _read_version(connection, where)
        check_not_too_new(current, known, where)
        pending = [m for m in migrations if m.version > (current or 0)]
        if pending:
            await connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at bigint NOT NULL  -- seconds since 1970-01-01 UTC
                )
                """
            )
        for migration in pending:
            try:
                await connection.execute(migration.sql)
            except asyncpg.PostgresError as exc:
                raise StorageError(
                    f"{where}: migration {migration.version:04d}_{migration.name} failed, so "
                    f"no migration was applied (the database is as it was): {exc}"
                ) from exc
            await connection.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                migration.version,
                migration.name,
                int(time.time()),
            )
    return [m.version for m in pending]


async def _build_search_index(connection: asyncpg.Connection, where: str) -> None:
    """Compute every paragraph's terms again when they were computed by another
    `storage.query` SEARCH_VERSION (or never), in one transaction."""
    if await connection.fetchval("SELECT version FROM search_index") == SEARCH_VERSION:
        return
    log.info("%s: building the search index (search version %d)", where, SEARCH_VERSION)
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        if await connection.fetchval("SELECT version FROM search_index") == SEARCH_VERSION:
            return
        after = -1
        while True:
            rows = await connection.fetch(
                "SELECT id, text FROM paragraphs WHERE id > $1 ORDER BY id LIMIT $2",
                after,
                REINDEX_BATCH,
            )
            if not rows:
                break
            vectors = await asyncio.to_thread(_vectors, [unescape(r[1]) for r in rows])
            await connection.execute(
                """
                UPDATE paragraphs SET terms = u.terms::tsvector
                FROM unnest($1::bigint[], $2::text[]) AS u (id, terms)
                WHERE paragraphs.id = u.id
                """,
                [r[0] for r in rows],
                vectors,
            )
            after = rows[-1][0]
        await connection.execute("UPDATE search_index SET version = $1", SEARCH_VERSION)


async def open_postgres(
    url: str,
    *,
    pool_size: int = 10,
    acquire_timeout: float = 10.0,
    command_timeout: float = 60.0,
    connect_timeout: float = 10.0,
) -> PostgresStore:
    """Connect to the database at `url` (`postgresql://user:password@host:5432/database`),
    migrate it and return the store.

    Raises `DatabaseUnreachableError` (one line, no password) when the server cannot be
    reached, refuses the credentials or has no such database; `SchemaTooNewError` for a
    database of a newer digestbot (left untouched); `StorageError` for a database that is
    not digestbot's or a migration that failed (rolled back).
    """
    if pool_size < 1:
        raise ValueError("pool_size must be at least 1")
    where = redact_url(url)
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=pool_size,
            max_inactive_connection_lifetime=300.0,
            command_timeout=command_timeout,
            timeout=connect_timeout,
            reset=_keep_session,
            server_settings={
                "application_name": "digestbot",
                # Short statements: JIT compilation would cost more than it saves, and each
                # search is planned for its own terms and guild (a generic plan cannot know
                # whether the terms are rare or the guild small).
                "jit": "off",
                "plan_cache_mode": "force_custom_plan",
            },
        )
    except (TimeoutError, OSError, asyncpg.PostgresError, ValueError) as exc:
        raise _unreachable(url, exc) from exc
    except asyncpg.exceptions.InterfaceError as exc:
        raise _unreachable(url, exc) from exc
    try:
        async with pool.acquire(timeout=acquire_timeout) as connection:
            if connection.get_server_version() < (12, 0):
                raise StorageError(f"{where}: digestbot needs PostgreSQL 12 or newer")
            applied = await apply_pg_migrations(
                connection, load_migrations(folder="pg_migrations"), where=where
            )
            if applied:
                log.info("migrated %s to schema version %d", where, applied[-1])
            await _build_search_index(connection, where)
    except BaseException as exc:
        pool.terminate()
        if isinstance(exc, _TRANSIENT) and not isinstance(exc, StorageError):
            raise _unreachable(url, exc) from exc
        raise
    return PostgresStore(pool, url, acquire_timeout=acquire_timeout)
