"""`python -m bot` (and the `digestbot` script): run the bot until SIGINT/SIGTERM.

Exit codes: 0 after a clean shutdown; 2 for a missing token or invalid settings (including a
PostgreSQL server that cannot be reached, refuses the credentials or lacks the database); 1
when Discord refuses to let the bot in (bad token, a privileged intent not enabled), cannot
be reached at start, or the database cannot be opened. Each of these is one line (or a short
paragraph) on stderr, never a traceback, and whatever was opened before is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from .config import Settings, load_settings
from .errors import ConfigError

if TYPE_CHECKING:
    from storage import Store

    from .client import DigestBot

log = logging.getLogger(__name__)

USAGE = """\
usage: python -m bot                 run the bot (settings from the environment and .env)
       python -m bot digest FILE     digest an article offline, no Discord needed
       python -m bot ask FILE QUESTION
"""

NO_TOKEN = """\
digestbot: DISCORD_TOKEN is not set, so the bot cannot log in to Discord.
Get a token: https://discord.com/developers/applications → your application → Bot →
Reset Token, then put DISCORD_TOKEN=<token> in the environment or in a .env file
(see .env.example and README.md).
Without Discord, `python -m bot digest FILE` digests an article offline.
"""

INTENT_REFUSED = """\
digestbot: Discord refused the Message Content intent (MESSAGE_CONTENT=true).
Enable it at https://discord.com/developers/applications → your application → Bot →
Privileged Gateway Intents → "Message Content Intent", or set MESSAGE_CONTENT=false:
slash commands, context menus and mentions work without it.
"""

UNREACHABLE = """\
digestbot: cannot reach Discord at {where} ({reason}). Check the network (and DISCORD_API_BASE).
"""

BAD_TOKEN = """\
digestbot: Discord rejected DISCORD_TOKEN. Reset the token on the application's Bot page
(https://discord.com/developers/applications) and update DISCORD_TOKEN.
"""


def run(args: list[str]) -> int:
    """Run the bot; returns the process exit code."""
    if args and args[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    if args:
        sys.stderr.write(f"digestbot: unknown arguments: {' '.join(args)}\n{USAGE}")
        return 2
    try:
        settings = load_settings(create_dirs=False)  # open_store creates the directory
    except ConfigError as exc:
        sys.stderr.write(f"digestbot: {exc}\nSee .env.example for every setting.\n")
        return 2
    if not settings.token:
        sys.stderr.write(NO_TOKEN)
        return 2
    discord.utils.setup_logging(level=settings.log_level_number, root=True)
    try:
        return asyncio.run(serve(settings))
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 130


def settle_memory() -> None:
    """The process's garbage-collector policy, applied once the bot is ready: what exists
    then (modules, discord.py's and the bot's start-up state, objects that live as long as
    the process) leaves the collector's full passes (`gc.freeze`), which would otherwise
    walk it all every time and stall the event loop (the floor bot of `benchmarks/ask_load.py`:
    worst pause 80-116 ms without, 30-50 ms with). Raising the young generation's threshold
    as well measured no gain there."""
    gc.collect()
    gc.freeze()


async def settle_when_ready(bot: DigestBot) -> None:
    await bot.wait_until_ready()
    settle_memory()


async def serve(settings: Settings, **client_options: Any) -> int:
    """Open the store, run the bot until a signal or a fatal error, close everything.
    `client_options`: more keyword arguments for discord.py's client (`benchmarks/soak.py`
    gives a short `heartbeat_timeout`)."""
    from storage import DatabaseUnreachableError, StorageError, open_store

    try:
        store = await open_store(settings.database)
    except DatabaseUnreachableError as exc:
        sys.stderr.write(f"digestbot: DIGESTBOT_DB: {exc}\n")
        return 2
    except (StorageError, OSError) as exc:  # the message names the file or server
        sys.stderr.write(f"digestbot: cannot open the database: {exc}\n")
        return 1
    try:
        return await run_bot(settings, store, **client_options)
    finally:
        await store.close()
        log.info("store closed; bye")


async def run_bot(settings: Settings, store: Store, **client_options: Any) -> int:
    """Run the bot on `store` (opened and closed by the caller) until a signal or a fatal
    error; its exit code."""
    from .client import bot_class

    assert settings.token is not None
    bot = bot_class(settings)(settings, store, **client_options)
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []
    settling = loop.create_task(settle_when_ready(bot))

    def stop(name: str) -> None:
        if not closing:
            log.info("%s received; shutting down", name)
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on this platform
            loop.add_signal_handler(sig, stop, sig.name)
    code = 0
    try:
        async with bot:
            try:
                await bot.login(settings.token)
            except (aiohttp.ClientError, OSError, discord.DiscordServerError) as exc:
                where = settings.api_base or "discord.com"
                reason = " ".join(str(exc).split()) or type(exc).__name__
                sys.stderr.write(UNREACHABLE.format(where=where, reason=reason))
                return 1
            await bot.connect()  # network trouble from here on: it reconnects by itself
    except discord.PrivilegedIntentsRequired:
        sys.stderr.write(INTENT_REFUSED)
        code = 1
    except discord.LoginFailure:
        sys.stderr.write(BAD_TOKEN)
        code = 1
    finally:
        settling.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if not bot.is_closed():
            await bot.close()
        for task in closing:
            await task
    return code
