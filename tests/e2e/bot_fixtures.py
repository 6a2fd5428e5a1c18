"""The real `DigestBot`, started in-process against the fake Discord, and a world to use it in.

Fixtures (registered in ``tests/e2e/conftest.py``):

- ``world``: two guilds. Guild A has a "Mods" role (Manage Messages), ``#general``, ``alice``
  (a moderator) and ``bob`` (a plain member); guild B has ``#lobby`` and ``carol`` (a
  moderator there). Nothing runs yet.
- ``digestbot``: a `DigestBot` on a fresh SQLite store in ``tmp_path``, connected to the fake,
  ready, with its commands synced globally (as an owner's ``sync`` would). Without the
  message-content intent, unless the test is marked
  ``@pytest.mark.digestbot(message_content=True, ...)`` (keywords are `Settings` fields).

For a bot with other settings inside one test, use ``start_digestbot(fake, tmp_path, ...)``.
Bots fork their worker processes from the test run's shared ``zygote`` (``tests/conftest.py``).
Helpers: ``button_id(message, label)`` finds a button's custom_id on a message dict;
``embed_text(message)`` is all the visible text of a message (content and embeds) in one string;
``shown(ix)`` the messages the bot showed for an interaction, ``replies_to(fake, world, m)``
its replies to a prefix command.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.client import DigestBot
from bot.config import Settings
from bot.workers import Zygote
from storage import Store, open_store
from tests.e2e.fakediscord import FakeDiscord, FakeInteraction
from tests.e2e.fakediscord.models import FakeChannel, FakeGuild, FakeMember, FakeRole

JSON = dict[str, Any]


@dataclass
class World:
    fake: FakeDiscord
    guild: FakeGuild
    mods: FakeRole
    general: FakeChannel
    alice: FakeMember  # moderator of guild A
    bob: FakeMember  # member of guild A, no permissions
    guild_b: FakeGuild
    lobby: FakeChannel
    carol: FakeMember  # moderator of guild B


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    guild = fake.create_guild("Guild A")
    mods = fake.create_role(guild, "Mods", permissions=discord.Permissions(manage_messages=True))
    general = fake.create_text_channel(guild, "general")
    alice = fake.create_member(guild, "alice", roles=[mods])
    bob = fake.create_member(guild, "bob")
    guild_b = fake.create_guild("Guild B")
    mods_b = fake.create_role(
        guild_b, "Mods", permissions=discord.Permissions(manage_messages=True)
    )
    lobby = fake.create_text_channel(guild_b, "lobby")
    carol = fake.create_member(guild_b, "carol", roles=[mods_b])
    return World(fake, guild, mods, general, alice, bob, guild_b, lobby, carol)


class QuickDigestBot(DigestBot):
    """`DigestBot` with discord.py's 5 s pause before a re-IDENTIFY removed (a fake needs
    no rate limiting)."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass


@contextlib.asynccontextmanager
async def start_digestbot(
    fake: FakeDiscord,
    tmp_path: Path,
    *,
    sync: bool = True,
    zygote: Zygote | None = None,
    client_options: dict[str, Any] | None = None,
    **settings: Any,
) -> AsyncIterator[DigestBot]:
    """A ready `DigestBot` on a new store; closed (bot, then store) when the block ends.
    `zygote`: the one to fork workers from (else the bot starts its own);
    ``client_options``: more keyword arguments for discord.py's client (``heartbeat_timeout``,
    ``max_ratelimit_timeout``...)."""
    values: dict[str, Any] = {
        "token": fake.token,
        "db_path": tmp_path / "digestbot.sqlite3",
        "api_base": fake.api_base,
        "gateway_url": fake.gateway_url,
    }
    values.update(settings)
    config = Settings(**values)
    store: Store = await open_store(config.db_path)
    with fake.patch_discord_py():  # restores discord.py's URLs afterwards
        options = {"guild_ready_timeout": 0.05, **(client_options or {})}
        bot = QuickDigestBot(config, store, zygote=zygote, **options)
        task = asyncio.create_task(bot.start(fake.token))
        ready = asyncio.create_task(bot.wait_until_ready())
        try:
            done, _ = await asyncio.wait({task, ready}, timeout=10, return_when="FIRST_COMPLETED")
            if task in done:
                task.result()  # why the bot stopped
            assert ready in done, "the bot did not get ready"
            if sync:
                await bot.sync_commands()
            yield bot
        finally:
            ready.cancel()
            await bot.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
            await store.close()


