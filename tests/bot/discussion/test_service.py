"""The discussion service on a real SQLite store: which article a command or a message means,
reads saved by the cache and invalidated exactly, answers, summaries and facts."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.article import ENGINE_VERSION, Digest, Summary
from bot.config import Settings
from bot.discussion import Discussion, asks, follow_up_of
from bot.errors import ArticleNotFound, NoCurrentArticle
from bot.interactions import Location
from bot.workers import Workers, Zygote
from storage import ArticleChange, NewArticle, Store, StoredArticle, open_store
from tests.bot.articles import new_article

SAMPLE = (Path(__file__).parents[2] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()
OTHER = "Paris hosted 12 city council meetings in 2024.\n\nThe mayor said 3 more will follow."
GUILD, CHANNEL, ELSEWHERE, THREAD = 1, 10, 11, 12


class CountingStore:
    """The real store, counting the reads the service makes of it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.reads = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def get_article(self, guild_id: int, number: int) -> StoredArticle | None:
        self.reads += 1
        return await self._store.get_article(guild_id, number)

    async def latest_article(
        self, guild_id: int, *, channel_id: int | None = None
    ) -> StoredArticle | None:
        self.reads += 1
        return await self._store.latest_article(guild_id, channel_id=channel_id)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[CountingStore]:
    opened = await open_store(tmp_path / "db.sqlite3")
    try:
        yield CountingStore(opened)
    finally:
        await opened.close()


@pytest.fixture
async def discussion(store: CountingStore, zygote: Zygote) -> AsyncIterator[Discussion]:
    workers = Workers(Settings(), zygote=zygote)
    service = Discussion(store, workers)  # type: ignore[arg-type]
    try:
        yield service
    finally:
        await service.close()
        await workers.close()


async def _add(store: CountingStore, discussion: Discussion, new: NewArticle) -> StoredArticle:
    stored = (await store.add_article(new)).article
    discussion.added(stored)  # as `DigestBot` does for every article its store adds
    return stored


async def test_which_article_a_command_means(store: CountingStore, discussion: Discussion) -> None:
    with pytest.raises(NoCurrentArticle):
        await discussion.current_article(GUILD, Location(None, (CHANNEL,)))
    one = await _add(
        store, discussion, new_article(SAMPLE, title="Sample", guild_id=GUILD, channel_id=CHANNEL)
    )
    two = await _add(
        store, discussion, new_article(OTHER, title="Paris", guild_id=GUILD, channel_id=ELSEWHERE)
    )
    here = Location(None, (CHANNEL,))
    assert (await discussion.current_article(GUILD, here)).number == 1  # this channel's
    nowhere = Location(None, (99,))
    assert (await discussion.current_article(GUILD, nowhere)).number == 2  # the server's
    await store.link_message(GUILD, 500, 2)
    replying = Location(None, (CHANNEL,), reply_to=500)
    assert (await discussion.current_article(GUILD, replying)).number == 2  # what it replies to
    await store.link_thread(GUILD, THREAD, 1)
    thread = Location(THREAD, (THREAD, ELSEWHERE), reply_to=500)
    assert (await discussion.current_article(GUILD, thread)).number == 1  # the thread's first
    assert one.number == 1 and two.number == 2


async def test_known_articles_read_nothing_and_changes_invalidate(
    store: CountingStore, discussion: Discussion
) -> None:
    await _add(
        store, discussion, new_article(SAMPLE, title="Sample", guild_id=GUILD, channel_id=CHANNEL)
    )
    here = Location(None, (CHANNEL,))
    await discussion.current_article(GUILD, here)
    await discussion.resolve(GUILD, "#1")
    reads = store.reads
    for _ in range(5):
        assert (await discussion.current_article(GUILD, here)).number == 1
        assert (await discussion.resolve(GUILD, "1")).number == 1
        assert (await discussion.get_article(GUILD, 1)) is not None
    assert store.reads == reads  # all from the cache
    # a new article in this channel is its latest at once
    await _add(
        store, discussion, new_article(OTHER, title="Paris", guild_id=GUILD, channel_id=CHANNEL)
    )
    assert (await discussion.current_article(GUILD, here)).number == 2
    # a deleted one is gone at once
    assert await store.delete_article(GUILD, 2)
    discussion.deleted(GUILD, 2)
    with pytest.raises(ArticleNotFound):
        await discussion.resolve(GUILD, "#2")
    assert (await discussion.current_article(GUILD, here)).number == 1


async def test_other_processes_changes_invalidate(
    store: CountingStore, discussion: Discussion
) -> None:
    # What another process does reaches the store, and the service through `changed` only.
    here = Location(None, (CHANNEL,))
    await store.add_article(new_article(SAMPLE, title="Sample", guild_id=GUILD, channel_id=CHANNEL))
    assert (await discussion.current_article(GUILD, here)).number == 1
    await store.add_article(new_article(OTHER, title="Paris", guild_id=GUILD, channel_id=CHANNEL))
    assert (await discussion.current_article(GUILD, here)).number == 1  # not told yet
    discussion.changed(ArticleChange("added", GUILD, 2, CHANNEL))
    assert (await discussion.current_article(GUILD, here)).number == 2
    assert (await discussion.resolve(GUILD, "#2")).title == "Paris"
    discussion.links.add(GUILD, 700, 2)  # an answer about #2, its link not written yet
    assert await store.delete_article(GUILD, 2)
    assert (await discussion.resolve(GUILD, "#2")).title == "Paris"  # not told yet: cached
    discussion.changed(ArticleChange("deleted", GUILD, 2))
    with pytest.raises(ArticleNotFound):
        await discussion.resolve(GUILD, "#2")
    assert await discussion.links.article_for_message(GUILD, 700) is None
    assert (await discussion.current_article(GUILD, here)).number == 1
    # a digest made again elsewhere: the cached copy (with the old digest) is read again
    assert await store.update_analysis(GUILD, 1, {"x": 1}, "engine-9")
    discussion.changed(ArticleChange("changed", GUILD, 1))
    assert (await discussion.get_article(GUILD, 1)).engine_version == "engine-9"  # type: ignore[union-attr]
    # changes may have been missed: nothing cached is kept, nor cached until it listens again
    discussion.reset(False)
    reads = store.reads
    for _ in range(3):
        assert (await discussion.current_article(GUILD, here)).number == 1
        await discussion.get_article(GUILD, 1)
    assert store.reads == reads + 6
    discussion.reset(True)
    await discussion.current_article(GUILD, here)
    reads = store.reads
    await discussion.current_article(GUILD, here)
    assert store.reads == reads  # cached again


