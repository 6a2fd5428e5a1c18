"""The interaction toolkit: deferring only slow work, what a user reads for each error (and
which failures are Discord's), and where a command ran."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

import aiohttp
import discord
from discord.ext import commands

from bot.errors import ArticleNotFound, NotModerator
from bot.interactions import (
    DISCORD_FAILED,
    NOT_ALLOWED_HERE,
    Location,
    discord_trouble,
    in_time,
    trouble_message,
    user_message,
)
from bot.render import unescape


class _Response:
    def __init__(self) -> None:
        self.deferred = 0
        self._done = False

    def is_done(self) -> bool:
        return self._done

    async def defer(self, *, thinking: bool) -> None:
        await asyncio.sleep(0.01)
        self.deferred += 1
        self._done = True


class _Interaction:
    def __init__(self) -> None:
        self.response = _Response()


async def test_in_time_defers_slow_work_only_and_waits_for_the_deferral() -> None:
    fast = _Interaction()
    assert await in_time(fast, asyncio.sleep(0, "x"), defer_after=0.05) == "x"  # type: ignore[arg-type]
    assert fast.response.deferred == 0
    slow = _Interaction()
    assert await in_time(slow, asyncio.sleep(0.1, "y"), defer_after=0.01) == "y"  # type: ignore[arg-type]
    assert slow.response.deferred == 1 and slow.response.is_done()
    # the work finishes while the deferral is in flight: in_time returns after it
    racing = _Interaction()
    assert await in_time(racing, asyncio.sleep(0.012, "z"), defer_after=0.01) == "z"  # type: ignore[arg-type]
    assert racing.response.is_done() == (racing.response.deferred == 1)


def test_user_messages() -> None:
    assert user_message(NotModerator()) == "Only moderators can do that."
    assert user_message(ArticleNotFound("no #3")) == "no #3"
    assert user_message(commands.NotOwner()) == "Only the bot's owner can do that."
    assert "Manage Server" in (user_message(commands.MissingPermissions(["manage_guild"])) or "")
    cooldown = commands.CommandOnCooldown(commands.Cooldown(1, 10), 4.2, commands.BucketType.user)
    assert user_message(cooldown) == "Slow down: try again in 4 s."
    assert user_message(RuntimeError("boom")) is None
    assert user_message(discord.Forbidden.__new__(discord.Forbidden)) is None


MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")  # [text]( not backslash-escaped


def test_what_a_user_typed_is_shown_as_typed_never_as_a_link() -> None:
    typed = "[FreeNitro](https://evil.example/claim) @everyone **now**"
    for error in (commands.RoleNotFound(typed), commands.BadArgument(f'"{typed}" is bad')):
        shown = user_message(error) or ""
        assert "FreeNitro" in shown and "evil.example/claim" in shown
        assert not MASKED_LINK.search(shown), shown
        assert "**now**" not in shown and "@everyone" not in shown  # no bold, no mention
        assert unescape(shown).replace("@\u200beveryone", "@everyone").count(typed) == 1


def test_location_of_a_channel_and_of_anything_else() -> None:
    channel = SimpleNamespace(id=10)
    assert Location.of(channel, reply_to=5) == Location(None, (10,), 5)
    assert Location.of(None) == Location(None, (), None)


def _http_error(cls: type[discord.HTTPException], status: int, code: int) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="x")
    return cls(response, {"code": code, "message": "x"})  # type: ignore[arg-type]


def test_discord_trouble_is_told_apart_from_bugs_and_mistakes() -> None:
    slash = _Interaction()
    prefix = commands.Context.__new__(commands.Context)
    prefix.interaction = None
    expired = _http_error(discord.NotFound, 404, 10062)
    assert discord_trouble(expired) == "the interaction expired before the bot answered"
    assert trouble_message(expired, slash) is None  # type: ignore[arg-type]  # no one to tell
    for code in (10003, 10008, 10015, 50027, 40060):
        assert discord_trouble(_http_error(discord.HTTPException, 400, code)) is not None
    forbidden = _http_error(discord.Forbidden, 403, 50013)
    assert discord_trouble(forbidden) == "Discord refused: missing permissions"
    assert trouble_message(forbidden, slash) == NOT_ALLOWED_HERE  # type: ignore[arg-type]
    assert trouble_message(forbidden, prefix) is None  # its channel refuses the bot
    down = _http_error(discord.DiscordServerError, 503, 0)
    assert discord_trouble(down) == "Discord failed (503)"
    assert trouble_message(down, slash) == DISCORD_FAILED  # type: ignore[arg-type]
    dropped = aiohttp.ServerDisconnectedError()
    assert discord_trouble(dropped) == "the connection to Discord failed"
    assert discord_trouble(TimeoutError()) == "the connection to Discord failed"
    # a refusal that is a bug of ours (an invalid body), a user's mistake, a crash: not trouble
    assert discord_trouble(_http_error(discord.HTTPException, 400, 50035)) is None
    assert discord_trouble(NotModerator()) is None
    assert discord_trouble(RuntimeError("boom")) is None
