"""Numbered SQL migrations: `storage/migrations/NNNN_name.sql`, applied in order at open.

(PostgreSQL's are in `storage/pg_migrations/`, applied by `storage.postgres` the same way.)
Every pending migration is applied inside one transaction (SQLite's DDL is transactional), and
each applied one is recorded in `schema_migrations`. Re-opening an up-to-date database changes
nothing. A database whose newest recorded version is above the newest file here was written by
a newer digestbot: it is refused with `SchemaTooNewError` before anything is written to it.
"""

from __future__ import annotations

import re
import sqlite3
import time
from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from typing import Any

import aiosqlite

from .base import SchemaTooNewError, StorageError

__all__ = [
    "Migration",
    "apply_migrations",
    "check_not_too_new",
    "latest_version",
    "load_migrations",
    "read_version",
    "split_statements",
]

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL  -- seconds since 1970-01-01 UTC
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(package: str = "storage", folder: str = "migrations") -> list[Migration]:
    """The package's migrations in order (SQLite's in `migrations/`, PostgreSQL's in
    `pg_migrations/`). Their numbers must run 1, 2, 3, ... without gaps."""
    found: list[Migration] = []
    for entry in resources.files(package).joinpath(folder).iterdir():
        match = _NAME.match(entry.name)
        if match is None:
            continue
        found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        raise StorageError(
            f"storage migrations must be numbered 1..N without gaps or repeats, "
            f"found {[m.version for m in found]}"
        )
    return found


def latest_version(migrations: list[Migration] | None = None) -> int:
    return len(migrations if migrations is not None else load_migrations())


def split_statements(sql: str) -> list[str]:
    """Cut a script into single statements (`sqlite3.complete_statement` understands strings,
    comments and trigger bodies). `executescript` cannot be used: it commits first."""
    statements: list[str] = []
    start = 0
    for pos, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : pos + 1]):
            statement = sql[start : pos + 1].strip()
            if _has_code(statement):
                statements.append(statement)
            start = pos + 1
    if _has_code(sql[start:]):
        raise StorageError(f"migration ends with an unterminated statement: {sql[start:]!r}")
    return statements


def _has_code(sql: str) -> bool:
    without_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", sql, flags=re.S)
    return bool(without_comments.strip(" \t\r\n;"))


async def _rows(db: aiosqlite.Connection, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    return list(await db.execute_fetchall(sql, params))


async def read_version(db: aiosqlite.Connection) -> int | None:
    """The database's schema version: None for an empty database, 0 for one that has the
    version table but no migration yet. Reads only."""
    tables = {
        row[0]
        for row in await _rows(
            db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    if "schema_migrations" not in tables:
        if tables:
            raise StorageError(
                "the database holds tables but no schema_migrations table: it is not a "
                "digestbot database, so it was left untouched"
            )
        return None
    rows = await _rows(db, "SELECT coalesce(max(version), 0) FROM schema_migrations")
    return int(rows[0][0])


def check_not_too_new(version: int | None, known: int, where: str) -> None:
    if version is not None and version > known:
        raise SchemaTooNewError(
            f"{where}: the database has schema version {version}, but this digestbot knows "
            f"versions up to {known}. It was written by a newer digestbot: upgrade digestbot "
            f"(or use a backup made by this version). The database was not changed."
        )


async def apply_migrations(
    db: aiosqlite.Connection, migrations: list[Migration], *, where: str
) -> list[int]:
    """Apply the pending migrations in one transaction; returns the versions applied.

    `db` must be in autocommit mode (isolation_level=None) with no transaction open.
    """
    known = latest_version(migrations)
    # Refuse a newer database before writing anything, not even the version table.
    check_not_too_new(await read_version(db), known, where)
    try:
        await db.execute("BEGIN IMMEDIATE")
        # Another process may have migrated between the read above and the write lock.
        current = await read_version(db)
        check_not_too_new(current, known, where)
        pending = [m for m in migrations if m.version > (current or 0)]
        if pending:
            await db.execute(VERSION_TABLE)
            for migration in pending:
                try:
                    for statement in split_statements(migration.sql):
                        await db.execute(statement)
                except sqlite3.Error as exc:
                    raise StorageError(
                        f"{where}: migration {migration.version:04d}_{migration.name} failed, "
                        f"so no migration was applied (the database is as it was): {exc}"
                    ) from exc
                await db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, int(time.time())),
                )
        await db.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.Error, ValueError):
            await db.execute("ROLLBACK")
        raise
    return [m.version for m in pending]
