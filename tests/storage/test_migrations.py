"""Migrations: from empty, re-open as a no-op, a failed migration, a newer database refused."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from storage import SchemaTooNewError, StorageError, open_store
from storage.migrate import Migration, apply_migrations, load_migrations, split_statements

from .conftest import GUILD_A, article


def fetch(path: Path, sql: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def schema(path: Path) -> list[tuple[Any, ...]]:
    return fetch(path, "SELECT type, name, sql FROM sqlite_schema ORDER BY name")


def versions(path: Path) -> list[tuple[Any, ...]]:
    return fetch(path, "SELECT version, name, applied_at FROM schema_migrations")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_migration_files_are_package_data_numbered_without_gaps() -> None:
    migrations = load_migrations()
    assert migrations, "storage/migrations/*.sql must be found through importlib.resources"
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "initial"
    for m in migrations:
        assert split_statements(m.sql)


def test_split_statements_keeps_trigger_bodies_whole() -> None:
    sql = """
    -- a comment; with a semicolon
    CREATE TABLE t (x TEXT DEFAULT ';');
    /* block; comment */
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN
        INSERT INTO t (x) VALUES ('a;b');
        DELETE FROM t WHERE x = ';';
    END;
    -- trailing comment
    """
    statements = split_statements(sql)
    assert len(statements) == 2
    assert "CREATE TRIGGER tr" in statements[1] and statements[1].endswith("END;")
    assert "CREATE TABLE t" in statements[0]
    with pytest.raises(StorageError):
        split_statements("CREATE TABLE t (x);\nCREATE TABLE u (y)")


async def test_migrates_an_empty_database(db_path: Path) -> None:
    async with await open_store(db_path) as store:
        await store.add_article(article(GUILD_A, "x"))
    latest = len(load_migrations())
    assert [v[:2] for v in versions(db_path)] == [(m.version, m.name) for m in load_migrations()]
    assert versions(db_path)[-1][0] == latest
    names = {name for _, name, _ in schema(db_path)}
    assert {"articles", "article_bodies", "paragraphs", "paragraph_fts", "guilds"} <= names
    assert {"message_links", "thread_links", "schema_migrations"} <= names


async def test_reopen_is_a_no_op(db_path: Path) -> None:
    async with await open_store(db_path) as store:
        await store.add_article(article(GUILD_A, "kept"))
    before_schema, before_versions = schema(db_path), versions(db_path)
    for _ in range(3):
        async with await open_store(db_path) as store:
            got = await store.get_article(GUILD_A, 1)
            assert got is not None and got.text == "kept"
    assert schema(db_path) == before_schema
    assert versions(db_path) == before_versions


async def test_a_later_migration_applies_once_and_a_failed_one_rolls_back(db_path: Path) -> None:
    async with await open_store(db_path) as store:
        await store.add_article(article(GUILD_A, "kept"))
    current = load_migrations()
    extra = Migration(len(current) + 1, "add_notes", "CREATE TABLE notes (x TEXT);\n")
    broken = Migration(
        len(current) + 2,
        "broken",
        "CREATE TABLE half_done (x TEXT);\nINSERT INTO no_such_table VALUES (1);\n",
    )
    db = await aiosqlite.connect(db_path, isolation_level=None)
    try:
        assert await apply_migrations(db, [*current, extra], where="test") == [extra.version]
        assert await apply_migrations(db, [*current, extra], where="test") == []
        with pytest.raises(sqlite3.OperationalError):
            await apply_migrations(db, [*current, extra, broken], where="test")
        assert not db.in_transaction
    finally:
        await db.close()
    names = {name for _, name, _ in schema(db_path)}
    assert "notes" in names and "half_done" not in names
    assert versions(db_path)[-1][:2] == (extra.version, "add_notes")


async def test_a_newer_database_is_refused_and_left_unchanged(db_path: Path) -> None:
    async with await open_store(db_path) as store:
        await store.add_article(article(GUILD_A, "precious"))
    newer = len(load_migrations()) + 5
    db = sqlite3.connect(db_path)
    db.execute("INSERT INTO schema_migrations VALUES (?, 'from_the_future', 0)", (newer,))
    db.execute("CREATE TABLE future_table (x)")
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = digest(db_path)

    with pytest.raises(SchemaTooNewError) as raised:
        await open_store(db_path)
    message = str(raised.value)
    assert f"schema version {newer}" in message and "newer digestbot" in message
    assert f"up to {len(load_migrations())}" in message
    assert isinstance(raised.value, StorageError)

    assert digest(db_path) == before
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT text FROM article_bodies").fetchall() == [("precious",)]
    finally:
        db.close()


async def test_a_newer_rollback_journal_database_keeps_its_journal_mode(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name, applied_at)")
    db.execute("INSERT INTO schema_migrations VALUES (999, 'x', 0)")
    db.commit()
    db.close()
    before = digest(db_path)
    with pytest.raises(SchemaTooNewError):
        await open_store(db_path)
    assert digest(db_path) == before  # not even switched to WAL


async def test_foreign_files_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE users (id INTEGER)")
    db.commit()
    db.close()
    before = digest(other)
    with pytest.raises(StorageError, match="not a digestbot database"):
        await open_store(other)
    assert digest(other) == before

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database file at all" * 200)
    with pytest.raises(StorageError, match="cannot open it as a digestbot database: file is not"):
        await open_store(garbage)