@pytest.fixture
async def digestbot(
    request: pytest.FixtureRequest,
    fake: FakeDiscord,
    world: World,
    tmp_path: Path,
    zygote: Zygote,
) -> AsyncIterator[DigestBot]:
    marker = request.node.get_closest_marker("digestbot")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    unknown = set(options) - {f.name for f in dataclasses.fields(Settings)}
    assert not unknown, f"not Settings fields: {unknown}"
    async with start_digestbot(fake, tmp_path, zygote=zygote, **options) as bot:
        yield bot


def button_id(message: JSON, label: str) -> str:
    """The custom_id of the button labelled `label` on `message`."""
    for row in message.get("components", []):
        for component in row.get("components", []):
            if component.get("type") == 2 and component.get("label") == label:
                return str(component["custom_id"])
    raise AssertionError(f"no button {label!r} on message: {message.get('components')}")


def buttons(message: JSON) -> dict[str, bool]:
    """label → disabled, for every button on `message`."""
    return {
        str(c.get("label")): bool(c.get("disabled", False))
        for row in message.get("components", [])
        for c in row.get("components", [])
        if c.get("type") == 2
    }


def shown(ix: FakeInteraction) -> list[JSON]:
    """The distinct messages the bot showed for `ix`: its reply, follow-ups, the placeholder's
    replacement (a message edited later counts once; a "thinking…" placeholder not at all)."""
    return list({str(m["id"]): m for m in ix.messages()}.values())


def replies_to(fake: FakeDiscord, world: World, message: JSON) -> list[str]:
    """The visible text of each bot message in #general that replies to `message` (a prefix
    command)."""
    return [
        embed_text(m)
        for m in fake.messages(world.general)
        if m["author"].get("bot")
        and (m.get("message_reference") or {}).get("message_id") == message["id"]
    ]


def embed_text(message: JSON) -> str:
    """Everything a reader sees in `message`: content, and each embed's title, description,
    field names and values, and footer, in order."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts.append(embed.get("title") or "")
        parts.append(embed.get("description") or "")
        for f in embed.get("fields", []):
            parts.extend([f.get("name") or "", f.get("value") or ""])
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p)


# --- waiting for what the bot does just after a reply ---------------------------------


async def eventually(check: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    """Wait (3 s at most) until `check()` is true: for what the bot does just after a reply
    reaches Discord, which a person could never beat but a test can."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 3.0
    while True:
        result = check()
        if await result if inspect.isawaitable(result) else result:
            return
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def linked(bot: DigestBot, world: World, message: JSON, number: int) -> None:
    """Wait until the bot linked `message` to article `number` (it does so after sending)."""

    async def check() -> bool:
        found = await bot.store.article_for_message(world.guild.id, int(message["id"]))
        return found == number

    await eventually(check, f"message {message['id']} linked to #{number}")


async def click(
    fake: FakeDiscord,
    bot: DigestBot,
    channel: FakeChannel,
    who: FakeMember,
    message: JSON,
    label: str,
) -> FakeInteraction:
    """Press `label` on `message` once discord.py has registered the view (just after the
    reply request returns)."""
    views = bot._connection._view_store._synced_message_views  # discord.py internals
    await eventually(lambda: int(message["id"]) in views, f"the view of {message['id']}")
    return await fake.click(channel, who, message["id"], button_id(message, label))
