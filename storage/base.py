"""The storage API the bot and cogs use. SQL lives behind it; cogs never see it.

`Store` is a Protocol so another backend (PostgreSQL, for several shard processes) can be
added without touching a cog. Every read takes the guild id: no method can return another
guild's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

SourceKind = Literal["text", "file", "message", "url"]


class StorageError(Exception):
    """Base class of storage failures that deserve a clear message."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer digestbot; it is refused rather than damaged."""


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


@dataclass(frozen=True, slots=True)
class GuildSettings:
    moderator_role_id: int | None = None
    discussion_threads: bool = True


class Store(Protocol):
    async def close(self) -> None: ...

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

    async def update_settings(
        self,
        guild_id: int,
        *,
        moderator_role_id: int | Literal["unchanged"] | None = "unchanged",
        discussion_threads: bool | None = None,
    ) -> GuildSettings: ...
