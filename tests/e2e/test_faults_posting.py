"""Posting (issue 10, item 5): mistakes stay private, junk is not an article, and a Discord that
fails while the digest is sent neither loses it nor posts it twice."""

from __future__ import annotations

import pytest

from bot.client import DigestBot
from tests.e2e.bot_fixtures import World, embed_text
from tests.e2e.fakediscord import FakeDiscord, FakeInteraction

EPHEMERAL = 64
ARTICLE = (
    "Amazon invests $5 billion in Anthropic.\n\n"
    "The deal, announced on Monday, makes AWS the main cloud provider for Claude.\n\n"
    "Anthropic will train its next models on Trainium chips, the company said."
)
GENERAL_MESSAGES = r"^/channels/{}/messages$"


def long_article() -> str:
    """An article whose digest takes two messages."""
    parts = []
    for i in range(1, 16):
        quays = ", ".join(
            f"the {side} quay number {i}{j} with its {j * 7} cranes and {j * 11} berths"
            for j, side in enumerate(["north", "south", "east", "west", "old", "new"], 1)
        )
        parts += [
            f"## Harbour district {i}",
            f"The council approved plan {i} for {quays}, costing {i * 3} million euros.",
            f"Residents of district {i} expect {i * 100} jobs near {quays}, critics said.",
        ]
    return "\n\n".join(parts)


def public_bot_messages(fake: FakeDiscord, world: World) -> list[dict[str, object]]:
    return [m for m in fake.messages(world.general) if m["author"].get("bot")]


def private_replies(ix: FakeInteraction) -> list[dict[str, object]]:
    return [m for m in ix.messages() if m["flags"] & EPHEMERAL]


async def stored_count(bot: DigestBot, world: World) -> int:
    return (await bot.store.list_articles(world.guild.id)).total


def quick_retries(bot: DigestBot) -> None:
    articles = bot.get_cog("Articles")
    assert articles is not None
    articles.delivery.retry_delays = (0.01,)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    ["# Title only", "Read original article →", "🙂", "--- *** ...", "2024 — 2025 !!! 🙂🙂"],
)
async def test_a_text_that_is_not_an_article_is_refused_privately(
    fake: FakeDiscord, world: World, digestbot: DigestBot, text: str
) -> None:
    ix = await fake.slash(world.general, world.alice, "article post", {"text": text})
    reply = await ix.wait_response()
    assert reply["flags"] & EPHEMERAL and ix.callback_type == 4  # checked before any defer
    assert "nothing was posted" in reply["content"] or "no paragraphs" in reply["content"]
    assert public_bot_messages(fake, world) == [] and fake.threads(world.guild) == []
    assert await stored_count(digestbot, world) == 0


