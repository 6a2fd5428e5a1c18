"""Every command that costs work has a cooldown (issue 11, items 4 and 5), through the fake
Discord with the real bot: past it the member reads "Slow down" privately, the work is not
done, and the budget is the member's own (another member, or another server, is not held up).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.client import DigestBot
from tests.e2e.bot_fixtures import World, embed_text
from tests.e2e.fakediscord import FakeChannel, FakeDiscord, FakeMember

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()
EPHEMERAL = 64


async def _run(
    fake: FakeDiscord, channel: FakeChannel, who: FakeMember, command: str, **options: Any
) -> dict[str, Any]:
    ix = await fake.slash(channel, who, command, options)
    return await ix.wait_response(timeout=20)


def _slowed(reply: dict[str, Any]) -> bool:
    return bool(reply["flags"] & EPHEMERAL) and "Slow down: try again in" in reply["content"]


@pytest.fixture
async def posted(fake: FakeDiscord, world: World, digestbot: DigestBot) -> DigestBot:
    reply = await _run(fake, world.general, world.alice, "article post", text=SAMPLE)
    assert "Article #1" in embed_text(reply)
    return digestbot


@pytest.mark.parametrize(
    ("command", "options", "rate"),
    [
        ("summary", {"length": "long"}, "ask_rate"),
        ("facts", {}, "ask_rate"),
        ("quote", {"article": "#1", "paragraphs": "1-4"}, "read_rate"),
        ("article show", {"article": "#1"}, "read_rate"),
        ("article list", {}, "read_rate"),
    ],
)
async def test_commands_that_cost_work_have_a_cooldown(
    fake: FakeDiscord,
    world: World,
    posted: DigestBot,
    command: str,
    options: dict[str, Any],
    rate: str,
) -> None:
    setattr(posted.discussion.manners, rate, (2, 60.0))
    for _ in range(2):
        assert not _slowed(await _run(fake, world.general, world.bob, command, **options))
    assert _slowed(await _run(fake, world.general, world.bob, command, **options))
    # another member has a budget of their own
    assert not _slowed(await _run(fake, world.general, world.alice, command, **options))


async def test_summary_and_facts_share_the_asking_budget(
    fake: FakeDiscord, world: World, posted: DigestBot
) -> None:
    posted.discussion.manners.ask_rate = (2, 60.0)
    assert not _slowed(await _run(fake, world.general, world.bob, "summary"))
    assert not _slowed(await _run(fake, world.general, world.bob, "ask", question="Which chips?"))
    assert _slowed(await _run(fake, world.general, world.bob, "facts"))
    assert posted.workers.answers.stats.done == 2  # the refused one cost no work


async def test_autocomplete_goes_quiet_past_its_rate(
    fake: FakeDiscord, world: World, posted: DigestBot
) -> None:
    posted.discussion.manners.complete_rate = (3, 60.0)
    for _ in range(3):
        choices = await fake.autocomplete(world.general, world.bob, "ask", focused="article")
        assert [c["value"] for c in choices] == ["#1"]
    assert await fake.autocomplete(world.general, world.bob, "ask", focused="article") == []
    others = await fake.autocomplete(world.general, world.alice, "ask", focused="article")
    assert [c["value"] for c in others] == ["#1"]


async def test_settings_changes_have_a_cooldown_per_server(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    digestbot.discussion.manners.configure_rate = (2, 60.0)
    # a member who may not change settings uses up nothing of the server's budget
    for _ in range(3):
        refused = await _run(fake, world.general, world.bob, "settings threads", state="off")
        assert "Only moderators" in refused["content"]
    for state in ("off", "on"):
        done = await _run(fake, world.general, world.alice, "settings threads", state=state)
        assert f"now **{state}**" in done["content"]
    mods = fake.create_member(world.guild, "dora", roles=[world.mods])
    assert _slowed(await _run(fake, world.general, mods, "settings threads", state="off"))
    # another server has its own budget
    other = await _run(fake, world.lobby, world.carol, "settings threads", state="off")
    assert "now **off**" in other["content"]
    assert (await digestbot.store.get_settings(world.guild.id)).discussion_threads  # last: on
