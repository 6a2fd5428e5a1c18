"""Faults: a database that cannot be used is refused at open in one clear line; a PostgreSQL
server that restarts, drops connections or runs out of them costs at most the command in
flight (a `TryAgainError`), never an acknowledged article."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from storage import (
    DatabaseUnreachableError,
    PostgresStore,
    StorageError,
    TryAgainError,
    open_store,
)
from storage.tempserver import TempPostgres

from .conftest import GUILD_A, AnyStore, Backend, article

REPO = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- PostgreSQL: refused at open ------------------------------------------------------------


async def test_unreachable_server(pg_server: TempPostgres) -> None:
    url = f"postgresql://digestbot:secret-pw@127.0.0.1:{closed_port()}/x"
    with pytest.raises(DatabaseUnreachableError) as raised:
        await open_store(url, connect_timeout=5)
    message = str(raised.value)
    assert message.startswith("cannot reach PostgreSQL at 127.0.0.1:")
    assert "secret-pw" not in message and "\n" not in message


async def test_wrong_password_unknown_user_and_missing_database(pg_server: TempPostgres) -> None:
    with pytest.raises(DatabaseUnreachableError) as raised:
        await open_store(pg_server.url("postgres", password="not-it"))
    assert str(raised.value) == (
        f"PostgreSQL at 127.0.0.1:{pg_server.port} refused the password of user 'digestbot'"
    )
    with pytest.raises(DatabaseUnreachableError, match="refused"):
        await open_store(pg_server.url("postgres", user="nobody_here"))
    with pytest.raises(DatabaseUnreachableError) as raised:
        await open_store(pg_server.url("no_such_database"))
    assert str(raised.value) == (
        f"PostgreSQL at 127.0.0.1:{pg_server.port} has no database 'no_such_database': "
        f"create it first"
    )
    assert pg_server.password not in str(raised.value)


def run_bot(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_bot_exits_2_with_one_line(pg_server: TempPostgres, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DISCORD_TOKEN": "x" * 30,
        "DIGESTBOT_DB": pg_server.url("postgres", password="wrong-password"),
        "PYTHONPATH": str(REPO),
    }
    done = run_bot(env, tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"digestbot: DIGESTBOT_DB: PostgreSQL at 127.0.0.1:{pg_server.port} refused the "
        f"password of user 'digestbot'"
    ]
    env["DIGESTBOT_DB"] = "mysql://localhost/db"
    done = run_bot(env, tmp_path)
    assert done.returncode == 2 and "DIGESTBOT_DB: unknown database scheme 'mysql'" in done.stderr


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_a_failing_migration_is_rolled_back_and_open_refused(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A database whose first migration cannot apply (here: a `guilds` table is in the way)
    is refused with the migration's name and the reason, and left as it was."""
    from .conftest import new_backend

    backend = new_backend(kind, tmp_path, request)
    if backend.path is not None:
        backend.path.parent.mkdir(parents=True)
        db = sqlite3.connect(backend.path)
        db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name, applied_at)")
        db.execute("CREATE TABLE guilds (x)")
        db.commit()
        db.close()
    else:
        connection = await asyncpg.connect(backend.location)
        await connection.execute(
            "CREATE TABLE schema_migrations (version int PRIMARY KEY, name text, applied_at int);"
            "CREATE TABLE guilds (x int)"
        )
        await connection.close()
    with pytest.raises(StorageError, match=r"migration 0001_initial failed.*guilds") as raised:
        await backend.open()
    assert "\n" not in str(raised.value)
    tables = await backend.fetch(
        "SELECT name FROM sqlite_schema WHERE type = 'table'"
        if backend.path
        else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    )
    assert sorted(t[0] for t in tables) == ["guilds", "schema_migrations"]


# -- PostgreSQL: a server that restarts, drops connections, is busy --------------------------


@pytest.fixture
def own_server() -> Iterator[TempPostgres]:
    """A server of this test's own, to restart without disturbing the others."""
    with TempPostgres(fast=False) as server:
        yield server


async def test_server_restart_loses_nothing_acknowledged(own_server: TempPostgres) -> None:
    url = own_server.create_database("restart")
    store = await open_store(url, acquire_timeout=2.0)
    assert isinstance(store, PostgresStore)
    acknowledged: dict[int, str] = {}
    failed = 0
    stop = asyncio.Event()

    async def writer(w: int) -> None:
        nonlocal failed
        i = 0
        while not stop.is_set():
            i += 1
            text = f"Writer {w} article {i}.\n\nBody {w}/{i}."
            try:
                result = await store.add_article(article(GUILD_A, text))
            except TryAgainError as exc:
                assert "try again" in str(exc)
                failed += 1
                await asyncio.sleep(0.05)
                continue
            assert result.article.number not in acknowledged
            acknowledged[result.article.number] = text

    try:
        writers = [asyncio.create_task(writer(w)) for w in range(3)]
        await asyncio.sleep(0.5)
        before = len(acknowledged)
        await asyncio.to_thread(own_server.restart, mode="fast", down_for=0.5)
        await asyncio.sleep(1.0)
        stop.set()
        await asyncio.gather(*writers)
        assert before > 0 and len(acknowledged) > before, "writes went on after the restart"
        assert failed > 0, "the restart should have failed some commands with TryAgainError"
        # Every acknowledged article is there, whole; numbers were never given twice.
        for number, text in acknowledged.items():
            got = await store.get_article(GUILD_A, number)
            assert got is not None and got.text == text and len(got.paragraphs) == 2
        # An add whose answer was lost in the restart may have been stored all the same
        # (never half): the count is the articles there.
        page = await store.list_articles(GUILD_A, limit=100)
        stored = page.items[0].number - len(
            [
                n
                for n in range(1, page.items[0].number + 1)
                if await store.get_article(GUILD_A, n) is None
            ]
        )
        assert len(acknowledged) <= page.total == stored <= len(acknowledged) + failed
    finally:
        await store.close()


