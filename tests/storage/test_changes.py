"""`Store.watch_changes`: what one process adds, deletes or re-analyses reaches the other
processes on the same PostgreSQL database (LISTEN/NOTIFY, sent in the write's transaction),
never its own writes; a lost listening connection is reported (`reset`) and replaced. SQLite
has one process: nothing to tell."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from storage import ArticleChange, PostgresStore, SQLiteStore
from storage.pg_changes import notify_sql, parse_payload

from .conftest import (
    CHANNEL_1,
    CHANNEL_2,
    GUILD_A,
    GUILD_B,
    AnyStore,
    Backend,
    article,
    new_backend,
)


class Watcher:
    """Records what a store tells; `wait_for` waits for a number of events."""

    def __init__(self) -> None:
        self.events: list[ArticleChange | tuple[str, bool]] = []
        self._changed = asyncio.Event()

    def changed(self, change: ArticleChange) -> None:
        self.events.append(change)
        self._changed.set()

    def reset(self, live: bool) -> None:
        self.events.append(("reset", live))
        self._changed.set()

    async def wait_for(self, count: int, within: float = 5.0) -> list[object]:
        async def until() -> None:
            while len(self.events) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), within)
        return list(self.events)


@pytest.fixture
def pg(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    return new_backend("postgresql", tmp_path, request)


@pytest.fixture
async def two(pg: Backend) -> AsyncIterator[tuple[AnyStore, AnyStore, Watcher]]:
    """Two stores on one database (two processes' worth), the second one watching."""
    first, second = await pg.open(), await pg.open()
    watcher = Watcher()
    try:
        await second.watch_changes(watcher)
        assert await watcher.wait_for(1) == [("reset", True)]  # listening from the start
        watcher.events.clear()
        yield first, second, watcher
    finally:
        await first.close()
        await second.close()


async def test_other_processes_writes_are_heard(two: tuple[AnyStore, AnyStore, Watcher]) -> None:
    first, second, watcher = two
    added = (await first.add_article(article(GUILD_A, "One.\n\nTwo."))).article
    elsewhere = article(GUILD_B, "Three.", channel_id=CHANNEL_2)
    added_b = (await first.add_article(elsewhere)).article
    nowhere = article(GUILD_B, "Four.", channel_id=None)
    added_c = (await first.add_article(nowhere)).article
    assert not (await first.add_article(article(GUILD_A, "One.\n\nTwo."))).created  # no news
    assert await first.update_analysis(GUILD_A, added.number, {"x": 1}, "engine-2")
    assert await first.delete_article(GUILD_A, added.number)
    assert not await first.delete_article(GUILD_A, added.number)  # nothing left to delete
    assert not await first.update_analysis(GUILD_A, 99, {}, "engine-2")
    assert await watcher.wait_for(5) == [
        ArticleChange("added", GUILD_A, added.number, CHANNEL_1),
        ArticleChange("added", GUILD_B, added_b.number, CHANNEL_2),
        ArticleChange("added", GUILD_B, added_c.number, None),
        ArticleChange("changed", GUILD_A, added.number),
        ArticleChange("deleted", GUILD_A, added.number),
    ]
    # the watching store's own writes are not news to it
    own = (await second.add_article(article(GUILD_A, "Five."))).article
    assert await second.delete_article(GUILD_A, own.number)
    await first.delete_article(GUILD_B, added_b.number)  # a marker: heard after the above
    events = await watcher.wait_for(6)
    assert events[5:] == [ArticleChange("deleted", GUILD_B, added_b.number)]


async def test_a_rolled_back_write_is_not_heard(
    two: tuple[AnyStore, AnyStore, Watcher], pg: Backend
) -> None:
    first, _, watcher = two
    stored = (await first.add_article(article(GUILD_A, "Kept."))).article
    await watcher.wait_for(1)
    connection = await asyncpg.connect(pg.location)
    try:
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute(notify_sql("0ther", "deleted", GUILD_A, stored.number))
        await transaction.rollback()
        await connection.execute(notify_sql("0ther", "deleted", GUILD_A, 77))
        await connection.execute("SELECT pg_notify('digestbot_articles', 'not ours')")
    finally:
        await connection.close()
    events = await watcher.wait_for(2)
    await asyncio.sleep(0.2)
    assert watcher.events == [events[0], ArticleChange("deleted", GUILD_A, 77)]


async def test_a_lost_listening_connection_resets_and_comes_back(
    two: tuple[AnyStore, AnyStore, Watcher], pg: Backend
) -> None:
    first, second, watcher = two
    assert isinstance(second, PostgresStore) and second.changes is not None
    second.changes.check_every = 0.2
    killed = await pg.fetch(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = 'digestbot-changes'"
    )
    assert killed == [(1,)]
    # told at once that changes may be missed (cache nothing), then that it listens again
    assert await watcher.wait_for(2, within=10) == [("reset", False), ("reset", True)]
    stored = (await first.add_article(article(GUILD_A, "After the reconnect."))).article
    events = await watcher.wait_for(3)
    assert events[2] == ArticleChange("added", GUILD_A, stored.number, CHANNEL_1)


async def test_a_listener_that_cannot_connect_keeps_trying(pg: Backend) -> None:
    store = await pg.open()
    try:
        assert isinstance(store, PostgresStore)
        store._listen_url = pg.location.replace(f":{pg.server.port}/", ":1/")  # type: ignore[union-attr]
        watcher = Watcher()
        await store.watch_changes(watcher)
        # started anyway: nothing may be cached until it listens
        assert watcher.events == [("reset", False)]
        assert store.changes is not None and not store.changes.connected
        store._listen_url = store.changes._url = pg.location
        assert await watcher.wait_for(2, within=10) == [("reset", False), ("reset", True)]
    finally:
        await store.close()


async def test_sqlite_has_nothing_to_tell(tmp_path: Path) -> None:
    backend = new_backend("sqlite", tmp_path, None)  # type: ignore[arg-type]
    store = await backend.open()
    try:
        assert isinstance(store, SQLiteStore)
        watcher = Watcher()
        await store.watch_changes(watcher)
        added = (await store.add_article(article(GUILD_A, "Alone."))).article
        await store.delete_article(GUILD_A, added.number)
        await asyncio.sleep(0.05)
        assert watcher.events == []
    finally:
        await store.close()


def test_payloads_round_trip_and_strangers_are_ignored() -> None:
    sql = notify_sql("abc123", "added", GUILD_A, 7, CHANNEL_2)
    payload = sql.split("', '")[1].rstrip("')")
    assert parse_payload(payload) == ("abc123", ArticleChange("added", GUILD_A, 7, CHANNEL_2))
    for stranger in ("", "x deleted 1 2", "x gone 1 2 0", "x deleted 1 two 0", "a b c d e f"):
        assert parse_payload(stranger) is None
    with pytest.raises(ValueError):
        notify_sql("x'; DROP TABLE articles; --", "deleted", 1, 1)


async def test_a_link_racing_another_processs_delete_records_nothing(
    two: tuple[AnyStore, AnyStore, Watcher], pg: Backend
) -> None:
    first, _, _ = two
    stored = (await first.add_article(article(GUILD_A, "Soon gone."))).article
    other = await asyncpg.connect(pg.location)
    try:
        deleting = other.transaction()
        await deleting.start()
        await other.execute(
            "DELETE FROM articles WHERE guild_id = $1 AND number = $2", GUILD_A, stored.number
        )
        # the link finds the article, then waits for the delete's row lock ...
        linking = asyncio.create_task(first.link_message(GUILD_A, 555, stored.number))
        await asyncio.sleep(0.3)
        assert not linking.done()
        await deleting.commit()
        await asyncio.wait_for(linking, 5)  # ... and records nothing, as for a deleted one
    finally:
        await other.close()
    assert await first.article_for_message(GUILD_A, 555) is None
