"""What every command shares about the place it runs in and how it answers.

A command runs for a `Target`: a prefix or hybrid `commands.Context`, or a bare
`discord.Interaction` (a modal, a context menu, a button). Cogs use these instead of
reaching into either:

- `interaction_of(target)` — the interaction behind it, or None for a prefix command.
- `guild_id_of(target)` — the server's id, or `GuildOnly` (the user reads "That works only in
  a server."); `channel_id_of`, `user_of`; `location_of(target)` — its thread, channel
  and the message it replies to (which article "this one" means, `Location`).
- `moderators_only()` — a command check: only moderators (`DigestBot.require_moderator`).
- `defer(target)` — acknowledge a slash command now ("thinking…"), when its work may take
  more than Discord's 3 seconds; `in_time(target, work, defer_after=s)` — await `work` and
  defer only if it takes more than `s` seconds, so fast replies (and mistakes, which are
  found before any work) are not deferred and stay ephemeral.
- `user_message(error)` — the short text a user reads for an error, or None for a bug of
  ours; `reply_error(target, text)` — send it (ephemeral for an interaction).
- `discord_trouble(error)` — what failed on Discord's side (a 5xx, a dropped connection, an
  expired interaction, a channel or message deleted meanwhile, a permission taken away), or
  None; `trouble_message(error, target)` — what the user reads about it, when they can be
  reached at all. Not bugs of ours: logged as warnings, never as errors.
- `reply_to(message, **kwargs)` — reply to a message, or just send to its channel when the
  message was deleted meanwhile (a reply to a deleted message is refused by Discord).

The bot's one error handler (`DigestBot.report_error`) uses the last two; a cog raises a
`bot.errors.UserError` and never sends its own error messages, except where no handler
runs (a plain message it answers: `reply_error` is for that too).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from storage import TryAgainError

from .errors import GuildOnly, UserError
from .render import NO_MENTIONS, inline

log = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F")
Target = commands.Context[Any] | discord.Interaction[Any]


def interaction_of(target: Target) -> discord.Interaction[Any] | None:
    """The interaction `target` answers, or None for a prefix command."""
    return target.interaction if isinstance(target, commands.Context) else target


def guild_id_of(target: Target) -> int:
    """The id of the server `target` runs in, or `GuildOnly`."""
    guild = target.guild
    if guild is None:
        raise GuildOnly()
    return guild.id


def channel_id_of(target: Target) -> int | None:
    channel = target.channel
    return channel.id if channel is not None else None


def user_of(target: Target) -> discord.User | discord.Member:
    """Who ran the command (or pressed the button)."""
    return target.author if isinstance(target, commands.Context) else target.user


@dataclass(frozen=True, slots=True)
class Location:
    """Where a command or a message was: its thread (when it is one), the channels whose
    newest article it means (the thread, then its channel), and the message it replies to."""

    thread_id: int | None = None
    channel_ids: tuple[int, ...] = ()
    reply_to: int | None = None

    @classmethod
    def of(cls, channel: object, *, reply_to: int | None = None) -> Location:
        if isinstance(channel, discord.Thread):
            ids = (channel.id, channel.parent_id)
            return cls(channel.id, tuple(i for i in ids if i is not None), reply_to)
        channel_id = getattr(channel, "id", None)
        return cls(None, (channel_id,) if isinstance(channel_id, int) else (), reply_to)


def location_of(target: Target) -> Location:
    """Where `target` ran; a prefix command's reply counts (a slash command replies to
    nothing)."""
    reply_to = None
    if isinstance(target, commands.Context) and target.interaction is None:
        reference = target.message.reference
        reply_to = reference.message_id if reference is not None else None
    return Location.of(target.channel, reply_to=reply_to)


async def defer(target: Target) -> None:
    """Acknowledge a slash command whose work may take more than 3 s ("thinking…"); nothing
    for a prefix command or an interaction already answered."""
    interaction = interaction_of(target)
    if interaction is not None and not interaction.response.is_done():
        await interaction.response.defer(thinking=True)


async def in_time(target: Target, work: Awaitable[T], *, defer_after: float) -> T:
    """Await `work`; defer a slash reply ("thinking") if it takes more than `defer_after` s
    (a timer, not a task: this runs for every answer). When it returns, a deferral it started
    has completed, so the reply can be sent as a follow-up."""
    interaction = interaction_of(target)
    future = asyncio.ensure_future(work)
    if interaction is None or interaction.response.is_done() or future.done():
        return await future
    deferring: list[asyncio.Task[Any]] = []

    def start_deferring() -> None:
        assert interaction is not None
        if not future.done() and not interaction.response.is_done():
            deferring.append(asyncio.ensure_future(interaction.response.defer(thinking=True)))

    timer = asyncio.get_running_loop().call_later(defer_after, start_deferring)
    try:
        result = await future
    finally:
        timer.cancel()
        if deferring:
            await asyncio.wait(deferring)
    if deferring:
        deferring[0].result()  # a failed deferral fails the reply too
    return result


def moderators_only() -> Callable[[F], F]:
    """A command check: the invoker is a moderator (`DigestBot.require_moderator`: else
    `NotModerator`), checked before the command's options are converted or its body runs."""

    async def predicate(ctx: commands.Context[Any]) -> bool:
        try:
            await ctx.bot.require_moderator(ctx)
        except UserError as exc:  # a check's error reaches the error handler only as this
            raise commands.CommandInvokeError(exc) from exc
        return True

    return commands.check(predicate)


