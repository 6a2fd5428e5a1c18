"""The discussion cog's parts: paragraph ranges, what counts as asking, the caches, the turn
queue, pending links, deferral and cooldowns."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from discord.ext import commands

from bot.errors import UserError
from cogs import discuss
from cogs.discuss import (
    ArticleCache,
    Busy,
    Cooldowns,
    PendingLinks,
    StoredCache,
    TurnQueue,
    asks,
    in_time,
    parse_paragraphs,
)
from storage import StoredArticle, StoredParagraph

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("4", [4]),
        ("2-5", [2, 3, 4, 5]),
        ("1,3", [1, 3]),
        (" ¶2–3, 5 ", [2, 3, 5]),
        ("5-2", [2, 3, 4, 5]),
        ("3 1", [3, 1]),
        ("1, 1-2", [1, 2]),
        ("#4", [4]),
        ("2 - 4", [2, 3, 4]),
    ],
)
def test_paragraph_specs(spec: str, expected: list[int]) -> None:
    assert parse_paragraphs(spec, 8) == expected


@pytest.mark.parametrize(
    ("spec", "count", "message"),
    [
        ("9", 8, "There is no ¶9: this article has ¶1–8."),
        ("0", 8, "There is no ¶0: this article has ¶1–8."),
        ("3-12", 8, "There is no ¶12"),
        ("2", 1, "this article has ¶1."),
        ("two", 8, "is not a paragraph number"),
        ("", 8, "Name paragraphs like"),
        ("1-6", 8, "I quote up to 5 at once (e.g. `1-5`)"),
        ("1,2,3,4,5,6", 8, "up to 5 paragraphs"),
    ],
)
def test_bad_paragraph_specs_name_the_valid_range(spec: str, count: int, message: str) -> None:
    with pytest.raises(UserError) as info:
        parse_paragraphs(spec, count)
    assert message in info.value.user_message


def test_asks() -> None:
    assert asks("Which chips?", mentioned=False)
    assert asks("which chips ？ ", mentioned=False)
    assert asks("tell me about the chips", mentioned=True)
    assert not asks("thanks, nice digest", mentioned=False)


def _stored(number: int, text: str = SAMPLE, guild: int = 1) -> StoredArticle:
    return StoredArticle(
        guild_id=guild,
        number=number,
        channel_id=None,
        author_id=1,
        title=None,
        source_kind="text",
        source_ref=None,
        created_at=datetime.now(UTC),
        text=text,
        paragraphs=[StoredParagraph(i, None, "p") for i in range(1, 5)],
        analysis={},
        engine_version="",
        meta={},
    )


async def test_article_cache_parses_once_and_evicts_least_recent() -> None:
    calls: list[str] = []
    real = discuss.prepare_article

    def counting(text: str, title: str | None):  # type: ignore[no-untyped-def]
        calls.append(text)
        return real(text, title)

    with ThreadPoolExecutor(2) as pool, pytest.MonkeyPatch.context() as mp:
        mp.setattr(discuss, "prepare_article", counting)
        cache = ArticleCache(pool, max_articles=2)
        first = await asyncio.gather(*(cache.get(_stored(1)) for _ in range(20)))
        assert len(calls) == 1 and all(a is first[0] for a in first)
        assert [p.number for p in first[0].paragraphs] == [1, 2, 3, 4]
        await cache.get(_stored(2))
        await cache.get(_stored(1))  # 1 is now the most recent
        await cache.get(_stored(3))  # evicts 2
        assert _stored(1) in cache and _stored(3) in cache and _stored(2) not in cache
        assert _stored(1, guild=2) not in cache  # keyed by guild too
        small = ArticleCache(pool, max_chars=len(SAMPLE) + 1)
        await small.get(_stored(1))
        await small.get(_stored(2))
        assert _stored(2) in small and _stored(1) not in small


def test_stored_cache_is_exact() -> None:
    cache = StoredCache(max_articles=2)
    one, two, three = _stored(1), _stored(2), _stored(3)
    generation = cache.generation
    cache.put_latest(1, 10, one, generation)
    cache.put_latest(1, None, one, generation)
    cache.put_latest(1, 11, None, generation)  # no article in channel 11
    assert cache.get(1, 1) is one and cache.get(2, 1) is None  # keyed by guild too
    assert cache.latest(1, 10) == (True, one) and cache.latest(1, None) == (True, one)
    assert cache.latest(1, 11) == (True, None) and cache.latest(1, 12) == (False, None)
    # a new article in channel 11 changes the latest of channel 11 and of the server only
    cache.added(dataclasses.replace(two, channel_id=11))
    assert cache.latest(1, 11) == (False, None) and cache.latest(1, None) == (False, None)
    assert cache.latest(1, 10) == (True, one)
    # a read that was under way meanwhile is not kept
    cache.put(two, generation)
    assert cache.get(1, 2) is None
    cache.put(two, cache.generation)
    assert cache.get(1, 2) is two
    # deleting forgets the article and every "latest" that pointed at it
    cache.deleted(1, 1)
    assert cache.get(1, 1) is None and cache.latest(1, 10) == (False, None)
    # bounded: the least recently used goes, with its "latest" entries
    cache.put_latest(1, 10, three, cache.generation)
    cache.put(one, cache.generation)
    assert cache.get(1, 2) is None and cache.latest(1, 10) == (True, three)


async def test_turn_queue_runs_one_job_a_turn_in_order() -> None:
    turns = TurnQueue()
    ran: list[str] = []
    ticks: list[int] = []

    async def ticker() -> None:
        for i in range(10):
            ticks.append(i)
            await asyncio.sleep(0)

    def job(name: str) -> str:
        ran.append(f"{name}@{len(ticks)}")
        if name == "bad":
            raise ValueError(name)
        return name

    tick = asyncio.create_task(ticker())
    futures = [turns.submit(lambda n=n: job(n)) for n in ("a", "b", "bad", "c")]
    results = await asyncio.gather(*futures, return_exceptions=True)
    await tick
    assert results[:2] == ["a", "b"] and isinstance(results[2], ValueError)
    assert results[3] == "c"
    # in order, and the loop turned (the ticker ran) between any two jobs
    starts = [int(r.split("@")[1]) for r in ran]
    assert [r.split("@")[0] for r in ran] == ["a", "b", "bad", "c"]
    assert all(b > a for a, b in itertools.pairwise(starts))


class _LinkStore:
    def __init__(self) -> None:
        self.links: dict[tuple[int, int], int] = {}
        self.writes = 0

    async def link_message(self, guild_id: int, message_id: int, number: int) -> None:
        await asyncio.sleep(0)
        self.writes += 1
        self.links[(guild_id, message_id)] = number

    async def article_for_message(self, guild_id: int, message_id: int) -> int | None:
        return self.links.get((guild_id, message_id))


async def test_pending_links_are_read_at_once_and_written_when_quiet() -> None:
    store = _LinkStore()
    busy = Busy()
    links = PendingLinks(store, busy.quiet, pause=0.01)  # type: ignore[arg-type]
    with busy:
        links.add(1, 100, 7)
        links.add(1, 101, 8)
        assert await links.article_for_message(1, 100) == 7  # before it is written
        with busy:
            await asyncio.sleep(0.05)
        assert busy.count == 1 and store.writes == 0  # a question is still being answered
    await asyncio.sleep(0.05)
    assert store.links == {(1, 100): 7, (1, 101): 8}
    assert await links.article_for_message(2, 100) is None  # keyed by guild
    links.add(1, 102, 9)
    await links.close()  # writes what is pending
    assert store.links[(1, 102)] == 9


class _Response:
    def __init__(self) -> None:
        self.deferred = 0
        self._done = False

    def is_done(self) -> bool:
        return self._done

    async def defer(self, *, thinking: bool) -> None:
        await asyncio.sleep(0.01)
        self.deferred += 1
        self._done = True


class _Interaction:
    def __init__(self) -> None:
        self.response = _Response()


async def test_in_time_defers_slow_work_only_and_waits_for_the_deferral() -> None:
    fast = _Interaction()
    assert await in_time(fast, asyncio.sleep(0, "x"), defer_after=0.05) == "x"  # type: ignore[arg-type]
    assert fast.response.deferred == 0
    slow = _Interaction()
    assert await in_time(slow, asyncio.sleep(0.1, "y"), defer_after=0.01) == "y"  # type: ignore[arg-type]
    assert slow.response.deferred == 1 and slow.response.is_done()
    # the work finishes while the deferral is in flight: in_time returns after it
    racing = _Interaction()
    assert await in_time(racing, asyncio.sleep(0.012, "z"), defer_after=0.01) == "z"  # type: ignore[arg-type]
    assert racing.response.is_done() == (racing.response.deferred == 1)


def test_cooldowns_sweep_now_and_then_and_stale_buckets_act_fresh() -> None:
    mapping = Cooldowns(lambda: (1, 60.0), commands.BucketType.user)
    message = SimpleNamespace(author=SimpleNamespace(id=5))
    bucket = mapping.get_bucket(message, 1000.0)  # type: ignore[arg-type]
    assert bucket is not None and bucket.update_rate_limit(1000.0) is None
    assert bucket.update_rate_limit(1001.0)  # on cooldown
    mapping.get_bucket(SimpleNamespace(author=SimpleNamespace(id=6)), 1005.0)  # type: ignore[arg-type]
    assert len(mapping._cache) == 2  # not swept: less than `sweep_every` since the last sweep
    again = mapping.get_bucket(message, 1070.0)  # type: ignore[arg-type]
    assert again is not None and again.update_rate_limit(1070.0) is None  # its window passed
    mapping.get_bucket(message, 1200.0)  # type: ignore[arg-type]
    assert len(mapping._cache) == 1  # swept: user 6 is gone
