"""The real bot on a REST API that misbehaves: rate limits, server errors, slow answers,
interactions past their deadlines, channels and messages deleted and permissions taken away
before the reply. Each command gets exactly one visible outcome (or, where Discord left no
one to tell, none and a warning), and nothing is logged as an ERROR."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.client import DigestBot
from bot.interactions import DISCORD_FAILED
from tests.e2e.bot_fixtures import World, embed_text, eventually, replies_to, shown
from tests.e2e.fakediscord import FakeDiscord, P

EPHEMERAL = 64
ARTICLE = (
    "Amazon invests $5 billion in Anthropic.\n\n"
    "The deal, announced on Monday, makes AWS the main cloud provider for Claude.\n\n"
    "Anthropic will train its next models on Trainium chips, the company said."
)
CHANNEL_MESSAGES = r"^/channels/\d+/messages$"


async def post(fake: FakeDiscord, world: World) -> dict[str, object]:
    ix = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    digest = await ix.wait_response()
    await fake.wait_until(lambda: fake.threads(world.guild) or None, what="the thread")
    return digest


async def settled(fake: FakeDiscord) -> None:
    """Until the bot has made no request for a moment."""
    while True:
        count = len(fake.requests)
        await asyncio.sleep(0.2)
        if len(fake.requests) == count:
            return


async def test_rate_limits_on_every_route_the_bot_answers_through(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    limited = [
        fake.faults.rate_limited("POST", "/callback$", retry_after=0.05),
        fake.faults.rate_limited("PATCH", "/messages/@original$", retry_after=0.05),
        fake.faults.rate_limited("POST", "/threads$", retry_after=0.05, is_global=True),
    ]
    await post(fake, world)
    fake.faults.rate_limited("POST", "/callback$", retry_after=0.05, is_global=True)
    ask = await fake.slash(world.general, world.bob, "ask", {"question": "which chips?"})
    assert "Trainium" in embed_text(await ask.wait_response())
    assert [rule.hits for rule in limited] == [1, 1, 1]
    assert len(shown(ask)) == 1
    assert len([m for m in fake.messages(world.general) if m["author"].get("bot")]) == 2


async def test_a_burst_under_rate_limit_buckets_is_answered_once_each(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world)
    fake.faults.route_limit("POST", "/callback$", limit=2, per=0.3)
    fake.faults.route_limit(None, "^/webhooks/", limit=2, per=0.3)
    fake.faults.global_limit(limit=8, per=0.5)
    members = [fake.create_member(world.guild, f"asker{i}") for i in range(8)]
    asks = [
        await fake.slash(world.general, m, "ask", {"question": "how much money?"}) for m in members
    ]
    for ask in asks:
        await ask.wait_response()
    await settled(fake)
    assert all(len(shown(ask)) == 1 for ask in asks)


async def test_server_errors_are_retried_or_explained(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world)
    # a 500 on the first response: discord.py tries again a second later, within the 3 s
    fake.faults.http_error("POST", "/callback$", 500)
    ask = await fake.slash(world.general, world.bob, "ask", {"question": "which chips?"})
    assert "Trainium" in embed_text(await ask.wait_response())
    assert len(shown(ask)) == 1


@pytest.mark.digestbot(message_content=True)
async def test_a_503_on_a_reply_is_explained_not_logged_as_an_error(
    fake: FakeDiscord,
    world: World,
    digestbot: DigestBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await post(fake, world)
    await settled(fake)
    # discord.py does not retry a 503 on a channel message: the bot says Discord failed
    fake.faults.http_error("POST", rf"^/channels/{world.general.id}/messages$", 503)
    question = await fake.send_user_message(world.general, world.bob, "!ask which chips?")
    await fake.wait_until(lambda: replies_to(fake, world, question) or None, what="a reply")
    await settled(fake)
    assert replies_to(fake, world, question) == [DISCORD_FAILED]
    assert any("Discord failed (503)" in r.getMessage() for r in caplog.records)


async def test_slow_answers(fake: FakeDiscord, world: World, digestbot: DigestBot) -> None:
    fake.faults.slow(None, "^/(interactions|webhooks)/", 0.4)
    digest = await post(fake, world)
    assert "Article #1" in embed_text(digest)
    ask = await fake.slash(world.general, world.bob, "ask", {"question": "which chips?"})
    assert "Trainium" in embed_text(await ask.wait_response())
    assert len(shown(ask)) == 1


@pytest.mark.discord_errors_ok
async def test_an_expired_interaction_is_a_warning(
    fake: FakeDiscord, world: World, digestbot: DigestBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.client")
    await post(fake, world)
    fake.faults.before("POST", "/callback$", lambda: fake.advance(3.5))
    ask = await fake.slash(world.general, world.bob, "ask", {"question": "which chips?"})
    await fake.wait_until(lambda: fake.errors or None, what="the late answer")
    await settled(fake)
    assert [e.code for e in fake.take_errors()] == [10062]  # no second try, no apology
    assert shown(ask) == []
    assert any("expired" in r.getMessage() for r in caplog.records)


@pytest.mark.discord_errors_ok
async def test_follow_ups_after_15_minutes(
    fake: FakeDiscord, world: World, digestbot: DigestBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.client")
    # the digest is ready only after the interaction's 15 minutes: Discord refuses it (50027)
    # and there is no one left to tell; the article is kept (`/article show` brings it)
    fake.faults.before("PATCH", "/messages/@original$", lambda: fake.advance(16 * 60))
    ix = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    await fake.wait_until(lambda: fake.errors or None, what="the late digest")
    await settled(fake)
    assert [e.code for e in fake.take_errors()] == [50027]  # and no second try
    assert shown(ix) == [] and fake.threads(world.guild) == []
    assert (await digestbot.store.list_articles(world.guild.id)).total == 1
    assert any("15 minutes" in r.getMessage() for r in caplog.records)


@pytest.mark.discord_errors_ok
async def test_a_channel_deleted_before_the_reply(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world)
    doomed = fake.create_text_channel(world.guild, "doomed")
    await eventually(lambda: digestbot.get_channel(doomed.id) is not None, "the channel")
    fake.faults.before("POST", "/callback$", lambda: fake.delete_channel(doomed))
    ask = await fake.slash(doomed, world.bob, "ask", {"question": "which chips?"})
    await fake.wait_until(lambda: fake.errors or None, what="the refused reply")
    await settled(fake)
    assert [e.code for e in fake.take_errors()] == [10003] and shown(ask) == []


@pytest.mark.digestbot(message_content=True)
async def test_a_message_deleted_before_the_reply_still_gets_its_answer(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world)
    question: dict[str, object] = {}
    fake.faults.before("POST", CHANNEL_MESSAGES, lambda: fake.delete_message(question))
    question.update(await fake.send_user_message(world.general, world.bob, "!ask which chips?"))
    answer = await fake.wait_for_bot_message(world.general, after=question)
    assert "Trainium" in embed_text(answer) and "message_reference" not in answer
    await settled(fake)
    assert len(fake.messages(world.general)) == 2  # the digest, and this answer


@pytest.mark.digestbot(message_content=True)
@pytest.mark.discord_errors_ok
async def test_permissions_taken_away_mid_session(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    me = fake.bot_member(world.guild)
    # no thread permission any more when the digest lands: the digest, and no thread
    fake.faults.before(
        "POST",
        "/threads$",
        lambda: fake.set_permissions(world.general, me, deny=P.CREATE_PUBLIC_THREADS),
    )
    ix = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    assert "Article #1" in embed_text(await ix.wait_response())
    await settled(fake)
    assert fake.threads(world.guild) == [] and [e.code for e in fake.take_errors()] == [50013]
    # no Send Messages any more: a prefix command cannot be answered (a warning), a slash
    # command still can (interaction replies need no channel permission)
    fake.faults.before(
        "POST",
        CHANNEL_MESSAGES,
        lambda: fake.set_permissions(world.general, me, deny=P.SEND_MESSAGES),
    )
    await fake.send_user_message(world.general, world.bob, "!ask which chips?")
    await fake.wait_until(lambda: fake.errors or None, what="the refused reply")
    await settled(fake)
    assert [e.code for e in fake.take_errors()] == [50013]
    ask = await fake.slash(world.general, world.bob, "ask", {"question": "which chips?"})
    assert "Trainium" in embed_text(await ask.wait_response())