async def test_answers_summaries_and_facts(store: CountingStore, discussion: Discussion) -> None:
    stored = await _add(
        store, discussion, new_article(SAMPLE, title="Sample", guild_id=GUILD, channel_id=CHANNEL)
    )
    answer = await discussion.answer(stored, "Which chips does Anthropic use?")
    embeds = answer.first.embeds
    assert embeds and (embeds[0].title or "").startswith("¶1")
    answers = discussion.workers.answers
    assert answers.holders((GUILD, 1)) == answers.pids  # parsed once, kept by its worker
    not_covered = await discussion.answer(stored, "Who painted the Mona Lisa?")
    assert "doesn't seem to cover that" in (not_covered.first.content or "")
    summary = await discussion.summarize(stored, max_sentences=2)
    assert 1 <= len(summary.tldr) <= 2
    facts = await discussion.key_facts(stored, limit=3, exclude=summary.tldr)
    assert facts and not {f.text for f in facts} & set(summary.tldr)


async def test_follow_ups(store: CountingStore, discussion: Discussion) -> None:
    me = 42
    assert follow_up_of("Which chips?", me) == follow_up_of("  Which   chips? ", me)
    found = follow_up_of("<@42> tell me about the chips", me)
    assert found is not None and found.mentioned and found.question == "tell me about the chips"
    assert follow_up_of("<@!42>", me) is None  # a mention alone asks nothing
    assert follow_up_of("thanks, nice digest", me) is None
    stored = await _add(
        store, discussion, new_article(SAMPLE, title="Sample", guild_id=GUILD, channel_id=CHANNEL)
    )
    discussion.link(GUILD, None, stored.number)  # nothing sent: nothing linked
    await store.link_thread(GUILD, THREAD, 1)
    assert await discussion.follow_up_article(GUILD, Location(THREAD, (THREAD,))) == 1
    assert await discussion.follow_up_article(GUILD, Location(None, (CHANNEL,), 77)) is None
    discussion.links.add(GUILD, 77, 1)  # readable before it is written
    assert await discussion.follow_up_article(GUILD, Location(None, (CHANNEL,), 77)) == 1


def test_asks() -> None:
    assert asks("Which chips?", mentioned=False)
    assert asks("which chips ？ ", mentioned=False)
    assert asks("tell me about the chips", mentioned=True)
    assert not asks("thanks, nice digest", mentioned=False)


def _stale(new: NewArticle, **changes: Any) -> NewArticle:
    """`new` as an older engine stored it: another version, another digest."""
    old = Digest("Old", Summary(["(an old digest)"], []), [], len(new.paragraphs), 1, "0").to_dict()
    return dataclasses.replace(new, analysis=old, engine_version="0", **changes)


async def test_a_digest_stored_by_an_older_engine_is_made_again_once(
    store: CountingStore, discussion: Discussion
) -> None:
    analyses = discussion.workers.articles.stats  # requests to the articles workers
    new = new_article(SAMPLE, title="Sample", guild_id=GUILD, channel_id=CHANNEL)
    stored = (await store.add_article(_stale(new))).article
    assert stored.engine_version == "0"
    digests = await asyncio.gather(*(discussion.digest(stored) for _ in range(5)))
    assert analyses.done == 1  # readers at the same time share one analysis
    assert all(d is digests[0] for d in digests)
    fresh = digests[0]
    assert fresh.engine_version == ENGINE_VERSION and fresh.summary.tldr != ["(an old digest)"]
    assert fresh.summary.tldr_paragraphs  # this engine's paragraphs
    await discussion.written()
    again = await store.get_article(GUILD, stored.number)
    assert again is not None and again.engine_version == ENGINE_VERSION
    assert Digest.from_dict(again.analysis) == fresh  # written back
    assert await discussion.digest(stored) is fresh  # the old row read again: no new analysis
    assert await discussion.digest(again) == fresh and analyses.done == 1


async def test_a_stored_digest_stays_when_the_paragraphs_parse_otherwise(
    store: CountingStore, discussion: Discussion
) -> None:
    new = new_article(SAMPLE, title="Sample", guild_id=GUILD, channel_id=CHANNEL)
    merged = [(1, None, " ".join(text for _, _, text in new.paragraphs))]  # not as parsed now
    stored = (await store.add_article(_stale(new, paragraphs=merged))).article
    kept = await discussion.digest(stored)
    assert kept.summary.tldr == ["(an old digest)"] and kept.engine_version == "0"
    await discussion.written()
    row = await store.get_article(GUILD, stored.number)
    assert row is not None and row.engine_version == "0"  # untouched
    assert (await discussion.digest(stored)).engine_version == "0"  # and not tried again
