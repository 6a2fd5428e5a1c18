"""Posting, listing, showing and deleting articles through the fake Discord, with the real bot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.article import analyze, parse
from bot.client import DigestBot
from bot.render import unescape
from tests.e2e.bot_fixtures import World, button_id, buttons, embed_text
from tests.e2e.fakediscord import FakeDiscord

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()
EPHEMERAL = 64


def sample_facts() -> list[str]:
    return [f.text for f in analyze(parse(SAMPLE)).facts]


def assert_digest_of_sample(reply: dict[str, object]) -> None:
    text = unescape(embed_text(reply))  # type: ignore[arg-type]
    assert "TL;DR" in text
    assert "$5 billion" in text
    facts = sample_facts()
    assert facts, "the engine found no key facts in the sample"
    for fact in facts:
        assert " ".join(fact.split()) in " ".join(text.split())
    assert "¶" in text
    assert "Article #1" in text and "/ask" in text


async def test_moderator_posts_by_text(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    ix = await fake.slash(world.general, world.alice, "article post", {"text": SAMPLE})
    reply = await ix.wait_response()
    assert not reply["flags"] & EPHEMERAL
    assert_digest_of_sample(reply)
    stored = await digestbot.store.get_article(world.guild.id, 1)
    assert stored is not None and stored.text == SAMPLE and stored.source_kind == "text"
    assert await digestbot.store.article_for_message(world.guild.id, int(reply["id"])) == 1


async def test_moderator_posts_by_file(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    ix = await fake.slash(
        world.general,
        world.alice,
        "article post",
        attachments={"file": ("amazon-deal.txt", SAMPLE.encode(), "text/plain")},
    )
    reply = await ix.wait_response()
    assert_digest_of_sample(reply)
    stored = await digestbot.store.get_article(world.guild.id, 1)
    assert stored is not None and stored.source_kind == "file"
    assert stored.title == "amazon deal"


async def test_moderator_posts_by_modal(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    ix = await fake.slash(world.general, world.alice, "article post")
    modal = await ix.wait_modal()
    assert modal["title"] == "Post an article"
    submitted = await fake.submit_modal(ix, {"title": "Amazon and Anthropic", "body": SAMPLE})
    reply = await submitted.wait_response()
    assert_digest_of_sample(reply)
    assert reply["embeds"][0]["title"] == "Amazon and Anthropic"


async def test_member_without_permission_is_refused(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    ix = await fake.slash(world.general, world.bob, "article post", {"text": SAMPLE})
    reply = await ix.wait_response()
    assert reply["flags"] & EPHEMERAL
    assert "Only moderators" in reply["content"]
    assert (await digestbot.store.list_articles(world.guild.id)).total == 0
    # the modal is refused before it opens, and so is the context menu
    ix = await fake.slash(world.general, world.bob, "article post")
    assert (await ix.wait_response())["flags"] & EPHEMERAL


async def test_duplicate_is_recognised(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    first = await fake.slash(world.general, world.alice, "article post", {"text": SAMPLE})
    await first.wait_response()
    again = await fake.slash(world.general, world.alice, "article post", {"text": SAMPLE + "\n"})
    reply = await again.wait_response()
    assert "already here" in reply["content"] and "#1" in reply["content"]
    assert (await digestbot.store.list_articles(world.guild.id)).total == 1


async def test_pings_nobody(fake: FakeDiscord, world: World, digestbot: DigestBot) -> None:
    noisy = (
        "@everyone Big news <@123> and @here: Amazon invests $5 billion in Anthropic, says "
        f"<@{world.bob.user.id}>.\n\n"
        "<@&456> The deal was announced on Monday @everyone. **Bold** claims and `code` too."
    )
    ix = await fake.slash(world.general, world.alice, "article post", {"text": noisy})
    reply = await ix.wait_response()
    assert reply["allowed_mentions"] == {"parse": []}
    assert reply["mentions"] == [] and not reply["mention_everyone"]
    assert reply.get("mention_roles", []) == []
    for request in fake.find_requests("POST", r"/(messages|callback)"):
        body = request.json or {}
        payload = body.get("data", body) if isinstance(body, dict) else {}
        if "allowed_mentions" in payload:
            assert payload["allowed_mentions"] == {"parse": []}
    assert "$5 billion" in unescape(embed_text(reply))


async def test_list_show_delete_with_buttons(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    for i in range(12):
        text = f"Article number {i} says that {i} apples cost {i + 1} dollars at the market."
        ix = await fake.slash(world.general, world.alice, "article post", {"text": text})
        await ix.wait_response()
    listing = await fake.slash(world.general, world.bob, "article list")
    page1 = await listing.wait_response()
    assert "#12" in embed_text(page1) and "#3" in embed_text(page1)
    assert "#2 " not in embed_text(page1)
    assert buttons(page1)["◀"] and not buttons(page1)["▶"]

    # someone else's click is refused, and the page does not change
    intruder = await fake.click(world.general, world.alice, page1["id"], button_id(page1, "▶"))
    refusal = await intruder.wait_response()
    assert refusal["flags"] & EPHEMERAL and "belong" in refusal["content"]

    click = await fake.click(world.general, world.bob, page1["id"], button_id(page1, "▶"))
    page2 = await click.wait_response()
    assert "#2" in embed_text(page2) and "#1" in embed_text(page2)
    assert "#12" not in embed_text(page2)
    assert buttons(page2)["▶"] and not buttons(page2)["◀"]

    show = await fake.slash(world.general, world.bob, "article show", {"article": "#3"})
    digest = await show.wait_response()
    assert "Article #3" in embed_text(digest)

    choices = await fake.autocomplete(
        world.general, world.alice, "article show", focused="article", value="Article"
    )
    assert choices and all(c["value"].startswith("#") for c in choices)

    # bob may not delete; alice may, after confirming (and bob cannot confirm for her)
    refused = await fake.slash(world.general, world.bob, "article delete", {"article": "3"})
    assert "Only moderators" in (await refused.wait_response())["content"]
    ask = await fake.slash(world.general, world.alice, "article delete", {"article": "#3"})
    question = await ask.wait_response()
    assert "Delete article" in question["content"]
    stolen = await fake.click(
        world.general, world.bob, question["id"], button_id(question, "Delete")
    )
    assert (await stolen.wait_response())["flags"] & EPHEMERAL
    assert await digestbot.store.get_article(world.guild.id, 3) is not None
    confirm = await fake.click(
        world.general, world.alice, question["id"], button_id(question, "Delete")
    )
    done = await confirm.wait_response()
    assert "Deleted article" in done["content"] and not done["components"]
    assert await digestbot.store.get_article(world.guild.id, 3) is None
    gone = await fake.slash(world.general, world.bob, "article show", {"article": "#3"})
    assert "no article #3" in (await gone.wait_response())["content"]


async def test_paginator_disables_on_timeout(
    fake: FakeDiscord, world: World, digestbot: DigestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import views

    monkeypatch.setattr(views.Paginator.__init__, "__defaults__", (0.3,))
    for i in range(11):
        ix = await fake.slash(
            world.general, world.alice, "article post", {"text": f"Story {i} is about {i} cats."}
        )
        await ix.wait_response()
    listing = await fake.slash(world.general, world.bob, "article list")
    page = await listing.wait_response()
    message_id = page["id"]

    def all_disabled() -> bool:
        message = fake.message(message_id)
        state = buttons(message)
        return bool(state) and all(state.values())

    await fake.wait_until(all_disabled, timeout=5, what="buttons disabled after the timeout")


async def test_guilds_are_isolated(fake: FakeDiscord, world: World, digestbot: DigestBot) -> None:
    ix = await fake.slash(world.general, world.alice, "article post", {"text": SAMPLE})
    await ix.wait_response()
    show = await fake.slash(world.lobby, world.carol, "article show", {"article": "#1"})
    assert "no article #1" in (await show.wait_response())["content"]
    listing = await fake.slash(world.lobby, world.carol, "article list")
    assert "No articles yet" in embed_text(await listing.wait_response())
    choices = await fake.autocomplete(
        world.lobby, world.carol, "article show", focused="article", value="Amazon"
    )
    assert choices == []
    delete = await fake.slash(world.lobby, world.carol, "article delete", {"article": "1"})
    assert "no article #1" in (await delete.wait_response())["content"]
    assert await digestbot.store.get_article(world.guild.id, 1) is not None
