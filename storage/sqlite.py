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
import hashlib
import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal, cast, get_args

import aiosqlite

from .base import (
    AddResult,
    ArticleInfo,
    ArticlePage,
    GuildSettings,
    NewArticle,
    SearchHit,
    SourceKind,
    StorageError,
    StoredArticle,
    StoredParagraph,
)
from .migrate import (
    apply_migrations,
    check_not_too_new,
    latest_version,
    load_migrations,
    read_version,
)
from .query import MatchQuery, build_match
from .snippet import make_snippet

__all__ = ["SQLiteStore", "open_store"]

log = logging.getLogger(__name__)

Synchronous = Literal["NORMAL", "FULL"]

SLOT_BITS: Final = 40  # paragraph id = (guild slot << 40) | per-guild paragraph sequence
MAX_SEQUENCE: Final = (1 << SLOT_BITS) - 1
MAX_SLOT: Final = (1 << (63 - SLOT_BITS)) - 1
BUSY_TIMEOUT_MS: Final = 5000
SEARCH_WINDOW: Final = 2000  # newest matching paragraphs a search ranks
COMMON_TERM_DOCS: Final = 50_000  # a search term in more paragraphs is left out
DF_CACHE_SECONDS: Final = 3600.0
MAX_LIMIT: Final = 100
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_SOURCE_KINDS: Final = frozenset(get_args(SourceKind))
_NUMBER: Final = re.compile(r"#?\s*(\d{1,18})")

_LOAD: Final = """
    SELECT a.number, a.channel_id, a.author_id, a.created_at, a.source_kind, a.title,
        a.source_ref, b.engine_version, b.meta, b.analysis, b.text,
        (SELECT json_group_array(json_array(p.number, p.heading, p.text))
         FROM (SELECT number, heading, text FROM paragraphs
               WHERE article_id = a.id ORDER BY number) AS p)
    FROM articles AS a JOIN article_bodies AS b ON b.article_id = a.id
    WHERE a.guild_id = ?1 AND a.number = {number}
"""
_INFO_COLUMNS: Final = """
    number, title, created_at, author_id, channel_id, source_kind, source_ref, paragraph_count
"""

Row = Sequence[Any]


def normalise_text(text: str) -> str:
    """What two texts must share to be the same article: their words, whitespace aside."""
    return " ".join(text.split())


def text_hash(text: str) -> bytes:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).digest()


def _to_micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"))


def _info(row: Row) -> ArticleInfo:
    return ArticleInfo(
        number=row[0],
        title=row[1],
        created_at=_from_micros(row[2]),
        author_id=row[3],
        channel_id=row[4],
        source_kind=row[5],
        source_ref=row[6],
        paragraph_count=row[7],
    )


