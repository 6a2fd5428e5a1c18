"""Cooldowns: idle buckets swept now and then, and a stale bucket acts fresh."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from discord.ext import commands

from bot.discussion import Cooldowns, Manners


def test_cooldowns_sweep_now_and_then_and_stale_buckets_act_fresh() -> None:
    mapping = Cooldowns(lambda: (1, 60.0), commands.BucketType.user)
    message = SimpleNamespace(author=SimpleNamespace(id=5))
    bucket = mapping.get_bucket(message, 1000.0)  # type: ignore[arg-type]
    assert bucket is not None and bucket.update_rate_limit(1000.0) is None
    assert bucket.update_rate_limit(1001.0)  # on cooldown
    mapping.get_bucket(SimpleNamespace(author=SimpleNamespace(id=6)), 1005.0)  # type: ignore[arg-type]
    assert len(mapping._cache) == 2  # not swept: less than `sweep_every` since the last sweep
    again = mapping.get_bucket(message, 1070.0)  # type: ignore[arg-type]
    assert again is not None and again.update_rate_limit(1070.0) is None  # its window passed
    mapping.get_bucket(message, 1200.0)  # type: ignore[arg-type]
    assert len(mapping._cache) == 1  # swept: user 6 is gone


def test_follow_ups_share_the_ask_cooldown_and_warn_once_per_wait() -> None:
    manners = Manners()
    manners.ask_rate = (2, 60.0)
    manners.channel_followup_rate = (3, 60.0)
    channel = SimpleNamespace(id=7)
    bob = SimpleNamespace(author=SimpleNamespace(id=1), channel=channel, guild=None)
    ann = SimpleNamespace(author=SimpleNamespace(id=2), channel=channel, guild=None)
    manners.check_ask(bob)  # type: ignore[arg-type]
    manners.check_followup(bob)  # type: ignore[arg-type]  # the second ask of bob's minute
    with pytest.raises(commands.CommandOnCooldown) as info:
        manners.check_followup(bob)  # type: ignore[arg-type]
    assert info.value.type is commands.BucketType.user
    assert manners.should_warn(info.value, bob)  # type: ignore[arg-type]
    assert not manners.should_warn(info.value, bob)  # type: ignore[arg-type]  # once per wait
    manners.check_followup(ann)  # type: ignore[arg-type]  # the channel's second
    manners.check_followup(ann)  # type: ignore[arg-type]  # … third
    with pytest.raises(commands.CommandOnCooldown) as channel_full:
        manners.check_followup(SimpleNamespace(author=SimpleNamespace(id=3), channel=channel))  # type: ignore[arg-type]
    assert channel_full.value.type is commands.BucketType.channel
