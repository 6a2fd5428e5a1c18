"""What both stores compute the same way, outside SQL: hashes, JSON, times, limits, ranking
bounds and the document-frequency cache of search terms."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Self

from .base import (
    ArticleInfo,
    GuildSettings,
    NewArticle,
    StorageError,
    StoredArticle,
    StoredParagraph,
)
from .query import index_terms

__all__ = [
    "COMMON_TERM_DOCS",
    "MAX_LIMIT",
    "MAX_SEQUENCE",
    "MAX_SLOT",
    "ROW_COUNTS",
    "SEARCH_WINDOW",
    "SLOT_BITS",
    "ArticleRecord",
    "DocFrequencies",
    "GuildRecord",
    "LinkRecord",
    "StoreBase",
    "article_record",
    "clamp_limit",
    "from_micros",
    "guild_record",
    "info_from_row",
    "paragraph_terms",
    "stored_article",
    "text_hash",
    "title_number",
    "to_json",
    "to_micros",
]

SLOT_BITS: Final = 40  # paragraph id = (guild slot << 40) | per-guild paragraph sequence
MAX_SEQUENCE: Final = (1 << SLOT_BITS) - 1
MAX_SLOT: Final = (1 << (63 - SLOT_BITS)) - 1
SEARCH_WINDOW: Final = 2000  # newest matching paragraphs a search ranks
COMMON_TERM_DOCS: Final = 50_000  # a search term in more paragraphs is left out
DF_CACHE_SECONDS: Final = 3600.0
MAX_LIMIT: Final = 100
THREAD_TERMS_CHARS: Final = 20_000  # index terms of more text are computed in a thread
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_NUMBER: Final = re.compile(r"#?\s*(\d{1,18})")

Row = Sequence[Any]


def normalise_text(text: str) -> str:
    """What two texts must share to be the same article: their words, whitespace aside."""
    return " ".join(text.split())


def text_hash(text: str) -> bytes:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).digest()


def to_json(value: Mapping[str, Any]) -> str:
    """Compact JSON, kept readable (not ASCII-escaped). Raises `UnicodeEncodeError` (a
    `ValueError`) for text neither database can store (lone surrogates)."""
    encoded = json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"))
    encoded.encode("utf-8")
    return encoded


def to_micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def clamp_limit(limit: int) -> int:
    return max(0, min(limit, MAX_LIMIT))


def title_number(text: str) -> int | None:
    """The article number `text` names for autocomplete ("12", "#12", "# 12"), if any."""
    match = _NUMBER.fullmatch(text.strip())
    return int(match[1]) if match else None


def _same(text: str | None) -> str | None:
    return text


def info_from_row(row: Row, text: Callable[[str | None], str | None] = _same) -> ArticleInfo:
    """An `ArticleInfo` from (number, title, created_at (a datetime, or microseconds),
    author_id, channel_id, source_kind, source_ref, paragraph_count); `text` undoes what the
    database did to text columns."""
    created = row[2]
    return ArticleInfo(
        number=row[0],
        title=text(row[1]),
        created_at=created if isinstance(created, datetime) else from_micros(created),
        author_id=row[3],
        channel_id=row[4],
        source_kind=row[5],
        source_ref=text(row[6]),
        paragraph_count=row[7],
    )


def stored_article(
    new: NewArticle, number: int, created: datetime, analysis: str, meta: str
) -> StoredArticle:
    """The `StoredArticle` an add of `new` stored (its JSON as the database holds it)."""
    return StoredArticle(
        guild_id=new.guild_id,
        number=number,
        channel_id=new.channel_id,
        author_id=new.author_id,
        title=new.title,
        source_kind=new.source_kind,
        source_ref=new.source_ref,
        created_at=created,
        text=new.text,
        paragraphs=sorted(
            (StoredParagraph(n, h, t) for n, h, t in new.paragraphs), key=lambda p: p.number
        ),
        analysis=json.loads(analysis),
        engine_version=new.engine_version,
        meta=json.loads(meta),
        language=new.language,
    )


class StoreBase:
    """What both stores share above SQL: closing, and the message and thread links in terms
    of `_link` / `_linked`."""

    def __init__(self) -> None:
        self._slots: dict[int, int] = {}  # guild id -> slot; a slot never changes once given
        self._df = DocFrequencies()
        # Search tuning (see `search`); tests lower them to exercise both paths on small data.
        self.search_window = SEARCH_WINDOW
        self.common_term_docs = COMMON_TERM_DOCS
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the store is closed")

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _link(self, table: str, column: str, guild_id: int, key: int, number: int) -> None:
        raise NotImplementedError

    async def _linked(self, table: str, column: str, guild_id: int, key: int) -> int | None:
        raise NotImplementedError

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


async def paragraph_terms(texts: Sequence[str]) -> list[list[str]]:
    """`index_terms` of each text; in a thread when there is much text, so the event loop
    keeps running (the interpreter switches threads every few milliseconds)."""
    if sum(len(t) for t in texts) <= THREAD_TERMS_CHARS:
        return [index_terms(t) for t in texts]
    return await asyncio.to_thread(lambda: [index_terms(t) for t in texts])


class DocFrequencies:
    """How many paragraphs (of every guild) hold each search term, counted up to a cap and
    cached for an hour, and which terms of a query are too common to be worth searching.

    BM25 reads a term's whole posting list to weigh it, which for "said" or "one" in a
    million paragraphs costs milliseconds, and such a term weighs almost nothing. Counts stop
    at `cap` (twice the threshold, at least 1,000) so that counting stays bounded; terms
    above the cap compare as equal (the query's order decides between them).
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._since = time.monotonic()

    @staticmethod
    def cap(common_term_docs: int) -> int:
        return max(2 * common_term_docs, 1000)

    def missing(self, terms: Sequence[str]) -> list[str]:
        now = time.monotonic()
        if now - self._since > DF_CACHE_SECONDS or len(self.counts) > 50_000:
            self.counts.clear()
            self._since = now
        return [t for t in terms if t not in self.counts]

    def keep(self, terms: tuple[str, ...], common_term_docs: int) -> tuple[str, ...]:
        """The terms worth searching: those in at most `common_term_docs` paragraphs; when
        every term is that common, the two rarest."""
        kept = tuple(t for t in terms if self.counts[t] <= common_term_docs)
        if not kept:
            rarest = sorted(terms, key=lambda t: self.counts[t])[:2]
            kept = tuple(t for t in terms if t in rarest)
        return kept


# -- what `python -m storage copy` moves between stores, row for row ------------------------

# Per guild: articles, paragraphs, message links, thread links (the copy's final check).
ROW_COUNTS: Final = """
    SELECT g.guild_id,
        (SELECT count(*) FROM articles WHERE guild_id = g.guild_id),
        (SELECT count(*) FROM paragraphs AS p JOIN articles AS a
            ON a.id = p.article_id WHERE a.guild_id = g.guild_id),
        (SELECT count(*) FROM message_links WHERE guild_id = g.guild_id),
        (SELECT count(*) FROM thread_links WHERE guild_id = g.guild_id)
    FROM guilds AS g
"""


@dataclass(frozen=True, slots=True)
class GuildRecord:
    guild_id: int
    slot: int
    next_number: int
    next_paragraph: int
    article_count: int
    settings: GuildSettings


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    number: int
    channel_id: int | None
    author_id: int
    created_at: datetime
    source_kind: str
    title: str | None
    source_ref: str | None
    text_hash: bytes
    language: str | None
    engine_version: str
    meta: str  # JSON
    analysis: str  # JSON
    text: str
    paragraphs: list[tuple[int, int, str | None, str]]  # (id, number, heading, text)


@dataclass(frozen=True, slots=True)
class LinkRecord:
    table: str  # "message_links" or "thread_links"
    key: int  # the message or thread id
    number: int  # the article


def guild_record(row: Row, settings: GuildSettings) -> GuildRecord:
    """A `GuildRecord` from (guild_id, slot, next_number, next_paragraph, article_count)."""
    return GuildRecord(
        guild_id=row[0],
        slot=row[1],
        next_number=row[2],
        next_paragraph=row[3],
        article_count=row[4],
        settings=settings,
    )


def article_record(row: Row, created: datetime, paragraphs: Sequence[Any]) -> ArticleRecord:
    """An `ArticleRecord` from the columns of `export_articles` (both stores read them in
    this order), with the creation time and paragraphs already decoded."""
    return ArticleRecord(
        number=row[0],
        channel_id=row[1],
        author_id=row[2],
        created_at=created,
        source_kind=row[4],
        title=row[5],
        source_ref=row[6],
        text_hash=bytes(row[7]),
        language=row[8],
        engine_version=row[9],
        meta=row[10],
        analysis=row[11],
        text=row[12],
        paragraphs=sorted((p[0], p[1], p[2], p[3]) for p in paragraphs),
    )