async def _rows(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    return cast(list[Row], list(await db.execute_fetchall(sql, params)))


async def _rollback(db: aiosqlite.Connection) -> None:
    # Queued behind whatever statement is still running on the connection's thread; an error
    # here means there was no transaction left to roll back.
    with suppress(sqlite3.Error, ValueError):
        await db.execute("ROLLBACK")


class SQLiteStore:
    """A `Store` on one SQLite file. Create it with `open_store`."""

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()
        self._slots: dict[int, int] = {}  # guild id -> slot; a slot never changes once given
        self._df: dict[str, int] = {}  # search term -> paragraphs holding it (all guilds)
        self._df_since = time.monotonic()
        # Search tuning (see `search`); tests lower them to exercise both paths on small data.
        self.search_window = SEARCH_WINDOW
        self.common_term_docs = COMMON_TERM_DOCS
        self._closed = False

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
            except BaseException:
                await _rollback(db)
                raise

    @asynccontextmanager
    async def _read_one(self) -> AsyncIterator[aiosqlite.Connection]:
        """The reader connection. Every read is one statement: one committed snapshot, which a
        writer never blocks (WAL)."""
        self._check_open()
        async with self._read_lock:
            yield self._reader

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the store is closed")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        async with self._write_lock, self._read_lock:
            await self._reader.close()
            with suppress(sqlite3.Error):
                await self._writer.execute("PRAGMA optimize")
            await self._writer.close()

    async def __aenter__(self) -> SQLiteStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- articles ------------------------------------------------------------------------

    async def add_article(self, new: NewArticle) -> AddResult:
        if new.source_kind not in _SOURCE_KINDS:
            raise ValueError(f"unknown source kind {new.source_kind!r}")
        numbers = [number for number, _, _ in new.paragraphs]
        if len(set(numbers)) != len(numbers):
            raise ValueError("paragraph numbers must be unique")
        digest = text_hash(new.text)
        analysis = _json(new.analysis)
        meta = _json(new.meta)
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

            (slot, number, first) = (
                await _rows(
                    db,
                    """
                INSERT INTO guilds (guild_id, next_number, next_paragraph, article_count)
                VALUES (?1, 2, ?2 + 1, 1)
                ON CONFLICT (guild_id) DO UPDATE SET
                    next_number = next_number + 1,
                    next_paragraph = next_paragraph + ?2,
                    article_count = article_count + 1
                RETURNING slot, next_number - 1, next_paragraph - ?2
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
                    source_kind, paragraph_count, title, title_fold, source_ref, text_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING id
                """,
                (
                    new.guild_id,
                    number,
                    new.channel_id,
                    new.author_id,
                    _to_micros(created),
                    new.source_kind,
                    count,
                    new.title,
                    (new.title or "").lower(),
                    new.source_ref,
                    digest,
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

        self._slots[new.guild_id] = slot  # only once committed: a rolled-back slot is reused
        article = StoredArticle(
            guild_id=new.guild_id,
            number=number,
            channel_id=new.channel_id,
            author_id=new.author_id,
            title=new.title,
            source_kind=new.source_kind,
            source_ref=new.source_ref,
            created_at=_from_micros(_to_micros(created)),
            text=new.text,
            paragraphs=sorted(
                (StoredParagraph(n, h, t) for n, h, t in new.paragraphs), key=lambda p: p.number
            ),
            analysis=json.loads(analysis),
            engine_version=new.engine_version,
            meta=json.loads(meta),
        )
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
            created_at=_from_micros(row[3]),
            source_kind=row[4],
            title=row[5],
            source_ref=row[6],
            engine_version=row[7],
            meta=json.loads(row[8]),
            analysis=json.loads(row[9]),
            text=row[10],
            paragraphs=[StoredParagraph(n, h, t) for n, h, t in paragraphs],
        )

    async def get_article(self, guild_id: int, number: int) -> StoredArticle | None:
        async with self._read_one() as db:
            return await self._load(db, guild_id, "?2", (number,))

    async def latest_article(
        self, guild_id: int, *, channel_id: int | None = None
    ) -> StoredArticle | None:
        async with self._read_one() as db:
            if channel_id is None:
                return await self._load(
                    db, guild_id, "(SELECT max(number) FROM articles WHERE guild_id = ?1)", ()
                )
            return await self._load(
                db,
                guild_id,
                "(SELECT max(number) FROM articles WHERE guild_id = ?1 AND channel_id = ?2)",
                (channel_id,),
            )

    async def list_articles(
        self, guild_id: int, *, offset: int = 0, limit: int = 10
    ) -> ArticlePage:
        offset = max(0, offset)
        limit = max(0, min(limit, MAX_LIMIT))
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
            items=[_info(r[1:]) for r in rows if r[1] is not None],
            total=rows[0][0] if rows else 0,
        )

    async def find_titles(self, guild_id: int, text: str, *, limit: int = 25) -> list[ArticleInfo]:
        limit = max(0, min(limit, MAX_LIMIT))
        if limit == 0:
            return []
        wanted = text.strip()
        match = _NUMBER.fullmatch(wanted)
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
                (guild_id, int(match[1]) if match else None, wanted.lower(), limit),
            )
        items: dict[int, ArticleInfo] = {}
        for row in sorted(rows, key=lambda r: (r[0], -r[1])):
            items.setdefault(row[1], _info(row[1:]))
        return list(items.values())[:limit]

    async def delete_article(self, guild_id: int, number: int) -> bool:
        async with self._write() as db:
            # Paragraphs (and through their trigger, the FTS rows), the body and the message
            # and thread links go with the article: ON DELETE CASCADE.
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
        payload = _json(analysis)
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
        """Paragraphs of the guild ranked by BM25 (FTS5, Porter stems), best first.

        All the query's words must match; when no paragraph has them all, any of them may.
        Two bounds keep a query cheap however large the guild: words found in more than
        `common_term_docs` paragraphs are left out when rarer words remain (they weigh almost
        nothing in BM25 but cost a pass over their posting list), and ranking covers the
        guild's newest `search_window` matching paragraphs, which is every match of any query
        specific enough to be useful.
        """
        limit = max(0, min(limit, MAX_LIMIT))
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
        """Drop the terms found in more than `common_term_docs` paragraphs when rarer ones
        remain (only the two rarest stay when all are that common).

        BM25 reads a term's whole posting list to weigh it, which for "said" or "one" in a
        million paragraphs costs several milliseconds, and such a term weighs almost nothing.
        Counts come from the whole index and are cached for `DF_CACHE_SECONDS`.
        """
        now = time.monotonic()
        if now - self._df_since > DF_CACHE_SECONDS or len(self._df) > 50_000:
            self._df.clear()
            self._df_since = now
        missing = [t for t in match.terms if t not in self._df]
        if missing:
            rows = await _rows(
                db,
                " UNION ALL ".join(
                    f"SELECT {i}, count(*) FROM paragraph_fts WHERE paragraph_fts MATCH ?"
                    for i in range(len(missing))
                ),
                [MatchQuery((t,)).all_terms for t in missing],
            )
            for i, count in rows:
                self._df[missing[i]] = int(count)
        kept = tuple(t for t in match.terms if self._df[t] <= self.common_term_docs)
        if not kept:
            rarest = sorted(match.terms, key=lambda t: self._df[t])[:2]
            kept = tuple(t for t in match.terms if t in rarest)
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

    async def link_message(self, guild_id: int, message_id: int, number: int) -> None:
        """Remember that a bot message is about article `number` (a later link of the same
        message replaces it; nothing is recorded when the article does not exist)."""
        await self._link("message_links", "message_id", guild_id, message_id, number)

    async def article_for_message(self, guild_id: int, message_id: int) -> int | None:
        return await self._linked("message_links", "message_id", guild_id, message_id)

    async def link_thread(self, guild_id: int, thread_id: int, number: int) -> None:
        """Remember the discussion thread of article `number` (as `link_message`)."""
        await self._link("thread_links", "thread_id", guild_id, thread_id, number)

    async def article_for_thread(self, guild_id: int, thread_id: int) -> int | None:
        return await self._linked("thread_links", "thread_id", guild_id, thread_id)

    # -- settings ------------------------------------------------------------------------

    async def get_settings(self, guild_id: int) -> GuildSettings:
        async with self._read_one() as db:
            rows = await _rows(
                db,
                "SELECT moderator_role_id, discussion_threads FROM guilds WHERE guild_id = ?",
                (guild_id,),
            )
        if not rows:
            return GuildSettings()
        return GuildSettings(moderator_role_id=rows[0][0], discussion_threads=bool(rows[0][1]))

    async def update_settings(
        self,
        guild_id: int,
        *,
        moderator_role_id: int | Literal["unchanged"] | None = "unchanged",
        discussion_threads: bool | None = None,
    ) -> GuildSettings:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO guilds (guild_id) VALUES (?) ON CONFLICT (guild_id) DO NOTHING",
                (guild_id,),
            )
            if moderator_role_id != "unchanged":
                await db.execute(
                    "UPDATE guilds SET moderator_role_id = ? WHERE guild_id = ?",
                    (moderator_role_id, guild_id),
                )
            if discussion_threads is not None:
                await db.execute(
                    "UPDATE guilds SET discussion_threads = ? WHERE guild_id = ?",
                    (int(discussion_threads), guild_id),
                )
            rows = await _rows(
                db,
                "SELECT moderator_role_id, discussion_threads FROM guilds WHERE guild_id = ?",
                (guild_id,),
            )
        return GuildSettings(moderator_role_id=rows[0][0], discussion_threads=bool(rows[0][1]))


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


