"""Migrations: from empty, re-open as a no-op, a failed migration, a newer database refused."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import pytest

from storage import SchemaTooNewError, StorageError, open_store
from storage.migrate import Migration, apply_migrations, load_migrations, split_statements
from storage.postgres import apply_pg_migrations
from storage.tempserver import TempPostgres

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
        failed = f"migration {broken.version:04d}_broken failed"
        with pytest.raises(StorageError, match=failed) as raised:
            await apply_migrations(db, [*current, extra, broken], where="test")
        assert "no such table: no_such_table" in str(raised.value)
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


# -- PostgreSQL -------------------------------------------------------------------------------


async def pg_snapshot(url: str) -> list[Any]:
    """Everything a migration or a refused open could change: tables, columns, indexes, the
    migration records and the data."""
    connection = await asyncpg.connect(url)
    try:
        columns = await connection.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() ORDER BY 1, 2"
        )
        indexes = await connection.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " ORDER BY 1"
        )
        tables = [r[0] for r in columns]
        data = []
        for table in sorted(set(tables)):
            data.append(await connection.fetch(f'SELECT * FROM "{table}" ORDER BY 1'))
        return [list(columns), list(indexes), data]
    finally:
        await connection.close()


def test_pg_migration_files_are_package_data_numbered_without_gaps() -> None:
    migrations = load_migrations(folder="pg_migrations")
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "initial"


async def test_pg_migrates_an_empty_database_and_reopen_is_a_no_op(pg_server: TempPostgres) -> None:
    url = pg_server.create_database("migrate_empty")
    async with await open_store(url) as store:
        await store.add_article(article(GUILD_A, "kept"))
    before = await pg_snapshot(url)
    names = {c[0] for c in before[0]}
    assert {"articles", "article_bodies", "paragraphs", "guilds", "search_index"} <= names
    assert {"message_links", "thread_links", "schema_migrations"} <= names
    migrations = load_migrations(folder="pg_migrations")
    assert [tuple(r)[:2] for r in before[2][sorted(names).index("schema_migrations")]] == [
        (m.version, m.name) for m in migrations
    ]
    for _ in range(3):
        async with await open_store(url) as store:
            got = await store.get_article(GUILD_A, 1)
            assert got is not None and got.text == "kept"
    assert await pg_snapshot(url) == before


async def test_pg_a_later_migration_applies_once_and_a_failed_one_rolls_back(
    pg_server: TempPostgres,
) -> None:
    url = pg_server.create_database("migrate_failed")
    async with await open_store(url) as store:
        await store.add_article(article(GUILD_A, "kept"))
    current = load_migrations(folder="pg_migrations")
    extra = Migration(len(current) + 1, "add_notes", "CREATE TABLE notes (x text);")
    broken = Migration(
        len(current) + 2,
        "broken",
        "CREATE TABLE half_done (x text);\nALTER TABLE articles ADD COLUMN y int;\n"
        "INSERT INTO no_such_table VALUES (1);",
    )
    connection = await asyncpg.connect(url)
    try:
        assert await apply_pg_migrations(connection, [*current, extra], where="t") == [
            extra.version
        ]
        assert await apply_pg_migrations(connection, [*current, extra], where="t") == []
        before = await pg_snapshot(url)
        failed = rf"migration {broken.version:04d}_broken failed.*no_such_table"
        with pytest.raises(StorageError, match=failed):
            await apply_pg_migrations(connection, [*current, extra, broken], where="t")
        assert not connection.is_in_transaction()
    finally:
        await connection.close()
    assert await pg_snapshot(url) == before  # no half_done table, no column y, data kept


async def test_pg_a_newer_database_is_refused_and_left_unchanged(pg_server: TempPostgres) -> None:
    url = pg_server.create_database("migrate_newer")
    async with await open_store(url) as store:
        await store.add_article(article(GUILD_A, "precious"))
    newer = len(load_migrations(folder="pg_migrations")) + 5
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "INSERT INTO schema_migrations VALUES ($1, 'from_the_future', 0)", newer
        )
        await connection.execute("CREATE TABLE future_table (x int)")
    finally:
        await connection.close()
    before = await pg_snapshot(url)
    with pytest.raises(SchemaTooNewError) as raised:
        await open_store(url)
    message = str(raised.value)
    assert f"schema version {newer}" in message and "newer digestbot" in message
    assert pg_server.password not in message
    assert await pg_snapshot(url) == before


async def test_pg_foreign_databases_are_refused(pg_server: TempPostgres) -> None:
    url = pg_server.create_database("migrate_foreign")
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE TABLE users (id int); INSERT INTO users VALUES (1)")
    finally:
        await connection.close()
    before = await pg_snapshot(url)
    with pytest.raises(StorageError, match="not a digestbot database"):
        await open_store(url)
    assert await pg_snapshot(url) == before
