"""The SQLite backend of `Store`, on aiosqlite.

Connections: one writer and one reader, each an aiosqlite connection (its own thread). Every
write runs as one `BEGIN IMMEDIATE ... COMMIT` under an asyncio lock, so statements of two
tasks never mix in one transaction. Every read is one statement on the reader (an article and
its paragraphs come back together as JSON), so it sees one committed snapshot, costs one
thread hop, and never waits for a writer (WAL).

Durability: WAL with `synchronous=NORMAL` (the default here). A commit has been written to the
WAL file by the time `add_article` returns, so it survives the process being killed at any
moment (SIGKILL, OOM, crash); the operating system still holds it. It is not fsynced on every
commit, so a power loss or kernel crash can lose the last commits (the file stays consistent).
`open_store(path, synchronous="FULL")` fsyncs every commit and survives power loss too.

Isolation: every query filters on the guild id. Search reads only the guild's rowid range of
the FTS5 index (paragraph ids are `(guild slot << 40) | sequence`) and the joined article
row is checked against the guild id again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import astuple, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal, cast

import aiosqlite

from .base import (
    SETTING_TYPES,
    AddResult,
    ArticleInfo,
    ArticlePage,
    ChangeWatcher,
    GuildSettings,
    NewArticle,
    SearchHit,
    StorageError,
    StoredArticle,
    StoredParagraph,
    check_id,
    check_new_article,
    check_setting_changes,
)
from .common import (
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
    from_micros,
    guild_record,
    info_from_row,
    stored_article,
    text_hash,
    title_number,
    to_json,
    to_micros,
)
from .migrate import (
    apply_migrations,
    check_not_too_new,
    latest_version,
    load_migrations,
    read_version,
)
from .query import SEARCH_VERSION, MatchQuery, build_match, search_form
from .snippet import make_snippet
from .sqlite_feeds import SQLiteFeeds

__all__ = ["SQLiteStore", "open_sqlite"]

log = logging.getLogger(__name__)

Synchronous = Literal["NORMAL", "FULL"]

BUSY_TIMEOUT_MS: Final = 5000
# Databases up to 256 MiB are checked page by page at open (about 1 s at that size, on a busy
# machine: PRAGMA quick_check reads ~250 MB/s); a damaged page of a larger one is reported,
# as clearly, when it is read.
QUICK_CHECK_MAX_BYTES: Final = 256 << 20
_SETTINGS: Final = tuple(f.name for f in fields(GuildSettings))
_SETTING_COLUMNS: Final = ", ".join(_SETTINGS)

_LOAD: Final = """
    SELECT a.number, a.channel_id, a.author_id, a.created_at, a.source_kind, a.title,
        a.source_ref, b.engine_version, b.meta, b.analysis, b.text,
        (SELECT json_group_array(json_array(p.number, p.heading, p.text))
         FROM (SELECT number, heading, text FROM paragraphs
               WHERE article_id = a.id ORDER BY number) AS p),
        a.language
    FROM articles AS a JOIN article_bodies AS b ON b.article_id = a.id
    WHERE a.guild_id = ?1 AND a.number = {number}
"""
_INFO_COLUMNS: Final = """
    number, title, created_at, author_id, channel_id, source_kind, source_ref, paragraph_count
"""
# The FTS rows of some paragraphs, written or deleted with the terms computed from their text.
_INDEX: Final = """
    INSERT INTO paragraph_fts (rowid, terms)
    SELECT id, digestbot_search_form(text) FROM paragraphs WHERE {where}
"""
_UNINDEX: Final = """
    INSERT INTO paragraph_fts (paragraph_fts, rowid, terms)
    SELECT 'delete', id, digestbot_search_form(text) FROM paragraphs WHERE {where}
"""

Row = Sequence[Any]


class _QuietStatements(logging.Filter):
    """aiosqlite logs every call, with its SQL and parameters (article text, user ids), at
    DEBUG: keep those out of the log, and everything else it says."""

    _STATEMENT_MESSAGES = frozenset(
        {"executing %s", "operation %s completed", "returning exception %s"}
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in self._STATEMENT_MESSAGES


def quiet_aiosqlite() -> None:
    """Install `_QuietStatements` on aiosqlite's logger (once)."""
    logger = logging.getLogger("aiosqlite")
    if not any(isinstance(f, _QuietStatements) for f in logger.filters):
        logger.addFilter(_QuietStatements())


