"""Ordering the discussion service's work on the event loop.

- `Busy`: how many questions are being answered; `quiet()` waits for none.
- `PendingLinks`: answer message → article links, readable at once, written to the store
  when no question is being answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from storage import Store

log = logging.getLogger(__name__)


class Busy:
    """How many questions are being answered (`with busy:` around each); `quiet()` returns
    when none is."""

    def __init__(self) -> None:
        self.count = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    def __enter__(self) -> None:
        self.count += 1
        self._quiet.clear()

    def __exit__(self, *_: object) -> None:
        self.count -= 1
        if not self.count:
            self._quiet.set()

    async def quiet(self) -> None:
        await self._quiet.wait()


class PendingLinks:
    """Links from answer messages to their article (`Store.link_message`), readable at once
    and written to the store once `quiet()` returns (no question is being answered): each
    write is a transaction of three hops to the store's writer thread, which in a burst of
    questions would delay the next replies. `close` writes what is pending (the cog's unload
    does)."""

    def __init__(
        self, store: Store, quiet: Callable[[], Awaitable[None]], *, pause: float = 0.05
    ) -> None:
        self.store = store
        self.quiet = quiet
        self.pause = pause
        self._pending: dict[tuple[int, int], int] = {}  # (guild, message) → article number
        self._writer: asyncio.Task[None] | None = None

    def add(self, guild_id: int, message_id: int, number: int) -> None:
        self._pending[(guild_id, message_id)] = number
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_when_quiet())

    def forget(self, guild_id: int, number: int) -> None:
        """Article #number was deleted (here or by another process): its links not written
        yet are dropped (the store drops the written ones with it)."""
        gone = [key for key, n in self._pending.items() if key[0] == guild_id and n == number]
        for key in gone:
            del self._pending[key]

    async def article_for_message(self, guild_id: int, message_id: int) -> int | None:
        number = self._pending.get((guild_id, message_id))
        if number is not None:
            return number
        return await self.store.article_for_message(guild_id, message_id)

    async def _write_when_quiet(self) -> None:
        try:
            await asyncio.sleep(self.pause)
            await self.quiet()
            await self.flush()
        finally:
            self._writer = None

    async def flush(self) -> None:
        while self._pending:
            (guild_id, message_id), number = next(iter(self._pending.items()))
            try:
                await self.store.link_message(guild_id, message_id, number)
            except Exception:
                log.exception("could not link message %s to article #%d", message_id, number)
            # A new link of the same message may have come meanwhile: keep that one.
            if self._pending.get((guild_id, message_id)) == number:
                del self._pending[(guild_id, message_id)]

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        await self.flush()
