"""The real bot on a gateway that misbehaves: it reconnects by itself, answers what was sent
while it was away exactly once, and a replayed event is not a second command."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.client import DigestBot
from bot.workers import Zygote
from tests.e2e.bot_fixtures import World, embed_text, replies_to, shown, start_digestbot
from tests.e2e.fakediscord import FakeDiscord

ARTICLE = (
    "Amazon invests $5 billion in Anthropic.\n\n"
    "The deal, announced on Monday, makes AWS the main cloud provider for Claude.\n\n"
    "Anthropic will train its next models on Trainium chips, the company said."
)
EPHEMERAL = 64


@pytest.mark.parametrize("code", [4000, 1006, 4008])
async def test_commands_sent_while_the_bot_is_away_are_answered_once(
    fake: FakeDiscord, world: World, digestbot: DigestBot, code: int
) -> None:
    await fake.faults.close_gateway(code)
    post = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    digest = await post.wait_response()
    assert "Article #1" in embed_text(digest)
    ask = await fake.slash(world.general, world.bob, "ask", {"question": "which chips?"})
    assert "Trainium" in embed_text(await ask.wait_response())
    assert fake.gateway.stats["resumed"] == 1 and fake.gateway.stats["identifies"] == 1
    assert len(shown(post)) == 1 and len(shown(ask)) == 1
    assert (await digestbot.store.list_articles(world.guild.id)).total == 1


async def test_a_lost_session_is_replaced(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    first = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    await first.wait_response()
    fake.faults.invalid_session(resumable=False)
    await fake.wait_until(
        lambda: fake.gateway.stats["identifies"] == 2 or None, what="a new IDENTIFY"
    )
    await fake.wait_ready()
    await fake.faults.close_gateway(4009)  # session timed out: the RESUME is refused
    await fake.wait_until(
        lambda: fake.gateway.stats["identifies"] == 3 or None, what="a third IDENTIFY"
    )
    await fake.wait_ready()
    ask = await fake.slash(world.general, world.bob, "ask", {"question": "how much money?"})
    assert "$5 billion" in embed_text(await ask.wait_response()).replace("\\$", "$")
    assert len(shown(ask)) == 1


@pytest.mark.fakediscord(heartbeat_interval=0.05)
async def test_a_zombie_connection_is_noticed(
    fake: FakeDiscord, world: World, tmp_path: Path, zygote: Zygote
) -> None:
    options = {"heartbeat_timeout": 0.5}
    async with start_digestbot(fake, tmp_path, zygote=zygote, client_options=options):
        fake.faults.zombie()
        post = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
        digest = await post.wait_response(timeout=10)
        assert "Article #1" in embed_text(digest)
        assert fake.gateway.stats["client closed 4000"] == 1
        assert fake.gateway.stats["resumed"] == 1 and len(shown(post)) == 1


async def test_a_replayed_interaction_is_not_a_second_command(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    mark = fake.gateway.sessions[-1].seq
    post = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    await post.wait_response()
    await fake.wait_until(lambda: fake.threads(world.guild) or None, what="the thread")
    ask = await fake.slash(world.general, world.bob, "ask", {"question": "which chips?"})
    await ask.wait_response()
    # Discord delivers everything since the post again (the interactions included)
    fake.faults.duplicate_on_resume(fake.gateway.sessions[-1].seq - mark)
    fake.faults.reconnect()
    await fake.wait_until(lambda: fake.gateway.stats["resumed"] == 1 or None, what="a RESUME")
    ping = await fake.slash(world.general, world.bob, "ask", {"question": "how much money?"})
    await ping.wait_response()  # everything replayed before it has been handled
    assert len(shown(post)) == 1 and len(shown(ask)) == 1
    assert [r.kind for r in post.responses] == ["callback", "edit"]  # defer, then the digest
    assert [r.kind for r in ask.responses][:1] == ["callback"] and len(ask.responses) <= 2
    assert (await digestbot.store.list_articles(world.guild.id)).total == 1
    assert len(fake.threads(world.guild)) == 1


@pytest.mark.digestbot(message_content=True)
async def test_a_replayed_message_is_not_a_second_command(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    mark = fake.gateway.sessions[-1].seq
    sent = await fake.send_user_message(world.general, world.alice, f"!article post {ARTICLE}")
    await fake.wait_for_bot_message(world.general, after=sent)
    await fake.wait_until(lambda: fake.threads(world.guild) or None, what="the thread")
    question = await fake.send_user_message(world.general, world.bob, "!ask which chips?")
    await fake.wait_for_bot_message(world.general, after=question)
    fake.faults.duplicate_on_resume(fake.gateway.sessions[-1].seq - mark)
    fake.faults.reconnect()
    await fake.wait_until(lambda: fake.gateway.stats["resumed"] == 1 or None, what="a RESUME")
    last = await fake.send_user_message(world.general, world.bob, "!ask how much money?")
    await fake.wait_for_bot_message(world.general, after=last)
    posted = replies_to(fake, world, sent)
    assert len(posted) == 1 and "TL;DR" in posted[0], posted  # not "already here"
    assert len(replies_to(fake, world, question)) == 1
    assert (await digestbot.store.list_articles(world.guild.id)).total == 1
    assert len(fake.threads(world.guild)) == 1