# --- errors a user reads ------------------------------------------------------------------------


def _names(perms: Sequence[str]) -> str:
    return ", ".join(p.replace("_", " ").replace("guild", "server").title() for p in perms)


def user_message(error: BaseException, ctx: commands.Context[Any] | None = None) -> str | None:
    """The short message a user sees for `error`, or None when it is a bug of ours."""
    if isinstance(error, UserError):
        return error.user_message
    if isinstance(error, TryAgainError):  # the database restarted or was busy: nothing kept
        return str(error)
    if isinstance(error, commands.NotOwner):
        return "Only the bot's owner can do that."
    if isinstance(error, commands.NoPrivateMessage | app_commands.NoPrivateMessage):
        return GuildOnly().user_message
    if isinstance(error, commands.MissingPermissions | app_commands.MissingPermissions):
        return f"You need the {_names(error.missing_permissions)} permission for that."
    if isinstance(error, commands.BotMissingPermissions | app_commands.BotMissingPermissions):
        return f"I need the {_names(error.missing_permissions)} permission here for that."
    if isinstance(error, commands.CommandOnCooldown | app_commands.CommandOnCooldown):
        return f"Slow down: try again in {max(1, round(error.retry_after))} s."
    if isinstance(error, commands.MaxConcurrencyReached):
        return "That command is busy; try again in a moment."
    if isinstance(error, commands.UserInputError):
        usage = ""
        if ctx is not None and ctx.command is not None and ctx.interaction is None:
            signature = f" {ctx.command.signature}" if ctx.command.signature else ""
            usage = f" Usage: `{ctx.clean_prefix}{ctx.command.qualified_name}{signature}`"
        if isinstance(error, commands.MissingRequiredArgument):
            return f"Missing `{error.param.name}`.{usage}"
        if isinstance(error, commands.TooManyArguments):
            return f"Too many arguments.{usage}"
        # discord.py's own messages quote what the user typed (`Role "…" not found.`):
        # escaped, so that a masked link or a mention in it is shown as typed, not acted on
        return f"{discord.utils.escape_mentions(inline(str(error)))}{usage}"
    if isinstance(error, commands.CheckFailure | app_commands.CheckFailure):
        return "You can't use that command here."
    if isinstance(error, commands.DisabledCommand):
        return "That command is disabled."
    return None


# Discord's error codes for what is gone, or was done already, by the time the bot answers
_GONE = {
    10003: "the channel was deleted",
    10008: "the message was deleted",
    10015: "the interaction's webhook is gone",
    10062: "the interaction expired before the bot answered",
    50027: "the interaction's 15 minutes of follow-ups are over",
    40060: "the interaction had been answered already",
}
_NOT_ALLOWED = {50001: "missing access", 50013: "missing permissions"}
DISCORD_FAILED = "Discord failed while I was answering; please try again in a moment."
NOT_ALLOWED_HERE = (
    "I'm not allowed to do that here any more (a permission was taken away); "
    "ask a moderator to check my permissions in this channel."
)


def discord_trouble(error: BaseException) -> str | None:
    """What failed on Discord's side, in a few words for the log, or None when `error` is
    something else (a user's mistake, a bug of ours)."""
    if isinstance(error, discord.DiscordServerError):
        return f"Discord failed ({error.status})"
    if isinstance(error, discord.HTTPException):
        if error.code in _GONE:
            return _GONE[error.code]
        if error.code in _NOT_ALLOWED:
            return f"Discord refused: {_NOT_ALLOWED[error.code]}"
        return None
    if isinstance(error, discord.RateLimited):
        return f"rate limited for {error.retry_after:.0f} s"
    if isinstance(error, aiohttp.ClientError | ConnectionError | asyncio.TimeoutError):
        return "the connection to Discord failed"
    return None


def trouble_message(error: BaseException, target: Target | None = None) -> str | None:
    """What the user reads about a `discord_trouble`, or None when there is no one to tell
    (the interaction or channel is gone) or nothing to say (it was answered already)."""
    if isinstance(error, discord.HTTPException) and error.code in _GONE:
        return None
    if isinstance(error, discord.HTTPException) and error.code in _NOT_ALLOWED:
        # an interaction can still answer privately; a prefix command's channel refuses
        reachable = target is not None and interaction_of(target) is not None
        return NOT_ALLOWED_HERE if reachable else None
    return DISCORD_FAILED


async def reply_to(message: discord.Message, **kwargs: Any) -> discord.Message:
    """Reply to `message` without pinging its author; as a plain message in its channel when
    it was deleted meanwhile."""
    reference = message.to_reference(fail_if_not_exists=False)
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    return await message.channel.send(reference=reference, mention_author=False, **kwargs)


async def reply_error(target: Target | discord.Message, message: str) -> None:
    """Send `message` ephemerally (an interaction) or as a reply (a prefix command, or a plain
    message the bot answers); a failure to send is logged, not raised."""
    try:
        if isinstance(target, discord.Message):
            await reply_to(target, content=message)
            return
        interaction = interaction_of(target)
        if interaction is None:
            assert isinstance(target, commands.Context)
            await reply_to(target.message, content=message)
        elif interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    except discord.HTTPException as exc:
        log.warning("could not send an error message: %s", exc)
