"""Fixtures for the storage tests: every test that takes `store` (or `backend`) runs against
a real SQLite file AND a real PostgreSQL database, so a difference in behaviour fails a test.

PostgreSQL: one server for the whole session (`pg_server` of `tests/conftest.py`:
`storage.tempserver.TempPostgres`, Debian's `postgresql` package, started in a temporary
directory on 127.0.0.1), and a new database per test. If the server cannot be found or
started, every PostgreSQL test fails (never skips).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from storage import NewArticle, PostgresStore, SQLiteStore, open_store
from storage.tempserver import TempPostgres

GUILD_A = 111_111_111_111_111_111
GUILD_B = 222_222_222_222_222_222
CHANNEL_1 = 900_000_000_000_000_001
CHANNEL_2 = 900_000_000_000_000_002
BACKENDS = ("sqlite", "postgresql")

AnyStore = SQLiteStore | PostgresStore
_names = itertools.count(1)


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


@dataclass
class Backend:
    """One database of one backend, for one test: where it is, and raw access to it."""

    name: str
    location: str  # a SQLite path or a PostgreSQL URL: what `open_store` takes
    path: Path | None = None  # SQLite only
    server: TempPostgres | None = None  # PostgreSQL only

    async def open(self, **options: Any) -> AnyStore:
        return await open_store(self.location, **options)

    async def fetch(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of one statement, on a connection of its own (`?` placeholders)."""
        if self.path is not None:
            import sqlite3

            db = sqlite3.connect(self.path)
            try:
                return [tuple(r) for r in db.execute(sql, params).fetchall()]
            finally:
                db.close()
        connection = await asyncpg.connect(self.location)
        try:
            numbered = sql
            for i in range(len(params)):
                numbered = numbered.replace("?", f"${i + 1}", 1)
            return [tuple(r) for r in await connection.fetch(numbered, *params)]
        finally:
            await connection.close()

    async def count(self, table: str) -> int:
        return int((await self.fetch(f"SELECT count(*) FROM {table}"))[0][0])


def new_backend(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    if name == "sqlite":
        path = tmp_path / "data" / "digestbot.sqlite3"
        return Backend(name, str(path), path=path)
    server: TempPostgres = request.getfixturevalue("pg_server")
    database = f"t{next(_names)}"
    url = server.create_database(database)
    request.addfinalizer(lambda: server.drop_database(database))
    return Backend(name, url, server=server)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return new_backend(request.param, tmp_path, request)


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[AnyStore]:
    s = await backend.open()
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A SQLite file for the tests of SQLite itself (pragmas, journal, damaged files)."""
    return tmp_path / "data" / "digestbot.sqlite3"
