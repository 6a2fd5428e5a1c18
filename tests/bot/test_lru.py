"""`LRU`: least recently used out first, by count and by size, the newest always kept."""

from __future__ import annotations

import pytest

from bot.lru import LRU


def test_count_bound_drops_least_recently_used() -> None:
    dropped: list[tuple[str, int]] = []
    cache: LRU[str, int] = LRU(max_items=2, on_evict=lambda k, v: dropped.append((k, v)))
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert "b" not in cache and "a" in cache and "c" in cache
    assert dropped == [("b", 2)]
    assert list(cache) == ["a", "c"] and len(cache) == 2


def test_size_bound_keeps_the_newest_however_large() -> None:
    cache: LRU[str, str] = LRU(max_items=10, max_size=10)
    cache.put("a", "aaaa", size=4)
    cache.put("b", "bbbb", size=4)
    assert cache.size == 8
    cache.put("c", "cccc", size=4)  # 12 > 10: "a" goes
    assert list(cache) == ["b", "c"] and cache.size == 8
    cache.put("huge", "x" * 50, size=50)  # alone over the bound, but the newest stays
    assert list(cache) == ["huge"] and cache.size == 50


def test_replacing_and_popping_keep_the_size_exact() -> None:
    cache: LRU[str, str] = LRU(max_items=3, max_size=100)
    cache.put("a", "x", size=10)
    cache.put("a", "y", size=30)  # replaced: counted once
    assert cache.get("a") == "y" and cache.size == 30
    assert cache.pop("a") == "y" and cache.size == 0
    assert cache.pop("a") is None and cache.get("a") is None
    cache.put("b", "z", size=5)
    cache.clear()
    assert len(cache) == 0 and cache.size == 0


def test_contains_does_not_refresh() -> None:
    cache: LRU[str, int] = LRU(max_items=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" in cache
    cache.put("c", 3)
    assert "a" not in cache  # `in` did not make it recent


def test_needs_room_for_one() -> None:
    with pytest.raises(ValueError):
        LRU(max_items=0)