async def test_words_in_any_script_are_an_article(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    texts = ("今日は東京で会議がありました。", "Москва приняла план.", "Bonjour 🙂 tout le monde")
    for text in texts:
        ix = await fake.slash(world.general, world.alice, "article post", {"text": text})
        assert not (await ix.wait_response())["flags"] & EPHEMERAL
    assert await stored_count(digestbot, world) == 3


async def test_a_refusal_after_a_public_defer_removes_the_placeholder(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    digestbot.discussion.defer_after = 0.0  # as if the analysis were slow: defer at once
    ix = await fake.slash(world.general, world.alice, "article post", {"text": "🙂 🙂 🙂"})
    reply = await ix.wait_response()
    assert ix.callback_type == 5  # "thinking…" was public for a moment
    assert [r.kind for r in ix.responses] == ["callback", "delete", "followup"]
    assert reply["flags"] & EPHEMERAL and "not an article" in reply["content"]
    assert public_bot_messages(fake, world) == []
    # the same for a duplicate, and for a link that cannot be read
    first = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    await first.wait_response()
    again = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    reply = await again.wait_response()
    assert reply["flags"] & EPHEMERAL and "already here" in reply["content"]
    assert len(public_bot_messages(fake, world)) == 1  # the first digest only
    assert await stored_count(digestbot, world) == 1


async def test_a_duplicate_is_refused_privately(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    first = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    await first.wait_response()
    again = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    reply = await again.wait_response()
    assert reply["flags"] & EPHEMERAL and again.callback_type == 4
    assert "already here" in reply["content"] and "#1" in reply["content"]


async def test_the_digest_is_sent_again_when_discord_fails(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    quick_retries(digestbot)
    # the connection drops under the digest, then the answer to the retry is lost (discord.py
    # retries that 502 itself): the placeholder is replaced once, by the digest
    fake.faults.disconnect("PATCH", "/messages/@original$")
    fake.faults.http_error("PATCH", "/messages/@original$", 502, after=True)
    ix = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    digest = await ix.wait_response()
    assert "Article #1" in embed_text(digest) and not digest["flags"] & EPHEMERAL
    await fake.wait_until(lambda: fake.threads(world.guild) or None, what="the thread")
    assert len(public_bot_messages(fake, world)) == 1 and len(fake.threads(world.guild)) == 1
    assert fake.threads(world.guild)[0]["id"] == digest["id"]  # opened on the digest
    assert [r.status for r in fake.find_requests("PATCH", "@original$")] == [0, 502, 200]
    assert await stored_count(digestbot, world) == 1


@pytest.mark.digestbot(message_content=True)
async def test_a_prefix_digest_sent_again_is_not_posted_twice(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    quick_retries(digestbot)
    # Discord made the message, then the connection dropped: the retry repeats its nonce
    fake.faults.disconnect("POST", GENERAL_MESSAGES.format(world.general.id), after=True)
    sent = await fake.send_user_message(world.general, world.alice, f"!article post {ARTICLE}")
    digest = await fake.wait_for_bot_message(world.general, after=sent)
    await fake.wait_until(lambda: fake.threads(world.guild) or None, what="the thread")
    assert "Article #1" in embed_text(digest)
    assert len(public_bot_messages(fake, world)) == 1
    posts = fake.find_requests("POST", GENERAL_MESSAGES.format(world.general.id))
    assert len(posts) == 2 and posts[0].json["nonce"] == posts[1].json["nonce"]


async def test_when_the_digest_cannot_be_sent_the_poster_is_told_privately(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    quick_retries(digestbot)
    down = fake.faults.disconnect("PATCH", "/messages/@original$", times=None)
    ix = await fake.slash(world.general, world.alice, "article post", {"text": ARTICLE})
    notice = await ix.wait_response()
    assert notice["flags"] & EPHEMERAL
    assert "#1" in notice["content"] and "/article show #1" in notice["content"]
    assert down.hits == 2  # the first try and one retry
    assert public_bot_messages(fake, world) == []  # the placeholder is gone, no apology
    assert fake.threads(world.guild) == [] and await stored_count(digestbot, world) == 1
    down.cancel()
    show = await fake.slash(world.general, world.bob, "article show", {"article": "#1"})
    assert "Article #1" in embed_text(await show.wait_response())


@pytest.mark.digestbot(message_content=True)
async def test_a_prefix_poster_is_told_in_a_direct_message(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    quick_retries(digestbot)
    fake.faults.disconnect("POST", GENERAL_MESSAGES.format(world.general.id), times=None)
    await fake.send_user_message(world.general, world.alice, f"!article post {ARTICLE}")
    dm = fake.dm_channel(world.alice)
    notice = await fake.wait_for_bot_message(dm)
    assert "/article show #1" in notice["content"]
    assert public_bot_messages(fake, world) == [] and await stored_count(digestbot, world) == 1


async def test_a_digest_cut_short_opens_its_thread_and_says_so(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    quick_retries(digestbot)
    fake.faults.disconnect("POST", "^/webhooks/", times=2)  # page 2, and its retry
    harbour = ("harbour.md", long_article().encode(), "text/markdown")
    ix = await fake.slash(world.general, world.alice, "article post", {"file": harbour})
    first = await ix.wait_response()
    notice = await ix.wait_response(index=1)
    assert "Article #1" in embed_text(first) and not first["flags"] & EPHEMERAL
    assert notice["flags"] & EPHEMERAL and "the rest of its digest" in notice["content"]
    await fake.wait_until(lambda: fake.threads(world.guild) or None, what="the thread")
    assert fake.threads(world.guild)[0]["id"] == first["id"]
