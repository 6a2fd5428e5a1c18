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

__all__ = [
    "AddResult",
    "ArticleInfo",
    "ArticlePage",
    "GuildSettings",
    "NewArticle",
    "SchemaTooNewError",
    "SearchHit",
    "StorageError",
    "Store",
    "StoredArticle",
    "StoredParagraph",
]
