"""Posting, listing, showing and deleting articles through the fake Discord, with the real bot."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.article import ENGINE_VERSION, Digest, Summary, analyze, parse
from bot.client import DigestBot
from bot.render import unescape
from storage import NewArticle
from tests.e2e.bot_fixtures import World, buttons, click, embed_text, eventually, linked
from tests.e2e.fakediscord import FakeDiscord, run_bot_process

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()
# What fits in one Discord message (2000 characters): the heading and first two paragraphs.
SHORT = "\n".join(SAMPLE.splitlines()[:3])
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
    await linked(digestbot, world, reply, 1)


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
    intruder = await click(fake, digestbot, world.general, world.alice, page1, "▶")
    refusal = await intruder.wait_response()
    assert refusal["flags"] & EPHEMERAL and "belong" in refusal["content"]

    forward = await click(fake, digestbot, world.general, world.bob, page1, "▶")
    page2 = await forward.wait_response()
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
    stolen = await click(fake, digestbot, world.general, world.bob, question, "Delete")
    assert (await stolen.wait_response())["flags"] & EPHEMERAL
    assert await digestbot.store.get_article(world.guild.id, 3) is not None
    confirm = await click(fake, digestbot, world.general, world.alice, question, "Delete")
    done = await confirm.wait_response()
    assert "Deleted article" in done["content"] and not done["components"]
    assert await digestbot.store.get_article(world.guild.id, 3) is None
    gone = await fake.slash(world.general, world.bob, "article show", {"article": "#3"})
    assert "no article #3" in (await gone.wait_response())["content"]


async def test_show_makes_a_digest_of_an_older_engine_again(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    """A digest stored by another engine version is made again when it is shown, and
    written back; the reader sees the new one at once."""
    article = parse(SAMPLE)
    old = Digest(None, Summary(["(an old digest)"], []), [], 4, 1, "0")
    await digestbot.store.add_article(
        NewArticle(
            guild_id=world.guild.id,
            channel_id=world.general.id,
            author_id=world.alice.id,
            title=None,
            source_kind="text",
            source_ref=None,
            text=SAMPLE,
            paragraphs=[(p.number, p.heading, p.text) for p in article.paragraphs],
            analysis=old.to_dict(),
            engine_version="0",
        )
    )
    show = await fake.slash(world.general, world.bob, "article show", {"article": "#1"})
    reply = await show.wait_response()
    assert "(an old digest)" not in embed_text(reply)
    assert_digest_of_sample(reply)

    async def rewritten() -> bool:
        stored = await digestbot.store.get_article(world.guild.id, 1)
        return stored is not None and stored.engine_version == ENGINE_VERSION

    await eventually(rewritten, "the new digest to be stored")
    # a member who may not delete is told so before the article is even looked up
    refused = await fake.slash(world.general, world.bob, "article delete", {"article": "#99"})
    assert "Only moderators" in (await refused.wait_response())["content"]


async def test_paginator_disables_on_timeout(
    fake: FakeDiscord, world: World, digestbot: DigestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import views

    monkeypatch.setattr(views, "PAGINATOR_TIMEOUT", 0.3)
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


# --- other ways in: context menu, prefix commands, files, web pages ----------------------------


async def test_save_message_as_article(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    message = await fake.send_user_message(world.general, world.bob, SHORT)
    ix = await fake.context_menu(world.general, world.alice, "Save as article", message)
    reply = await ix.wait_response()
    assert "$5 billion" in unescape(embed_text(reply))
    stored = await digestbot.store.get_article(world.guild.id, 1)
    assert stored is not None and stored.source_kind == "message"
    assert stored.source_ref is not None and str(message["id"]) in stored.source_ref
    refused = await fake.context_menu(world.general, world.bob, "Save as article", message)
    assert "Only moderators" in (await refused.wait_response())["content"]


async def test_slash_commands_work_without_the_message_content_intent(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    assert fake.intents is not None and not fake.intents & (1 << 15)
    ix = await fake.slash(world.general, world.alice, "article post", {"text": SAMPLE})
    assert_digest_of_sample(await ix.wait_response())
    # a prefix command's text is invisible without the intent: the bot stays silent
    await fake.send_user_message(world.general, world.alice, "!article list")
    ix = await fake.slash(world.general, world.alice, "article list")
    await ix.wait_response()
    bot_messages = [m for m in fake.messages(world.general) if m["author"].get("bot")]
    assert sum("Articles (" in embed_text(m) for m in bot_messages) == 1  # the slash one


@pytest.mark.digestbot(message_content=True)
async def test_prefix_commands_with_the_intent(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    posted = await fake.send_user_message(world.general, world.alice, f"!article post {SHORT}")
    reply = await fake.wait_for_bot_message(world.general, after=posted)
    assert "$5 billion" in unescape(embed_text(reply))
    sent = fake.find_requests("POST", r"/channels/\d+/messages$")
    quiet = {"parse": [], "replied_user": False}
    assert sent and all(r.json["allowed_mentions"] == quiet for r in sent)

    # as a reply to someone's message: posts that message
    other = "Paris hosted 12 meetings in 2024.\n\nThe mayor said 3 more will follow next year."
    source = await fake.send_user_message(world.general, world.bob, other)
    command = await fake.send_user_message(
        world.general, world.alice, "!article post", reply_to=source
    )
    reply = await fake.wait_for_bot_message(world.general, after=command)
    assert "Article #2" in embed_text(reply)
    stored = await digestbot.store.get_article(world.guild.id, 2)
    assert stored is not None and stored.text == other

    # with a file attached
    attached = await fake.send_user_message(
        world.general,
        world.alice,
        "!article post",
        attachments=[("deal.md", SAMPLE.encode(), "text/markdown")],
    )
    reply = await fake.wait_for_bot_message(world.general, after=attached)
    assert "Article #3" in embed_text(reply) and "$5 billion" in unescape(embed_text(reply))

    # members without permission get a short refusal
    refused = await fake.send_user_message(world.general, world.bob, "!article post Some text.")
    answer = await fake.wait_for_bot_message(world.general, after=refused)
    assert "Only moderators" in answer["content"]

    listing = await fake.send_user_message(world.general, world.bob, "!article list")
    answer = await fake.wait_for_bot_message(world.general, after=listing)
    assert all(f"#{n}" in embed_text(answer) for n in (1, 2, 3))

    missing = await fake.send_user_message(world.general, world.bob, "!article show")
    answer = await fake.wait_for_bot_message(world.general, after=missing)
    assert "Missing `article`" in answer["content"]


@pytest.mark.digestbot(max_article_bytes=2000)
async def test_bad_files_get_clear_messages(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    cases = [
        (("notes.pdf", b"%PDF-1.4 ...", "application/pdf"), "not “notes.pdf”"),
        (("big.txt", b"word " * 1000, "text/plain"), "the limit is 1 KB"),
        (("blob.txt", bytes(range(256)) * 4, "text/plain"), "binary"),
    ]
    for spec, expected in cases:
        ix = await fake.slash(
            world.general, world.alice, "article post", attachments={"file": spec}
        )
        reply = await ix.wait_response()
        assert reply["flags"] & EPHEMERAL, reply
        assert expected in reply["content"]
    both = await fake.slash(
        world.general, world.alice, "article post", {"text": "x", "url": "https://example.com"}
    )
    assert "one of" in (await both.wait_response())["content"]
    assert (await digestbot.store.list_articles(world.guild.id)).total == 0


HTML_PAGE = """<!doctype html><html><head><title>Amazon bets on Anthropic</title>
<meta name="author" content="Jane Reporter"></head><body>
<nav><a href="/">Home</a> <a href="/tech">Tech</a></nav>
<article><h1>Amazon bets on Anthropic</h1>
<p>Anthropic and Amazon formalized a deepened strategic partnership through a $5 billion
investment and expanded cloud computing agreement, as reported by The Wall Street Journal.</p>
<h2>Why it matters</h2>
<p>For Anthropic, the funding provides the runway necessary to pursue the extraordinarily
compute-intensive work of training frontier AI models, which demand infrastructure
investments measured in the billions of dollars.</p>
<p>Amazon, for its part, gains a privileged relationship with one of the most credible
safety-focused AI labs in the world, embedding Claude deeply into its AWS offerings.</p>
</article><footer>Subscribe to our newsletter. Cookie settings.</footer></body></html>"""


async def test_html_file_goes_through_the_extractor(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    ix = await fake.slash(
        world.general,
        world.alice,
        "article post",
        attachments={"file": ("page.html", HTML_PAGE.encode(), "text/html")},
    )
    reply = await ix.wait_response()
    text = unescape(embed_text(reply))
    assert reply["embeds"][0]["title"] == "Amazon bets on Anthropic"
    assert "$5 billion" in text and "Why it matters" in text
    stored = await digestbot.store.get_article(world.guild.id, 1)
    assert stored is not None and "Home" not in stored.text and "Cookie" not in stored.text


@pytest.fixture
async def web_page() -> AsyncIterator[str]:
    """A local web server on 127.0.0.1 serving HTML_PAGE at /story; yields the URL."""

    async def story(_: web.Request) -> web.Response:
        return web.Response(text=HTML_PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/story", story)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/story"
    finally:
        await runner.cleanup()


@pytest.mark.digestbot(fetch_allow_hosts=frozenset({"127.0.0.1"}))
async def test_post_by_url(
    fake: FakeDiscord, world: World, digestbot: DigestBot, web_page: str
) -> None:
    ix = await fake.slash(world.general, world.alice, "article post", {"url": web_page})
    reply = await ix.wait_response()
    assert reply["embeds"][0]["title"] == "Amazon bets on Anthropic"
    assert reply["embeds"][0].get("url") == web_page
    text = unescape(embed_text(reply))
    assert "Jane Reporter" in text and "$5 billion" in text
    stored = await digestbot.store.get_article(world.guild.id, 1)
    assert stored is not None and stored.source_kind == "url" and stored.source_ref == web_page
    # a page that is not there: a short message, nothing stored
    missing = web_page.replace("/story", "/gone")
    ix = await fake.slash(world.general, world.alice, "article post", {"url": missing})
    reply = await ix.wait_response()
    assert "404" in reply["content"] or "not found" in reply["content"].lower(), reply
    assert (await digestbot.store.list_articles(world.guild.id)).total == 1


async def test_private_urls_are_refused(
    fake: FakeDiscord, world: World, digestbot: DigestBot, web_page: str
) -> None:
    for url in (web_page, "http://169.254.169.254/latest/meta-data", "file:///etc/passwd"):
        ix = await fake.slash(world.general, world.alice, "article post", {"url": url})
        reply = await ix.wait_response()
        assert reply["flags"] & EPHEMERAL and reply["content"], reply
    assert (await digestbot.store.list_articles(world.guild.id)).total == 0


# --- settings, owner sync, errors -------------------------------------------------------------


async def test_moderator_role_setting(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    writers = fake.create_role(world.guild, "Writers")
    dave = fake.create_member(world.guild, "dave", roles=[writers])
    ix = await fake.slash(world.general, dave, "article post", {"text": SAMPLE})
    assert "Only moderators" in (await ix.wait_response())["content"]
    # Manage Messages is not enough to choose the moderator role; the server owner may
    ix = await fake.slash(world.general, world.alice, "settings modrole", {"role": writers})
    assert "Manage Server" in (await ix.wait_response())["content"]
    owner = fake.create_member(world.guild, world.guild.owner)
    ix = await fake.slash(world.general, owner, "settings modrole", {"role": writers})
    assert "Writers" in (await ix.wait_response())["content"]
    ix = await fake.slash(world.general, dave, "article post", {"text": SAMPLE})
    assert_digest_of_sample(await ix.wait_response())
    ix = await fake.slash(world.general, world.alice, "settings threads", {"state": "off"})
    assert "off" in (await ix.wait_response())["content"]
    assert not (await digestbot.store.get_settings(world.guild.id)).discussion_threads
    assert (await digestbot.store.get_settings(world.guild_b.id)).moderator_role_id is None
    shown = await fake.slash(world.general, world.bob, "settings show")
    reply = await shown.wait_response()
    assert reply["flags"] & EPHEMERAL
    assert reply["content"] == (
        "**Moderators**: members with Manage Messages, the role **Writers**\n"
        "**Discussion threads**: off"
    )


async def test_owner_sync_by_mention(fake: FakeDiscord, world: World, digestbot: DigestBot) -> None:
    owner = fake.create_member(world.guild, fake.app_owner)
    message = await fake.send_user_message(
        world.general, owner, "sync here", mentions=[fake.bot_user]
    )
    reply = await fake.wait_for_bot_message(world.general, after=message)
    assert "to this server" in reply["content"]
    names = {c["name"] for c in fake.commands(world.guild)}
    assert {"article", "settings", "Save as article"} <= names
    refused = await fake.send_user_message(
        world.general, world.alice, "sync here", mentions=[fake.bot_user]
    )
    answer = await fake.wait_for_bot_message(world.general, after=refused)
    assert "owner" in answer["content"]


@pytest.mark.expected_errors("database on fire")
async def test_unexpected_error_is_logged_and_apologised_for(
    fake: FakeDiscord,
    world: World,
    digestbot: DigestBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire at /secret/path")

    monkeypatch.setattr(digestbot.store, "list_articles", broken)
    ix = await fake.slash(world.general, world.bob, "article list")
    reply = await ix.wait_response()
    assert reply["flags"] & EPHEMERAL
    assert "Sorry" in reply["content"] and "secret" not in reply["content"]
    assert any(r.exc_info and "database on fire" in str(r.exc_info[1]) for r in caplog.records), (
        "the traceback was not logged"
    )


# --- python -m bot, as a user runs it ---------------------------------------------------------


def _child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Settings for a `python -m bot` child: a database in tmp_path, quick to start."""
    return {"DIGESTBOT_DB": str(tmp_path / "data" / "bot.sqlite3"), "LOG_LEVEL": "INFO", **extra}


