"""How often members may use the commands that cost work, and how the bot says "slow down"
once per wait.

`Manners` holds the rates (uses per seconds; a deployment or a test may change them before
first use: a bucket takes the rate when it is made) and the cooldown buckets:

- asking, per member: `/ask`, `!ask`, follow-up questions, `/summary` and `/facts` together
  (each runs the engine on an article in an answer worker);
- reading, per member: `/quote`, `/article show` and `/article list` (the store, rendering);
- searching, per member: `/search`;
- completing, per member: the `article` option's autocomplete (a title search per keystroke;
  past the rate it offers nothing until the window passes, silently);
- configuring, per server: `/settings threads` and `/settings modrole` (each a write);
- follow-up answers, per channel or thread.

`cooldown(Manners.check_x)` is the command check that takes one use (declare it after the
checks that may refuse the member, so that a refused member uses nothing up), raising
discord.py's `CommandOnCooldown`, which the error handler words ("Slow down: try again in
12 s."). `check_followup(message)` is for plain messages; `should_warn(error, message)` says
whether a plain message's "slow down" reply is due (once per wait and place, so a flood of
follow-ups gets one notice, not one each).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import discord
from discord.ext import commands

F = TypeVar("F")


class Cooldowns(commands.DynamicCooldownMapping[Any]):
    """discord.py's cooldown mapping, sweeping out idle buckets at most every `sweep_every`
    seconds instead of on every lookup: that sweep walks every bucket (everyone who asked in
    the last minute), measured 0.18 ms per ask with 2,000 recent askers. A bucket not swept
    yet behaves as a fresh one (its window has passed), so only memory waits for the sweep."""

    sweep_every = 10.0

    def __init__(self, rate: Callable[[], tuple[int, float]], kind: commands.BucketType) -> None:
        super().__init__(lambda _: commands.Cooldown(*rate()), kind)
        self.kind = kind
        self._swept = 0.0

    def _verify_cache_integrity(self, current: float | None = None) -> None:
        now = current or time.time()
        if now - self._swept >= self.sweep_every:
            self._swept = now
            super()._verify_cache_integrity(now)

    def check(self, message: Any) -> None:
        """Take one use for `message`'s author (or channel, or server), or
        `CommandOnCooldown`."""
        bucket = self.get_bucket(message)
        retry = bucket.update_rate_limit() if bucket is not None else None
        if retry:
            assert bucket is not None
            raise commands.CommandOnCooldown(bucket, retry, self.kind)

    def allows(self, message: Any) -> bool:
        """Take one use, if there is one left."""
        try:
            self.check(message)
        except commands.CommandOnCooldown:
            return False
        return True


@dataclass(frozen=True, slots=True)
class _Author:
    """What a per-member bucket reads of a message, for what is not one (autocomplete)."""

    author: discord.abc.Snowflake


class Manners:
    """The discussion's cooldowns (see the module docstring)."""

    def __init__(self) -> None:
        # (uses, per seconds)
        self.ask_rate = (5, 60.0)  # per member: asking, follow-ups, /summary, /facts
        self.read_rate = (10, 60.0)  # per member: /quote, /article show, /article list
        self.search_rate = (5, 60.0)  # per member
        self.complete_rate = (30, 30.0)  # per member: autocomplete requests
        self.configure_rate = (5, 60.0)  # per server: settings changes
        self.channel_followup_rate = (12, 60.0)  # follow-up answers per channel or thread
        user, guild = commands.BucketType.user, commands.BucketType.guild
        self.asking = Cooldowns(lambda: self.ask_rate, user)
        self.reading = Cooldowns(lambda: self.read_rate, user)
        self.searching = Cooldowns(lambda: self.search_rate, user)
        self.completing = Cooldowns(lambda: self.complete_rate, user)
        self.configuring = Cooldowns(lambda: self.configure_rate, guild)
        self.followups = Cooldowns(lambda: self.channel_followup_rate, commands.BucketType.channel)
        self._warned: dict[tuple[str, str], float] = {}  # (kind, place) → until when

    def check_ask(self, message: discord.Message) -> None:
        self.asking.check(message)

    def check_read(self, message: discord.Message) -> None:
        self.reading.check(message)

    def check_search(self, message: discord.Message) -> None:
        self.searching.check(message)

    def check_configure(self, message: discord.Message) -> None:
        self.configuring.check(message)

    def may_complete(self, user: discord.abc.Snowflake) -> bool:
        """Whether `user`'s autocomplete request gets choices (takes one use)."""
        return self.completing.allows(_Author(user))

    def check_followup(self, message: discord.Message) -> None:
        """A follow-up question: the member's asking cooldown, then the channel's."""
        self.asking.check(message)
        self.followups.check(message)

    def should_warn(self, error: commands.CommandOnCooldown, message: discord.Message) -> bool:
        """Whether to tell `message`'s author about `error`: once per wait and place."""
        key = (error.type.name, str(error.type.get_key(message)))
        now = time.monotonic()
        if self._warned.get(key, 0.0) > now:
            return False
        self._warned = {k: v for k, v in self._warned.items() if v > now}
        self._warned[key] = now + error.retry_after
        return True


def cooldown(check: Callable[[Manners, discord.Message], None]) -> Callable[[F], F]:
    """A command check taking one use of a cooldown (`Manners.check_ask`, `check_read`,
    `check_search`, `check_configure`): after the checks above it (permissions), before the
    command's options are converted (an article looked up) or its body runs."""

    async def predicate(ctx: commands.Context[Any]) -> bool:
        from ..article_option import discussion_of

        check(discussion_of(ctx.bot).manners, ctx.message)
        return True

    return commands.check(predicate)
