"""What the discussion service keeps between questions: what the store answered.

`StoredCache`: what the store said about "article #n" and about "the latest article" of a
channel or a server, exact (invalidated by the bot's article events), bounded by count and by
characters (a `bot.lru.LRU`). (Parsed articles are kept by the answer workers:
`bot.workers`.) Article numbers are never reused and a stored article never changes
(except its analysis, which neither reads), so an entry is never stale once its article
exists; only a new article (the latest changes) and a deleted one invalidate.

Several processes on one PostgreSQL database: what another process adds, deletes or
re-analyses arrives through `Store.watch_changes` (`Discussion.changed`) and invalidates the
same way; while those changes cannot be heard (`live` False) nothing is cached.
"""

from __future__ import annotations

from storage import StoredArticle

from ..lru import LRU

Key = tuple[int, int]  # (guild id, article number)
Place = tuple[int, int | None]  # (guild id, channel id, or None for the whole server)


class StoredCache:
    """What the store answered for "article #n" and for "the latest article" of a channel or a
    server, so that asking about a known article reads nothing from the store (each read is a
    hop to the store's thread and back, which under load costs more than the read itself).

    Exact, not timed: only a new article (the latest changes) and a deleted one invalidate,
    through the bot's `article_stored` and `article_deleted` events (`added`, `deleted`). A
    read that was under way while one of them happened is not cached (`generation`).

    Bounded: `max_articles` articles (and `max_chars` of their text), and `max_places`
    "latest" answers (most are "none here": every channel asked in without an article
    adds one). Which places point at an article is indexed, so deleting or dropping it
    forgets them without a scan."""

    def __init__(
        self, *, max_articles: int = 256, max_chars: int = 16_000_000, max_places: int = 10_000
    ) -> None:
        self.generation = 0
        self.live = True  # False: another process's changes cannot be heard; cache nothing
        self._articles: LRU[Key, StoredArticle] = LRU(
            max_items=max_articles, max_size=max_chars, on_evict=self._article_dropped
        )
        # (guild, channel or None for the server) → the latest article's number, 0 for none
        self._latest: LRU[Place, int] = LRU(max_items=max_places, on_evict=self._place_dropped)
        self._pointing: dict[Key, set[Place]] = {}  # article → the places whose latest it is

    def get(self, guild_id: int, number: int) -> StoredArticle | None:
        return self._articles.get((guild_id, number))

    def latest(self, guild_id: int, channel_id: int | None) -> tuple[bool, StoredArticle | None]:
        """(known, the latest article of the channel, or of the server for None); known and
        None when the store said there is none."""
        number = self._latest.get((guild_id, channel_id))
        if number is None:
            return False, None
        if number == 0:
            return True, None
        stored = self.get(guild_id, number)
        return stored is not None, stored

    def put_latest(
        self, guild_id: int, channel_id: int | None, stored: StoredArticle | None, generation: int
    ) -> None:
        """Remember what `Store.latest_article` answered (read at `generation`)."""
        if generation != self.generation or not self.live:
            return
        place = (guild_id, channel_id)
        self._forget_place(place)
        number = 0 if stored is None else stored.number
        self._latest.put(place, number)
        if stored is not None:
            self._pointing.setdefault((guild_id, number), set()).add(place)
            self.put(stored, generation)

    def put(self, stored: StoredArticle, generation: int) -> None:
        """Remember `stored`, read when `self.generation` was `generation`."""
        if generation != self.generation or not self.live:
            return
        key = (stored.guild_id, stored.number)
        if key not in self._articles:
            self._articles.put(key, stored, size=len(stored.text))

    def added(self, stored: StoredArticle) -> None:
        self.added_at(stored.guild_id, stored.channel_id)

    def added_at(self, guild_id: int, channel_id: int | None) -> None:
        """An article was added in `channel_id` of the guild: the latest there changed."""
        self.generation += 1
        self._forget_place((guild_id, channel_id))
        self._forget_place((guild_id, None))

    def deleted(self, guild_id: int, number: int) -> None:
        self.forget(guild_id, number)

    def forget(self, guild_id: int, number: int) -> None:
        """Drop what is known of article #number (deleted, or its stored row changed)."""
        self.generation += 1
        self._articles.pop((guild_id, number))
        self._forget_article((guild_id, number))

    def clear(self) -> None:
        self.generation += 1
        self._articles.clear()
        self._latest.clear()
        self._pointing.clear()

    @property
    def places(self) -> int:
        """How many "latest" answers are held."""
        return len(self._latest)

    def _forget_place(self, place: Place) -> None:
        number = self._latest.pop(place)
        if number:
            self._unpoint(place, number)

    def _forget_article(self, key: Key) -> None:
        for place in self._pointing.pop(key, ()):
            self._latest.pop(place)

    def _unpoint(self, place: Place, number: int) -> None:
        key = (place[0], number)
        places = self._pointing.get(key)
        if places is not None:
            places.discard(place)
            if not places:
                del self._pointing[key]

    def _article_dropped(self, key: Key, _: StoredArticle) -> None:
        self._forget_article(key)

    def _place_dropped(self, place: Place, number: int) -> None:
        if number:
            self._unpoint(place, number)
