"""The discussion's cache of store answers: kept exactly and bounded, with indexed
invalidation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.discussion import StoredCache
from storage import StoredArticle
from tests.bot.articles import stored_article

SAMPLE = (Path(__file__).parents[2] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()


def _stored(number: int, text: str = SAMPLE, guild: int = 1) -> StoredArticle:
    return stored_article(number, text, guild_id=guild)


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


def test_latest_answers_are_bounded_and_indexed() -> None:
    """Every channel asked in without an article adds a "none here" answer: they are
    bounded, and what points at an article is indexed, so neither memory nor a delete's
    work grows with the channels asked in (issue 11, item 12)."""
    cache = StoredCache(max_places=100)
    one, two = _stored(1), _stored(2)
    generation = cache.generation
    for channel in range(10_000):  # none here, in 10,000 channels
        cache.put_latest(1, channel, None, generation)
    assert cache.places == 100
    assert cache.latest(1, 9_999) == (True, None) and cache.latest(1, 0) == (False, None)
    cache.put_latest(1, 20_000, one, generation)
    cache.put_latest(1, 20_001, one, generation)
    cache.put_latest(1, None, two, generation)
    assert cache._pointing == {(1, 1): {(1, 20_000), (1, 20_001)}, (1, 2): {(1, None)}}
    # a place answered again points at its new latest only
    cache.put_latest(1, 20_001, two, generation)
    assert cache._pointing == {(1, 1): {(1, 20_000)}, (1, 2): {(1, 20_001), (1, None)}}
    cache.deleted(1, 2)
    assert cache.latest(1, None) == (False, None) and cache.latest(1, 20_001) == (False, None)
    assert cache.latest(1, 20_000) == (True, one)
    assert cache._pointing == {(1, 1): {(1, 20_000)}}
    # a place dropped for room leaves no trace in the index
    for channel in range(30_000, 30_100):
        cache.put_latest(1, channel, None, cache.generation)
    assert cache.latest(1, 20_000) == (False, None) and cache._pointing == {}
    assert cache.places == 100
    # a new article forgets its channel's and its server's latest only
    cache.put_latest(1, 7, one, cache.generation)
    cache.put_latest(1, None, one, cache.generation)
    cache.added(dataclasses.replace(two, channel_id=7))
    assert cache._pointing == {} and cache.latest(1, 7) == (False, None)
    assert cache.latest(1, 30_099) == (True, None)


def test_nothing_is_cached_while_changes_cannot_be_heard() -> None:
    cache = StoredCache()
    one = _stored(1)
    cache.live = False
    cache.put(one, cache.generation)
    cache.put_latest(1, 10, one, cache.generation)
    assert cache.get(1, 1) is None and cache.latest(1, 10) == (False, None)
    cache.live = True
    cache.put_latest(1, 10, one, cache.generation)
    assert cache.latest(1, 10) == (True, one)
    # an article added elsewhere, known by its guild and channel only
    cache.put_latest(1, 11, one, cache.generation)
    cache.added_at(1, 10)
    assert cache.latest(1, 10) == (False, None) and cache.latest(1, 11) == (True, one)
