"""What other processes change in a shared PostgreSQL database, heard with LISTEN/NOTIFY.

Each `PostgresStore` has an `origin` (random, per store). Its writes that other processes'
caches depend on send a notification on `CHANNEL` in the same transaction as the write (so it
is delivered if and only if the write commits, after it commits): `notify_payload` builds it,
`"<origin> <kind> <guild id> <number> <channel id or 0>"`.

`ChangeListener` holds one connection of its own (not the pool's: a listening session must stay
open), LISTENs, and tells a `ChangeWatcher` each change whose origin is not its own store.
Notifications sent while no connection listens are lost, so whenever the connection is lost
(the server closed it, or it failed the health check that runs every `check_every` seconds,
which finds a silently dead network too) the watcher is told `reset(False)` (drop every cache,
and cache nothing meanwhile), and once a new connection listens, `reset(True)`. It reconnects
by itself, waiting longer after each failure (up to `MAX_BACKOFF` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

import asyncpg

from .base import ArticleChange, ChangeKind, ChangeWatcher

log = logging.getLogger(__name__)

CHANNEL: Final = "digestbot_articles"
KINDS: Final[frozenset[str]] = frozenset({"added", "deleted", "changed"})
MAX_BACKOFF: Final = 30.0


def notify_payload(
    origin: str, kind: ChangeKind, guild_id: int, number: int, channel_id: int | None = None
) -> str:
    """The notification of one change (`parse_payload` reads it back)."""
    return f"{origin} {kind} {guild_id} {number} {channel_id or 0}"


def notify_parts(
    origin: str, kind: ChangeKind, guild_id: int, channel_id: int | None = None
) -> tuple[str, str]:
    """The notification of a change around its article number (not known yet when a
    statement is prepared): `before + str(number) + after` is `notify_payload(...)`."""
    return f"{origin} {kind} {guild_id} ", f" {channel_id or 0}"


def notify_sql(
    origin: str, kind: ChangeKind, guild_id: int, number: int, channel_id: int | None = None
) -> str:
    """`SELECT pg_notify(...)` of one change, as a literal statement (to be sent in the same
    simple query as a COMMIT). Every part is ours: a hex origin, a kind, integers."""
    if not origin.isalnum() or kind not in KINDS:
        raise ValueError("not a change this store sends")
    payload = notify_payload(origin, kind, int(guild_id), int(number), channel_id)
    return f"SELECT pg_notify('{CHANNEL}', '{payload}')"


def parse_payload(payload: str) -> tuple[str, ArticleChange] | None:
    """(origin, change) of a notification; None for one that is not ours."""
    parts = payload.split()
    if len(parts) != 5 or parts[1] not in KINDS or not all(p.isdigit() for p in parts[2:]):
        return None
    origin, kind = parts[0], parts[1]
    guild_id, number, channel_id = (int(p) for p in parts[2:])
    change = ArticleChange(kind, guild_id, number, channel_id or None)  # type: ignore[arg-type]
    return origin, change


class ChangeListener:
    """Listens on `CHANNEL` for one store (module docstring). `start()` returns once the first
    connection listens (or failed: then the watcher was told `reset(False)` and it keeps
    trying); `close()` stops it."""

    def __init__(
        self,
        url: str,
        origin: str,
        watcher: ChangeWatcher,
        *,
        where: str,
        connect_timeout: float = 10.0,
        check_every: float = 5.0,
    ) -> None:
        self._url = url  # with its password: never logged (`where` is the redacted one)
        self.origin = origin
        self.watcher = watcher
        self.where = where
        self.connect_timeout = connect_timeout
        self.check_every = check_every
        self.connected = False
        self.resets = 0  # how many times the watcher was told changes may have been missed
        self._connection: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._first = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="digestbot-store-changes")
        await self._first.wait()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._drop_connection()

    def _heard(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        parsed = parse_payload(payload)
        if parsed is None:
            log.warning("ignored a notification that is not digestbot's: %r", payload[:100])
            return
        origin, change = parsed
        if origin != self.origin:
            self.watcher.changed(change)

    def _terminated(self, _connection: object) -> None:
        self._lost.set()

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self._listen()
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                if not self._first.is_set():
                    log.warning(
                        "%s: cannot listen for other processes' changes yet (%s); caching "
                        "nothing until it can",
                        self.where,
                        " ".join(str(exc).split()) or type(exc).__name__,
                    )
                    self._reset(False)
                    self._first.set()
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            backoff = 0.5
            await self._watch()
            log.warning(
                "%s: lost the connection that hears other processes' changes; caching nothing "
                "until it is back",
                self.where,
            )
            self._reset(False)
            await self._drop_connection()

    async def _listen(self) -> None:
        connection = await asyncpg.connect(
            self._url,
            timeout=self.connect_timeout,
            server_settings={"application_name": "digestbot-changes"},
        )
        self._lost.clear()
        connection.add_termination_listener(self._terminated)
        try:
            await connection.add_listener(CHANNEL, self._heard)
        except BaseException:
            connection.terminate()
            raise
        self._connection = connection
        self.connected = True
        # Whatever was cached before this connection listened may have changed unheard.
        self._reset(True)
        if self._first.is_set():
            log.info("%s: listening for other processes' changes again", self.where)
        self._first.set()

    async def _watch(self) -> None:
        """Until the connection is lost: the server closed it, or a health check failed."""
        connection = self._connection
        assert connection is not None
        while not self._lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), self.check_every)
                return
            try:
                await connection.fetchval("SELECT 1", timeout=self.check_every)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                return

    def _reset(self, live: bool) -> None:
        self.resets += 1
        self.watcher.reset(live)

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        self.connected = False
        if connection is not None and not connection.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=2)
            if not connection.is_closed():
                connection.terminate()