async def _rows(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    return cast(list[Row], list(await db.execute_fetchall(sql, params)))


async def _rollback(db: aiosqlite.Connection) -> None:
    # Queued behind whatever statement is still running on the connection's thread; an error
    # here means there was no transaction left to roll back.
    with suppress(sqlite3.Error, ValueError):
        await db.execute("ROLLBACK")


def _settings_from(row: Row) -> GuildSettings:
    values = {
        name: bool(value) if SETTING_TYPES[name] is bool else value
        for name, value in zip(_SETTINGS, row, strict=True)
    }
    return GuildSettings(**values)


def _damaged(path: Path, exc: sqlite3.DatabaseError) -> StorageError:
    return StorageError(
        f"{path}: the database file is damaged ({exc}); restore a backup, or salvage it "
        f"with: sqlite3 {path} .recover | sqlite3 recovered.sqlite3"
    )


class SQLiteStore(StoreBase, SQLiteFeeds):
    """A `Store` on one SQLite file. Create it with `open_sqlite` (or `storage.open_store`)."""

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()
        super().__init__()
        self._total: tuple[float, int] | None = None  # (when counted, paragraphs)

    # -- connection plumbing -------------------------------------------------------------

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction, alone on the writer connection."""
        self._check_open()
        async with self._write_lock:
            db = self._writer
            try:
                # Inside the try: a task cancelled while BEGIN is queued must still roll back,
                # as the connection's thread runs the BEGIN anyway.
                await db.execute("BEGIN IMMEDIATE")
                yield db
                await db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                await _rollback(db)
                raise self._failure(exc) from exc
            except BaseException:
                await _rollback(db)
                raise

    @asynccontextmanager
    async def _read_one(self) -> AsyncIterator[aiosqlite.Connection]:
        """The reader connection. Every read is one statement: one committed snapshot, which a
        writer never blocks (WAL)."""
        self._check_open()
        async with self._read_lock:
            try:
                yield self._reader
            except sqlite3.DatabaseError as exc:
                raise self._failure(exc) from exc

    def _failure(self, exc: sqlite3.DatabaseError) -> Exception:
        """A damaged or read-only file as a clear `StorageError`; anything else unchanged."""
        code = getattr(exc, "sqlite_errorcode", None)
        if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return _damaged(self.path, exc)
        if code == sqlite3.SQLITE_READONLY or "readonly" in str(exc):
            return StorageError(f"{self.path}: the database is read-only: {exc}")
        return exc

    async def watch_changes(self, watcher: ChangeWatcher) -> None:
        """Nothing to tell: a SQLite database has one bot process (several shards in one
        process share its caches; `bot.config` refuses SQLite to a process with only some
        shards)."""

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        async with self._write_lock, self._read_lock:
            await self._reader.close()
            with suppress(sqlite3.Error):
                await self._writer.execute("PRAGMA optimize")
            await self._writer.close()

    # -- articles ------------------------------------------------------------------------

    async def _guild_slot(self, db: aiosqlite.Connection, guild_id: int) -> int:
        """The guild's slot, its row made on first use (inside a write transaction). A slot
        is taken once per guild, ever: the row is only inserted when it is missing."""
        rows = await _rows(db, "SELECT slot FROM guilds WHERE guild_id = ?", (guild_id,))
        if not rows:
            rows = await _rows(
                db, "INSERT INTO guilds (guild_id) VALUES (?) RETURNING slot", (guild_id,)
            )
        return int(rows[0][0])

    async def add_article(self, new: NewArticle) -> AddResult:
        check_new_article(new)
        digest = text_hash(new.text)
        analysis = to_json(new.analysis)
        meta = to_json(new.meta)
        created = datetime.now(UTC)
        count = len(new.paragraphs)

        async with self._write() as db:
            existing = await _rows(
                db,
                "SELECT number FROM articles WHERE guild_id = ? AND text_hash = ?",
                (new.guild_id, digest),
            )
            if existing:
                article = await self._load(db, new.guild_id, "?2", (existing[0][0],))
                assert article is not None  # read in the same transaction
                return AddResult(article=article, created=False)

            slot = await self._guild_slot(db, new.guild_id)
            (number, first) = (
                await _rows(
                    db,
                    """
                    UPDATE guilds SET next_number = next_number + 1,
                        next_paragraph = next_paragraph + ?2,
                        article_count = article_count + 1
                    WHERE guild_id = ?1
                    RETURNING next_number - 1, next_paragraph - ?2
                    """,
                    (new.guild_id, count),
                )
            )[0]
            if slot > MAX_SLOT or first + count - 1 > MAX_SEQUENCE:
                raise StorageError("this database has run out of paragraph ids")
            rows = await _rows(
                db,
                """
                INSERT INTO articles (guild_id, number, channel_id, author_id, created_at,
                    source_kind, paragraph_count, title, title_fold, source_ref, text_hash,
                    language)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING id
                """,
                (
                    new.guild_id,
                    number,
                    new.channel_id,
                    new.author_id,
                    to_micros(created),
                    new.source_kind,
                    count,
                    new.title,
                    (new.title or "").lower(),
                    new.source_ref,
                    digest,
                    new.language,
                ),
            )
            article_id = rows[0][0]
            await db.execute(
                "INSERT INTO article_bodies (article_id, engine_version, meta, analysis, text)"
                " VALUES (?, ?, ?, ?, ?)",
                (article_id, new.engine_version, meta, analysis, new.text),
            )
            base = (slot << SLOT_BITS) + first
            await db.executemany(
                "INSERT INTO paragraphs (id, article_id, number, heading, text)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (base + i, article_id, p_number, heading, text)
                    for i, (p_number, heading, text) in enumerate(new.paragraphs)
                ],
            )
            await db.execute(_INDEX.format(where="article_id = ?"), (article_id,))

        self._slots[new.guild_id] = slot
        article = stored_article(new, number, from_micros(to_micros(created)), analysis, meta)
        return AddResult(article=article, created=True)

    async def _load(
        self, db: aiosqlite.Connection, guild_id: int, number_sql: str, params: Sequence[Any]
    ) -> StoredArticle | None:
        """One article and its paragraphs, read by one statement (so one snapshot).

        `number_sql` is an SQL expression for the article number; `params` fill its `?2`.., as
        `?1` is the guild id.
        """
        rows = await _rows(db, _LOAD.format(number=number_sql), (guild_id, *params))
        if not rows:
            return None
        row = rows[0]
        # SQLite 3.40 cannot order inside json_group_array: sort here.
        paragraphs = sorted(json.loads(row[11]), key=lambda p: int(p[0]))
        return StoredArticle(
            guild_id=guild_id,
            number=row[0],
            channel_id=row[1],
            author_id=row[2],
            created_at=from_micros(row[3]),
            source_kind=row[4],
            title=row[5],
            source_ref=row[6],
            engine_version=row[7],
            meta=json.loads(row[8]),
            analysis=json.loads(row[9]),
            text=row[10],
            paragraphs=[StoredParagraph(n, h, t) for n, h, t in paragraphs],
            language=row[12],
        )

    async def get_article(self, guild_id: int, number: int) -> StoredArticle | None:
        check_id("guild_id", guild_id)
        check_id("number", number)
        async with self._read_one() as db:
            return await self._load(db, guild_id, "?2", (number,))

    async def latest_article(
        self, guild_id: int, *, channel_id: int | None = None
    ) -> StoredArticle | None:
        check_id("guild_id", guild_id)
        async with self._read_one() as db:
            if channel_id is None:
                return await self._load(
                    db, guild_id, "(SELECT max(number) FROM articles WHERE guild_id = ?1)", ()
                )
            check_id("channel_id", channel_id)
            return await self._load(
                db,
                guild_id,
                "(SELECT max(number) FROM articles WHERE guild_id = ?1 AND channel_id = ?2)",
                (channel_id,),
            )

    async def list_articles(
        self, guild_id: int, *, offset: int = 0, limit: int = 10
    ) -> ArticlePage:
        check_id("guild_id", guild_id)
        offset = min(max(0, offset), 2**62)
        limit = clamp_limit(limit)
        async with self._read_one() as db:
            # One statement: the page and the total come from one snapshot. The LEFT JOIN
            # keeps the total when the page is empty.
            rows = await _rows(
                db,
                f"""
                SELECT g.article_count, page.*
                FROM guilds AS g LEFT JOIN (
                    SELECT {_INFO_COLUMNS} FROM articles WHERE guild_id = ?1
                    ORDER BY number DESC LIMIT ?2 OFFSET ?3
                ) AS page
                WHERE g.guild_id = ?1
                ORDER BY page.number DESC
                """,
                (guild_id, limit, offset),
            )
        return ArticlePage(
            items=[info_from_row(r[1:]) for r in rows if r[1] is not None],
            total=rows[0][0] if rows else 0,
        )

    async def find_titles(self, guild_id: int, text: str, *, limit: int = 25) -> list[ArticleInfo]:
        check_id("guild_id", guild_id)
        limit = clamp_limit(limit)
        if limit == 0:
            return []
        async with self._read_one() as db:
            # The article numbered `text` ("12", "#12") first, then titles holding `text`.
            rows = await _rows(
                db,
                f"""
                SELECT 0, {_INFO_COLUMNS} FROM articles WHERE guild_id = ?1 AND number = ?2
                UNION ALL
                SELECT * FROM (
                    SELECT 1, {_INFO_COLUMNS} FROM articles
                    WHERE guild_id = ?1 AND instr(title_fold, ?3) > 0
                    ORDER BY number DESC LIMIT ?4
                )
                """,
                (guild_id, title_number(text), text.strip().lower(), limit),
            )
        items: dict[int, ArticleInfo] = {}
        for row in sorted(rows, key=lambda r: (r[0], -r[1])):
            items.setdefault(row[1], info_from_row(row[1:]))
        return list(items.values())[:limit]

    async def delete_article(self, guild_id: int, number: int) -> bool:
        check_id("guild_id", guild_id)
        check_id("number", number)
        async with self._write() as db:
            await db.execute(
                _UNINDEX.format(
                    where="article_id = (SELECT id FROM articles WHERE guild_id = ? AND number = ?)"
                ),
                (guild_id, number),
            )
            # Paragraphs, the body and the message and thread links go with the article:
            # ON DELETE CASCADE.
            deleted = await _rows(
                db,
                "DELETE FROM articles WHERE guild_id = ? AND number = ? RETURNING id",
                (guild_id, number),
            )
            if deleted:
                await db.execute(
                    "UPDATE guilds SET article_count = article_count - 1 WHERE guild_id = ?",
                    (guild_id,),
                )
        return bool(deleted)

    async def update_analysis(
        self, guild_id: int, number: int, analysis: Mapping[str, Any], engine_version: str
    ) -> bool:
        check_id("guild_id", guild_id)
        check_id("number", number)
        payload = to_json(analysis)
        async with self._write() as db:
            rows = await _rows(
                db,
                """
                UPDATE article_bodies SET analysis = ?, engine_version = ?
                WHERE article_id = (SELECT id FROM articles WHERE guild_id = ? AND number = ?)
                RETURNING article_id
                """,
                (payload, engine_version, guild_id, number),
            )
        return bool(rows)

    # -- search --------------------------------------------------------------------------

    async def _slot(self, db: aiosqlite.Connection, guild_id: int) -> int | None:
        slot = self._slots.get(guild_id)
        if slot is None:
            rows = await _rows(db, "SELECT slot FROM guilds WHERE guild_id = ?", (guild_id,))
            if rows:
                slot = self._slots[guild_id] = int(rows[0][0])
        return slot

    async def search(self, guild_id: int, query: str, *, limit: int = 25) -> list[SearchHit]:
        """Paragraphs of the guild ranked by BM25 (FTS5 over `storage.query` terms), best
        first.

        All the query's terms must match; when no paragraph has them all, any of them may.
        Two bounds keep a query cheap however large the guild: terms found in more than
        `common_term_docs` paragraphs are left out when rarer terms remain (they weigh almost
        nothing in BM25 but cost a pass over their posting list), and ranking covers the
        guild's newest `search_window` matching paragraphs, which is every match of any query
        specific enough to be useful.
        """
        check_id("guild_id", guild_id)
        limit = clamp_limit(limit)
        match = build_match(query)
        if match is None or limit == 0:
            return []
        async with self._read_one() as db:
            slot = await self._slot(db, guild_id)
            if slot is None:
                return []
            low, high = slot << SLOT_BITS, (slot << SLOT_BITS) | MAX_SEQUENCE
            focused = await self._without_common_terms(db, match)
            rows = await self._search(db, guild_id, focused.all_terms, low, high, limit)
            if not rows and len(focused.terms) > 1:
                rows = await self._search(db, guild_id, focused.any_term, low, high, limit)
        return [
            SearchHit(
                number=number,
                title=title,
                paragraph=paragraph,
                snippet=make_snippet(text, match.terms),
                score=-bm25,
            )
            for number, title, paragraph, text, bm25 in rows
        ]

    async def _without_common_terms(
        self, db: aiosqlite.Connection, match: MatchQuery
    ) -> MatchQuery:
        """`match` without the terms found in more than `common_term_docs` paragraphs when
        rarer ones remain (see `DocFrequencies`)."""
        missing = self._df.missing(match.terms)
        if missing:
            cap = DocFrequencies.cap(self.common_term_docs)
            rows = await _rows(
                db,
                " UNION ALL ".join(
                    f"SELECT {i}, count(*) FROM (SELECT 1 FROM paragraph_fts"
                    f" WHERE paragraph_fts MATCH ? LIMIT {cap})"
                    for i in range(len(missing))
                ),
                [MatchQuery((t,)).all_terms for t in missing],
            )
            for i, count in rows:
                self._df.counts[missing[i]] = int(count)
        kept = self._df.keep(match.terms, self.common_term_docs)
        return match if kept == match.terms else MatchQuery(kept)

    async def _search(
        self,
        db: aiosqlite.Connection,
        guild_id: int,
        expression: str,
        low: int,
        high: int,
        limit: int,
    ) -> list[Row]:
        # FTS5 walks the guild's rowid range newest first and scores only the first
        # SEARCH_WINDOW matches; the best `limit` of those are joined to their articles (whose
        # guild is checked once more).
        return await _rows(
            db,
            """
            WITH recent AS MATERIALIZED (
                SELECT rowid AS id, bm25(paragraph_fts) AS score
                FROM paragraph_fts
                WHERE paragraph_fts MATCH ? AND rowid BETWEEN ? AND ?
                ORDER BY rowid DESC
                LIMIT ?
            ),
            best AS MATERIALIZED (
                SELECT id, score FROM recent ORDER BY score, id DESC LIMIT ?
            )
            SELECT a.number, a.title, p.number, p.text, best.score
            FROM best
            JOIN paragraphs AS p ON p.id = best.id
            JOIN articles AS a ON a.id = p.article_id
            WHERE a.guild_id = ?
            ORDER BY best.score, best.id DESC
            """,
            (expression, low, high, self.search_window, limit, guild_id),
        )

    # -- links ---------------------------------------------------------------------------

    async def _link(self, table: str, column: str, guild_id: int, key: int, number: int) -> None:
        check_id("guild_id", guild_id)
        check_id(column, key)
        check_id("number", number)
        async with self._write() as db:
            await db.execute(
                f"""
                INSERT INTO {table} (guild_id, {column}, article_id)
                SELECT ?, ?, id FROM articles WHERE guild_id = ? AND number = ?
                ON CONFLICT (guild_id, {column}) DO UPDATE SET article_id = excluded.article_id
                """,
                (guild_id, key, guild_id, number),
            )

    async def _linked(self, table: str, column: str, guild_id: int, key: int) -> int | None:
        check_id("guild_id", guild_id)
        check_id(column, key)
        async with self._read_one() as db:
            rows = await _rows(
                db,
                f"""
                SELECT a.number FROM {table} AS l JOIN articles AS a ON a.id = l.article_id
                WHERE l.guild_id = ? AND l.{column} = ? AND a.guild_id = ?
                """,
                (guild_id, key, guild_id),
            )
        return int(rows[0][0]) if rows else None

    # -- settings ------------------------------------------------------------------------

    async def get_settings(self, guild_id: int) -> GuildSettings:
        check_id("guild_id", guild_id)
        async with self._read_one() as db:
            rows = await _rows(
                db, f"SELECT {_SETTING_COLUMNS} FROM guilds WHERE guild_id = ?", (guild_id,)
            )
        return _settings_from(rows[0]) if rows else GuildSettings()

    async def update_settings(self, guild_id: int, /, **changes: object) -> GuildSettings:
        check_id("guild_id", guild_id)
        checked = check_setting_changes(changes)
        async with self._write() as db:
            await self._guild_slot(db, guild_id)
            if checked:
                await db.execute(
                    f"UPDATE guilds SET {', '.join(f'{name} = ?' for name in checked)}"
                    " WHERE guild_id = ?",
                    (*(int(v) if isinstance(v, bool) else v for v in checked.values()), guild_id),
                )
            rows = await _rows(
                db, f"SELECT {_SETTING_COLUMNS} FROM guilds WHERE guild_id = ?", (guild_id,)
            )
        return _settings_from(rows[0])

    # -- copying (python -m storage copy) ------------------------------------------------

    async def export_guilds(self) -> list[GuildRecord]:
        async with self._read_one() as db:
            rows = await _rows(
                db,
                "SELECT guild_id, slot, next_number, next_paragraph, article_count,"
                f" {_SETTING_COLUMNS} FROM guilds ORDER BY slot",
            )
        return [guild_record(r, _settings_from(r[5:])) for r in rows]

    async def export_articles(self, guild_id: int, after: int, limit: int) -> list[ArticleRecord]:
        """The guild's articles numbered above `after`, in number order, at most `limit`."""
        async with self._read_one() as db:
            rows = await _rows(
                db,
                """
                SELECT a.number, a.channel_id, a.author_id, a.created_at, a.source_kind,
                    a.title, a.source_ref, a.text_hash, a.language, b.engine_version, b.meta,
                    b.analysis, b.text,
                    (SELECT json_group_array(json_array(p.id, p.number, p.heading, p.text))
                     FROM paragraphs AS p WHERE p.article_id = a.id)
                FROM articles AS a JOIN article_bodies AS b ON b.article_id = a.id
                WHERE a.guild_id = ? AND a.number > ? ORDER BY a.number LIMIT ?
                """,
                (guild_id, after, limit),
            )
        return [article_record(r, from_micros(r[3]), json.loads(r[13])) for r in rows]

    async def export_links(self, guild_id: int) -> list[LinkRecord]:
        async with self._read_one() as db:
            rows = await _rows(
                db,
                """
                SELECT 'message_links', l.message_id, a.number FROM message_links AS l
                JOIN articles AS a ON a.id = l.article_id WHERE l.guild_id = ?1
                UNION ALL
                SELECT 'thread_links', l.thread_id, a.number FROM thread_links AS l
                JOIN articles AS a ON a.id = l.article_id WHERE l.guild_id = ?1
                ORDER BY 1, 2
                """,
                (guild_id,),
            )
        return [LinkRecord(*r) for r in rows]

    async def article_hashes(self, guild_id: int) -> dict[int, bytes]:
        async with self._read_one() as db:
            rows = await _rows(
                db, "SELECT number, text_hash FROM articles WHERE guild_id = ?", (guild_id,)
            )
        return {int(r[0]): bytes(r[1]) for r in rows}

    async def import_guild(self, record: GuildRecord) -> bool:
        """Make the guild's row what `record` says (its slot included); False when it
        already was."""
        values = (
            record.guild_id,
            record.slot,
            record.next_number,
            record.next_paragraph,
            record.article_count,
            *(int(v) if isinstance(v, bool) else v for v in astuple(record.settings)),
        )
        async with self._write() as db:
            current = await _rows(
                db,
                "SELECT guild_id, slot, next_number, next_paragraph, article_count,"
                f" {_SETTING_COLUMNS} FROM guilds WHERE guild_id = ?",
                (record.guild_id,),
            )
            if current and tuple(current[0]) == values:
                return False
            names = ["slot", "next_number", "next_paragraph", "article_count", *_SETTINGS]
            await db.execute(
                f"""
                INSERT INTO guilds (guild_id, {", ".join(names)})
                VALUES ({", ".join("?" * len(values))})
                ON CONFLICT (guild_id) DO UPDATE SET
                {", ".join(f"{n} = excluded.{n}" for n in names)}
                """,
                values,
            )
        return True

    async def import_articles(self, guild_id: int, records: Sequence[ArticleRecord]) -> None:
        """Add the articles as they are (numbers, paragraph ids, times, JSON), in one
        transaction, with their search terms."""
        async with self._write() as db:
            for r in records:
                rows = await _rows(
                    db,
                    """
                    INSERT INTO articles (guild_id, number, channel_id, author_id, created_at,
                        source_kind, paragraph_count, title, title_fold, source_ref, text_hash,
                        language)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """,
                    (
                        guild_id,
                        r.number,
                        r.channel_id,
                        r.author_id,
                        to_micros(r.created_at),
                        r.source_kind,
                        len(r.paragraphs),
                        r.title,
                        (r.title or "").lower(),
                        r.source_ref,
                        r.text_hash,
                        r.language,
                    ),
                )
                article_id = rows[0][0]
                await db.execute(
                    "INSERT INTO article_bodies (article_id, engine_version, meta, analysis,"
                    " text) VALUES (?, ?, ?, ?, ?)",
                    (article_id, r.engine_version, r.meta, r.analysis, r.text),
                )
                await db.executemany(
                    "INSERT INTO paragraphs (id, article_id, number, heading, text)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [(pid, article_id, n, h, t) for pid, n, h, t in r.paragraphs],
                )
                await db.execute(_INDEX.format(where="article_id = ?"), (article_id,))

    async def import_links(self, guild_id: int, records: Sequence[LinkRecord]) -> int:
        """Add or correct the links; returns how many changed."""
        changed = 0
        async with self._write() as db:
            for r in records:
                column = "message_id" if r.table == "message_links" else "thread_id"
                cursor = await db.execute(
                    f"""
                    INSERT INTO {r.table} (guild_id, {column}, article_id)
                    SELECT ?1, ?2, id FROM articles WHERE guild_id = ?1 AND number = ?3
                    ON CONFLICT (guild_id, {column}) DO UPDATE SET article_id = excluded.article_id
                    WHERE article_id <> excluded.article_id
                    """,
                    (guild_id, r.key, r.number),
                )
                changed += max(0, cursor.rowcount)
        return changed

    async def row_counts(self) -> dict[int, tuple[int, int, int, int]]:
        """Per guild: articles, paragraphs, message links, thread links."""
        async with self._read_one() as db:
            rows = await _rows(
                db,
                ROW_COUNTS,
            )
        return {int(r[0]): (r[1], r[2], r[3], r[4]) for r in rows}


async def _connect(path: Path) -> aiosqlite.Connection:
    try:
        db = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: cannot open the database: {exc}") from exc
    try:
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await db.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        await db.close()
        raise
    return db


async def _pragma(db: aiosqlite.Connection, statement: str) -> Any:
    rows = await _rows(db, f"PRAGMA {statement}")
    return rows[0][0] if rows else None


async def _check_writable(db: aiosqlite.Connection, file: Path) -> None:
    """Refuse a database the bot could read but never write (a read-only file, directory or
    mount), by writing a row's own value back and rolling back."""
    try:
        await db.execute("BEGIN IMMEDIATE")
        await db.execute(
            "UPDATE schema_migrations SET name = name"
            " WHERE version = (SELECT max(version) FROM schema_migrations)"
        )
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc) and "read-only" not in str(exc):
            raise
        raise StorageError(
            f"{file}: the database is read-only ({exc}); the bot needs to write to the file "
            f"and to its directory (for the -wal and -shm files)"
        ) from exc
    finally:
        await _rollback(db)