async def open_store(
    path: str | os.PathLike[str], *, synchronous: Synchronous = "NORMAL"
) -> SQLiteStore:
    """Open (creating it and its directory if needed) and migrate the database at `path`.

    Raises `SchemaTooNewError` for a database written by a newer digestbot (it is left as it
    was) and `StorageError` for a file that is not a digestbot database.
    """
    if str(path) == ":memory:" or str(path).startswith("file:"):
        raise ValueError("open_store needs a file path (two connections share the database)")
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"synchronous must be NORMAL or FULL, not {synchronous!r}")
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    writer = await _connect(file)
    reader: aiosqlite.Connection | None = None
    try:
        try:
            migrations = load_migrations()
            # Refuse a newer (or foreign) database before anything writes to it: the journal
            # mode is only switched once the schema is known to be ours.
            check_not_too_new(await read_version(writer), latest_version(migrations), str(file))
            mode = await _pragma(writer, "journal_mode = WAL")
            if str(mode).lower() != "wal":
                raise StorageError(f"{file}: cannot switch the database to WAL (got {mode!r})")
            await writer.execute(f"PRAGMA synchronous = {synchronous}")
            await writer.execute("PRAGMA journal_size_limit = 67108864")  # WAL kept <= 64 MiB
            applied = await apply_migrations(writer, migrations, where=str(file))
        except sqlite3.DatabaseError as exc:
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
