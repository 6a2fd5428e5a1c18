"""Storage: the only place that knows SQL. See `storage.base` for the API.

`open_store(location)` opens a SQLite file (a path or `sqlite:///path`) or a PostgreSQL
database (`postgresql://user:password@host:5432/name`), migrated and ready.
"""

from __future__ import annotations

import os
from typing import Any

from .base import (
    AddResult,
    ArticleChange,
    ArticleInfo,
    ArticlePage,
    ChangeWatcher,
    DatabaseUnreachableError,
    GuildSettings,
    NewArticle,
    SchemaTooNewError,
    SearchHit,
    StorageError,
    Store,
    StoredArticle,
    StoredParagraph,
    TryAgainError,
)
from .feeds import (
    Feed,
    FeedCheck,
    FeedExistsError,
    FeedLimitError,
    FeedPost,
    NewFeed,
    NewFeedPost,
    PauseReason,
    Shards,
)
from .location import Location, parse_location
from .postgres import PostgresStore, open_postgres
from .sqlite import SQLiteStore, open_sqlite

__all__ = [
    "AddResult",
    "ArticleChange",
    "ArticleInfo",
    "ArticlePage",
    "ChangeWatcher",
    "DatabaseUnreachableError",
    "Feed",
    "FeedCheck",
    "FeedExistsError",
    "FeedLimitError",
    "FeedPost",
    "GuildSettings",
    "Location",
    "NewArticle",
    "NewFeed",
    "NewFeedPost",
    "PauseReason",
    "PostgresStore",
    "SQLiteStore",
    "SchemaTooNewError",
    "SearchHit",
    "Shards",
    "StorageError",
    "Store",
    "StoredArticle",
    "StoredParagraph",
    "TryAgainError",
    "open_postgres",
    "open_sqlite",
    "open_store",
    "parse_location",
]


async def open_store(
    location: str | os.PathLike[str] | Location, **options: Any
) -> SQLiteStore | PostgresStore:
    """Open the store at `location`: a SQLite path or URL, or a PostgreSQL URL. `options` go
    to `open_sqlite` (`synchronous`) or `open_postgres` (`pool_size`, `acquire_timeout`...).
    Raises `ValueError` for a location that is neither."""
    where = location if isinstance(location, Location) else parse_location(location)
    if where.url is not None:
        return await open_postgres(where.url, **options)
    assert where.path is not None
    return await open_sqlite(where.path, **options)


def _conforms(store: SQLiteStore | PostgresStore) -> Store:
    """Both stores implement `Store` (checked by mypy)."""
    return store
