"""Concurrent use from many asyncio tasks: no lost, duplicated or mixed-up articles."""

from __future__ import annotations

import asyncio
import random
import sqlite3

from .conftest import GUILD_A, GUILD_B, AnyStore, Backend, article


async def test_200_concurrent_adds(store: AnyStore, backend: Backend) -> None:
    async def add(i: int) -> tuple[int, int]:
        await asyncio.sleep(random.random() / 100)
        guild = GUILD_A if i % 4 else GUILD_B
        result = await store.add_article(article(guild, f"Article {i}.\n\nBody of {i}."))
        assert result.created
        return i, result.article.number

    results = await asyncio.gather(*(add(i) for i in range(200)))
    a_numbers = sorted(n for i, n in results if i % 4)
    b_numbers = sorted(n for i, n in results if not i % 4)
    assert a_numbers == list(range(1, 151))
    assert b_numbers == list(range(1, 51))
    # Every number holds the text its add reported.
    for i, number in results:
        got = await store.get_article(GUILD_A if i % 4 else GUILD_B, number)
        assert got is not None and got.text == f"Article {i}.\n\nBody of {i}."
        assert [p.text for p in got.paragraphs] == [f"Article {i}.", f"Body of {i}."]
    assert (await store.list_articles(GUILD_A)).total == 150
    assert await backend.count("paragraphs") == 400


async def test_concurrent_duplicates_make_one_article(store: AnyStore) -> None:
    texts = ["Same text,  again " + " " * (i % 3) for i in range(50)]
    results = await asyncio.gather(*(store.add_article(article(GUILD_A, t)) for t in texts))
    assert sum(r.created for r in results) == 1
    assert {r.article.number for r in results} == {1}
    assert (await store.list_articles(GUILD_A)).total == 1


async def test_reads_during_writes_see_whole_articles(store: AnyStore) -> None:
    stop = asyncio.Event()
    seen: list[list[int]] = [[], []]

    async def reader(mine: list[int]) -> None:
        while not stop.is_set():
            latest = await store.latest_article(GUILD_A)
            if latest is not None:
                # An article is never visible without all of its paragraphs.
                assert len(latest.paragraphs) == 3
                mine.append(latest.number)
            await asyncio.sleep(0)

    async def writer() -> None:
        for i in range(60):
            await store.add_article(article(GUILD_A, f"{i} one\n\n{i} two\n\n{i} three"))
            if i % 5 == 4:
                await store.delete_article(GUILD_A, i)
        stop.set()

    await asyncio.gather(reader(seen[0]), reader(seen[1]), writer())
    # To each reader, the newest article never goes back in time. (Two readers' answers may
    # arrive in either order: with PostgreSQL each has its own connection.)
    for mine in seen:
        assert mine and mine == sorted(mine)


async def test_cancelled_add_leaves_no_half_article(backend: Backend) -> None:
    store = await backend.open()
    try:
        for i in range(30):
            task = asyncio.create_task(store.add_article(article(GUILD_A, f"text {i}\n\nmore")))
            await asyncio.sleep(random.random() / 500)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        # The store still works, and every article it kept is whole.
        result = await store.add_article(article(GUILD_A, "after"))
        assert result.created
        page = await store.list_articles(GUILD_A, limit=100)
        for info in page.items:
            got = await store.get_article(GUILD_A, info.number)
            assert got is not None and len(got.paragraphs) == info.paragraph_count
        assert page.total == len(page.items)
        numbers = [i.number for i in page.items]
        assert len(set(numbers)) == len(numbers)
    finally:
        await store.close()
    # Every article has its body and all its paragraphs, and nothing else is left behind.
    assert await backend.fetch(
        """
        SELECT count(*) FROM articles AS a
        WHERE NOT EXISTS (SELECT 1 FROM article_bodies AS b WHERE b.article_id = a.id)
            OR a.paragraph_count <> (SELECT count(*) FROM paragraphs AS p
                                     WHERE p.article_id = a.id)
        """
    ) == [(0,)]
    assert await backend.fetch(
        "SELECT count(*) FROM article_bodies AS b"
        " WHERE NOT EXISTS (SELECT 1 FROM articles AS a WHERE a.id = b.article_id)"
    ) == [(0,)]
    if backend.path is None:
        return
    db = sqlite3.connect(backend.path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.execute("INSERT INTO paragraph_fts (paragraph_fts) VALUES ('integrity-check')")
    finally:
        db.close()