async def _check_intact(db: aiosqlite.Connection, file: Path) -> None:
    """SQLite's quick check of every page, for files up to `QUICK_CHECK_MAX_BYTES`."""
    size = await asyncio.to_thread(lambda: file.stat().st_size)
    if size <= QUICK_CHECK_MAX_BYTES:
        problems = [str(r[0]) for r in await _rows(db, "PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise _damaged(file, sqlite3.DatabaseError("; ".join(problems)))


async def _build_search_index(db: aiosqlite.Connection, file: Path) -> None:
    """Rebuild the FTS index when it was built by another `storage.query` SEARCH_VERSION (or
    never: migration 2 leaves it empty), in one transaction."""
    rows = await _rows(db, "SELECT version FROM search_index")
    if rows and rows[0][0] == SEARCH_VERSION:
        return
    log.info("%s: building the search index (search version %d)", file, SEARCH_VERSION)
    try:
        await db.execute("BEGIN IMMEDIATE")
        await db.execute("INSERT INTO paragraph_fts (paragraph_fts) VALUES ('delete-all')")
        await db.execute(_INDEX.format(where="1"))
        await db.execute("UPDATE search_index SET version = ?", (SEARCH_VERSION,))
        await db.execute("COMMIT")
    except BaseException:
        await _rollback(db)
        raise


async def open_sqlite(
    path: str | os.PathLike[str], *, synchronous: Synchronous = "NORMAL"
) -> SQLiteStore:
    """Open (creating it and its directory if needed) and migrate the database at `path`.

    Raises `SchemaTooNewError` for a database written by a newer digestbot (it is left as it
    was) and `StorageError` for a file that is not a digestbot database, is damaged, or is
    read-only.
    """
    if str(path) == ":memory:" or str(path).startswith("file:"):
        raise ValueError("open_store needs a file path (two connections share the database)")
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"synchronous must be NORMAL or FULL, not {synchronous!r}")
    quiet_aiosqlite()
    file = Path(path)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{file}: cannot create its directory: {exc}") from exc
    writer = await _connect(file)
    reader: aiosqlite.Connection | None = None
    try:
        try:
            await writer.create_function(
                "digestbot_search_form", 1, search_form, deterministic=True
            )
            migrations = load_migrations()
            # Refuse a newer (or foreign) database before anything writes to it: the journal
            # mode is only switched once the schema is known to be ours.
            check_not_too_new(await read_version(writer), latest_version(migrations), str(file))
            await _check_intact(writer, file)
            mode = await _pragma(writer, "journal_mode = WAL")
            if str(mode).lower() != "wal":
                raise StorageError(f"{file}: cannot switch the database to WAL (got {mode!r})")
            await writer.execute(f"PRAGMA synchronous = {synchronous}")
            await writer.execute("PRAGMA journal_size_limit = 67108864")  # WAL kept <= 64 MiB
            if await read_version(writer) is not None:
                await _check_writable(writer, file)
            applied = await apply_migrations(writer, migrations, where=str(file))
            await _build_search_index(writer, file)
        except sqlite3.DatabaseError as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            if code == sqlite3.SQLITE_CORRUPT:
                raise _damaged(file, exc) from exc
            if code == sqlite3.SQLITE_READONLY:
                raise StorageError(f"{file}: the database is read-only ({exc})") from exc
            raise StorageError(f"{file}: cannot open it as a digestbot database: {exc}") from exc
        if applied:
            log.info("migrated %s to schema version %d", file, applied[-1])
        reader = await _connect(file)
        await reader.execute("PRAGMA query_only = ON")
        await reader.execute("PRAGMA cache_size = -32000")  # 32 MiB: keeps FTS pages hot
    except BaseException:
        if reader is not None:
            await reader.close()
        await writer.close()
        raise
    return SQLiteStore(file, writer, reader)
