"""Links to answers written when no question is being answered."""

from __future__ import annotations

import asyncio

from bot.discussion import Busy, PendingLinks


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
