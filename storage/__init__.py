"""Storage: the only place that knows SQL. See `storage.base` for the API."""

from .base import (
    AddResult,
    ArticleInfo,
    ArticlePage,
    GuildSettings,
    NewArticle,
    SchemaTooNewError,
    SearchHit,
    StorageError,
    Store,
    StoredArticle,
    StoredParagraph,
)
from .sqlite import SQLiteStore, open_store

__all__ = [
    "AddResult",
    "ArticleInfo",
    "ArticlePage",
    "GuildSettings",
    "NewArticle",
    "SQLiteStore",
    "SchemaTooNewError",
    "SearchHit",
    "StorageError",
    "Store",
    "StoredArticle",
    "StoredParagraph",
    "open_store",
]