async def test_python_m_bot_against_the_fake(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    env = _child_env(tmp_path, DEV_GUILD_ID=str(world.guild.id))
    async with run_bot_process(fake, env=env, cwd=tmp_path) as proc:
        await fake.wait_ready(timeout=20)
        await fake.wait_for_request("PUT", rf"/guilds/{world.guild.id}/commands$", timeout=20)
        ix = await fake.slash(world.general, world.alice, "article post", {"text": SAMPLE})
        assert_digest_of_sample(await ix.wait_response(timeout=20))
    assert proc.returncode == 0, proc.output
    assert "store closed" in proc.output
    assert (tmp_path / "data" / "bot.sqlite3").is_file()
    # no global sync without the owner asking for it
    assert not fake.find_requests("PUT", rf"/applications/{fake.application_id}/commands$")


@pytest.mark.fakediscord(privileged_intents_allowed=False)
@pytest.mark.discord_errors_ok
async def test_refused_intent_says_where_to_enable_it(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    env = _child_env(tmp_path, MESSAGE_CONTENT="true")
    async with run_bot_process(fake, env=env, cwd=tmp_path) as proc:
        code = await proc.wait_exit(timeout=20)
    assert code == 1, proc.output
    assert "Privileged Gateway Intents" in proc.output
    assert "Message Content Intent" in proc.output


def test_no_token_exits_2_with_help(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).parents[2])},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "DISCORD_TOKEN" in done.stderr
    assert "developers/applications" in done.stderr
    assert "python -m bot digest FILE" in done.stderr
    assert not (tmp_path / "data").exists()
