"""`LRU`: a mapping that drops its least recently used entries past a count and a total size.

    parsed: LRU[Key, Article] = LRU(max_items=64, max_size=8_000_000)
    parsed.put(key, article, size=len(text))   # the newest; older ones go past either bound
    parsed.get(key)                            # the article (now the newest), or None

Each entry has a size (characters of text, say; 0 by default) and the total stays within
`max_size`, except that the newest entry is always kept, however large: a cache that could
not hold the one article being asked about would parse it again for every question.
`on_evict(key, value)` is called for each entry dropped to make room (not for `pop`).
Every operation is O(1) (an `OrderedDict`), evictions amortised.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """Least recently used first out, bounded by `max_items` and by `max_size`."""

    __slots__ = ("_items", "max_items", "max_size", "on_evict", "size")

    def __init__(
        self,
        *,
        max_items: int,
        max_size: int | None = None,
        on_evict: Callable[[K, V], None] | None = None,
    ) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.max_items = max_items
        self.max_size = max_size
        self.on_evict = on_evict
        self.size = 0  # the sum of the entries' sizes
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        """Whether `key` is held (without making it the most recent)."""
        return key in self._items

    def __iter__(self) -> Iterator[K]:
        """The keys, least recently used first."""
        return iter(self._items)

    def get(self, key: K) -> V | None:
        """The value of `key`, now the most recently used, or None."""
        hit = self._items.get(key)
        if hit is None:
            return None
        self._items.move_to_end(key)
        return hit[0]

    def put(self, key: K, value: V, *, size: int = 0) -> None:
        """Hold `value` as the most recently used, then drop the least recently used entries
        until both bounds hold again (never the newest)."""
        old = self._items.pop(key, None)
        if old is not None:
            self.size -= old[1]
        self._items[key] = (value, size)
        self.size += size
        while len(self._items) > 1 and (
            len(self._items) > self.max_items
            or (self.max_size is not None and self.size > self.max_size)
        ):
            dropped_key, (dropped, dropped_size) = self._items.popitem(last=False)
            self.size -= dropped_size
            if self.on_evict is not None:
                self.on_evict(dropped_key, dropped)

    def pop(self, key: K) -> V | None:
        """Forget `key`; its value, or None when it was not held."""
        hit = self._items.pop(key, None)
        if hit is None:
            return None
        self.size -= hit[1]
        return hit[0]

    def clear(self) -> None:
        self._items.clear()
        self.size = 0