async def test_a_dropped_connection_is_replaced(pg_server: TempPostgres) -> None:
    url = pg_server.create_database("dropped")
    store = await open_store(url, pool_size=3)
    try:
        await store.add_article(article(GUILD_A, "kept"))
        admin = await asyncpg.connect(pg_server.url("postgres"))
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = 'dropped' AND application_name = 'digestbot'"
            )
            assert killed >= 1
            await asyncio.sleep(0.2)
            # A read after the drop just works (a fresh connection, or one retry).
            got = await store.get_article(GUILD_A, 1)
            assert got is not None and got.text == "kept"
            # A write after the drop works too; and a drop in the middle of a command fails
            # only that command.
            assert (await store.add_article(article(GUILD_A, "after"))).article.number == 2

            async def slow_command() -> None:
                async with store._connection() as connection:
                    await connection.fetchval("SELECT pg_sleep(5)")

            sleeper = asyncio.create_task(slow_command())
            await asyncio.sleep(0.3)
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = 'dropped' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()"
            )
            with pytest.raises(TryAgainError):
                await asyncio.wait_for(sleeper, 3)
            assert (await store.add_article(article(GUILD_A, "later"))).article.number == 3
        finally:
            await admin.close()
    finally:
        await store.close()


async def test_a_full_pool_makes_commands_wait_bounded(pg_server: TempPostgres) -> None:
    url = pg_server.create_database("full_pool")
    store = await open_store(url, pool_size=2, acquire_timeout=0.5)
    assert isinstance(store, PostgresStore)
    try:
        held = [await store._pool.acquire() for _ in range(2)]
        started = asyncio.get_running_loop().time()
        with pytest.raises(TryAgainError, match="busy"):
            await store.get_article(GUILD_A, 1)
        waited = asyncio.get_running_loop().time() - started
        assert 0.4 < waited < 3  # waited for a connection, then gave up (retried once at most)
        # A command waiting while a connection comes back gets it.
        waiting = asyncio.create_task(store.add_article(article(GUILD_A, "queued")))
        await asyncio.sleep(0.2)
        await store._pool.release(held.pop())
        assert (await waiting).created
        await store._pool.release(held.pop())
        assert (await store.get_article(GUILD_A, 1)) is not None
    finally:
        await store.close()


# -- SQLite: refused at open ----------------------------------------------------------------


def set_read_only(path: Path, read_only: bool) -> None:
    """Make a database file read-only (root ignores permission bits: an immutable file)."""
    if read_only:
        for extra in ("-wal", "-shm"):
            Path(str(path) + extra).unlink(missing_ok=True)
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if read_only else "-i", str(path)], check=True)
    else:
        path.chmod(0o444 if read_only else 0o644)


def scribble(path: Path) -> None:
    """Overwrite a page in the middle of a database file with noise."""
    size = path.stat().st_size
    assert size > 40 * 4096
    with path.open("r+b") as f:
        f.seek(4096 * (size // 4096 // 2))
        f.write(os.urandom(4096))


async def test_a_read_only_database_is_refused_at_open(db_path: Path) -> None:
    async with await open_store(db_path) as store:
        await store.add_article(article(GUILD_A, "kept"))
    set_read_only(db_path, True)
    try:
        with pytest.raises(StorageError, match="read-only") as raised:
            await open_store(db_path)
        assert "\n" not in str(raised.value)
    finally:
        set_read_only(db_path, False)
    async with await open_store(db_path) as store:  # writable again: fine
        assert (await store.get_article(GUILD_A, 1)) is not None


async def test_a_damaged_database_is_refused_at_open(db_path: Path) -> None:
    async with await open_store(db_path) as store:
        for i in range(200):
            await store.add_article(article(GUILD_A, f"Article {i} " + "words " * 200))
    scribble(db_path)
    with pytest.raises(StorageError, match="damaged") as raised:
        await open_store(db_path)
    assert ".recover" in str(raised.value) and "\n" not in str(raised.value)
    # And the bot says so in one line, exit status 1.
    env = {**os.environ, "DISCORD_TOKEN": "x" * 30, "DIGESTBOT_DB": str(db_path)}
    done = await asyncio.to_thread(run_bot, {**env, "PYTHONPATH": str(REPO)}, db_path.parent)
    assert done.returncode == 1
    assert done.stderr.startswith("digestbot: cannot open the database: ")
    assert "damaged" in done.stderr and len(done.stderr.strip().splitlines()) == 1


async def test_statements_are_not_logged_at_debug(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 11 #13: at LOG_LEVEL=DEBUG aiosqlite logged every statement with its
    parameters (article text, user ids)."""
    secret = "Confidential quartermaster memo"
    with caplog.at_level(logging.DEBUG):
        store: AnyStore = await backend.open()
        try:
            await store.add_article(article(GUILD_A, secret, author_id=987_654_321_987))
            await store.search(GUILD_A, "quartermaster")
            await store.get_article(GUILD_A, 1)
        finally:
            await store.close()
    assert caplog.records, "DEBUG logging was on"
    assert "quartermaster" not in caplog.text.lower()
    assert "987654321987" not in caplog.text
