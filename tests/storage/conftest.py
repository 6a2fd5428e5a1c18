"""Fixtures for the storage tests: real SQLite files in a temporary directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage import NewArticle, SQLiteStore, open_store

GUILD_A = 111_111_111_111_111_111
GUILD_B = 222_222_222_222_222_222
CHANNEL_1 = 900_000_000_000_000_001
CHANNEL_2 = 900_000_000_000_000_002


def article(
    guild_id: int,
    text: str,
    *,
    title: str | None = "An article",
    channel_id: int | None = CHANNEL_1,
    author_id: int = 42,
    headings: dict[int, str] | None = None,
    **extra: Any,
) -> NewArticle:
    """A NewArticle whose paragraphs are the blank-line-separated blocks of `text`."""
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    headings = headings or {}
    fields: dict[str, Any] = {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "author_id": author_id,
        "title": title,
        "source_kind": "text",
        "source_ref": None,
        "text": text,
        "paragraphs": [(i + 1, headings.get(i + 1), b) for i, b in enumerate(blocks)],
        "analysis": {"summary": {"tldr": blocks[:1]}, "facts": []},
        "engine_version": "test-1",
        "meta": {},
    }
    fields.update(extra)
    return NewArticle(**fields)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "digestbot.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SQLiteStore]:
    s = await open_store(db_path)
    try:
        yield s
    finally:
        await s.close()
