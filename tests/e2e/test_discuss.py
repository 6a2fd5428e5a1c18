"""Asking about, quoting, summarising and searching articles — commands, replies and discussion
threads — through the fake Discord, with the real bot."""

from __future__ import annotations

import logging
import os
import re
import signal
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.article import key_facts, parse, summarize
from bot.client import DigestBot
from bot.render import unescape
from cogs import discuss
from tests.e2e.bot_fixtures import (
    World,
    buttons,
    click,
    embed_text,
    eventually,
    linked,
)
from tests.e2e.fakediscord import FakeChannel, FakeDiscord, FakeMember

JSON = dict[str, Any]
SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()
PARAGRAPHS = [p.text for p in parse(SAMPLE).paragraphs]
EPHEMERAL = 64
_MARK = re.compile(r"\\.|\*\*")
OTHER = (
    "Paris hosted 12 city council meetings in 2024, the mayor said on Tuesday.\n\n"
    "The mayor added that 3 more meetings about the new tram line will follow next year."
)


@pytest.fixture(autouse=True)
def generous_cooldowns(digestbot: DigestBot) -> None:
    """Tests ask many questions; the cooldown tests set their own limits."""
    manners = digestbot.discussion.manners
    manners.ask_rate = manners.search_rate = (100, 60.0)
    manners.channel_followup_rate = (100, 60.0)


# --- helpers ----------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split())


def unquote(description: str) -> str:
    text = description.removeprefix("> ").removeprefix("… ").removesuffix(" …")
    return unescape(_MARK.sub(lambda m: "" if m.group(0) == "**" else m.group(0), text))


def quoted(message: JSON) -> dict[int, str]:
    """¶ number → the text quoted for it in `message` (pieces of a long one joined)."""
    out: dict[int, str] = {}
    for embed in message.get("embeds", []):
        m = re.match(r"¶(\d+)", embed.get("title") or "")
        if m and (embed.get("description") or "").startswith("> "):
            number = int(m.group(1))
            piece = unquote(embed["description"])
            out[number] = f"{out[number]} {piece}" if number in out else piece
    return out


def bold(message: JSON) -> list[str]:
    return [
        unescape(b)
        for e in message.get("embeds", [])
        for b in re.findall(r"\*\*(.+?)\*\*", e.get("description") or "")
    ]


def bot_replies_to(fake: FakeDiscord, channel: FakeChannel, message: JSON) -> list[JSON]:
    return [
        m
        for m in fake.messages(channel)
        if m["author"].get("bot")
        and (m.get("message_reference") or {}).get("message_id") == str(message["id"])
    ]


async def post(
    fake: FakeDiscord, channel: FakeChannel, who: FakeMember, text: str = SAMPLE
) -> JSON:
    ix = await fake.slash(channel, who, "article post", {"text": text})
    return await ix.wait_response()


async def ask(
    fake: FakeDiscord, channel: FakeChannel, who: FakeMember, question: str, **options: str
) -> JSON:
    ix = await fake.slash(channel, who, "ask", {"question": question, **options})
    return await ix.wait_response()


async def discussion_thread(fake: FakeDiscord, world: World) -> FakeChannel:
    """The thread the bot opened for the first digest, once its intro message is there."""
    found = await fake.wait_until(
        lambda: fake.threads(world.guild) or None, what="a discussion thread"
    )
    thread = fake.thread(found[0]["id"])
    await fake.wait_until(lambda: fake.messages(thread) or None, what="the thread's intro")
    return thread


def assert_answers(reply: JSON, paragraph: int) -> None:
    """`reply` quotes ¶`paragraph` first, whole and verbatim, its best sentence in bold."""
    assert not reply["flags"] & EPHEMERAL
    assert reply.get("allowed_mentions", {"parse": []})["parse"] == []
    assert reply["mentions"] == [] and not reply["mention_everyone"]
    got = quoted(reply)
    assert got, f"no quotes in {embed_text(reply)!r}"
    assert next(iter(got)) == paragraph, embed_text(reply)
    assert got[paragraph] == _norm(PARAGRAPHS[paragraph - 1])
    assert reply["embeds"][0]["title"] == f"¶{paragraph} · Detailed Analysis"
    assert bold(reply) and _norm(bold(reply)[0]) in got[paragraph]


# --- /ask -------------------------------------------------------------------------------------

QUESTIONS = [
    ("How much did Amazon invest in Anthropic?", 1, "$5 billion"),
    ("Which chips does Anthropic rely on?", 1, "Trainium"),
    ("Who reported the deal?", 1, "Wall Street Journal"),
    ("Is AWS the primary cloud partner?", 1, "primary cloud"),
    ("What does the funding give Anthropic?", 2, "runway"),
    ("Is it a counterweight to Microsoft?", 2, "counterweight"),
    ("What about Google and DeepMind?", 3, "DeepMind"),
    ("Where does Mistral fit in?", 3, "Mistral"),
    ("Will Claude come to Alexa?", 4, "Alexa"),
    ("What is the virtuous cycle?", 4, "virtuous cycle"),
    ("Can Anthropic keep its safety focus under commercial pressure?", 4, "commercial pressure"),
]


async def test_ask_quotes_the_paragraphs_that_answer(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    digest = await post(fake, world.general, world.alice)
    for question, paragraph, words in QUESTIONS:
        reply = await ask(fake, world.general, world.bob, question)
        assert_answers(reply, paragraph)
        assert words in quoted(reply)[paragraph]
        assert question in unescape(reply["content"]) and "#1" in reply["content"]
        await linked(digestbot, world, reply, 1)
    assert len(quoted(await ask(fake, world.general, world.bob, "What about DeepMind?"))) == 1
    assert digest["id"]


async def test_unanswerable_questions_say_so_and_quote_nothing(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world.general, world.alice)
    for question in (
        "What is the weather in Paris tomorrow?",
        "How do I bake sourdough bread?",
        "Who won the football match?",
    ):
        reply = await ask(fake, world.general, world.bob, question)
        assert "doesn't seem to cover that" in reply["content"], reply["content"]
        assert reply["embeds"] == [] and not reply["components"]
        assert not any(_norm(p)[:40] in reply["content"] for p in PARAGRAPHS)


async def test_more_button_sends_the_next_passages_for_the_asker_only(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world.general, world.alice)
    first = await ask(fake, world.general, world.bob, "How much did Amazon invest in Anthropic?")
    shown = list(quoted(first))
    assert 1 <= len(shown) <= 3 and shown[0] == 1
    assert buttons(first) == {"More": False}

    stolen = await click(fake, digestbot, world.general, world.alice, first, "More")
    refusal = await stolen.wait_response()
    assert refusal["flags"] & EPHEMERAL and "belong" in refusal["content"]

    pages = [first]
    while buttons(pages[-1]):
        pressed = await click(fake, digestbot, world.general, world.bob, pages[-1], "More")
        edited = await pressed.wait_response(index=0)
        assert not edited["components"]  # the used button goes away
        nxt = await pressed.wait_response(index=1)
        assert not nxt["flags"] & EPHEMERAL
        await linked(digestbot, world, nxt, 1)
        pages.append(nxt)
    seen = [n for page in pages for n in quoted(page)]
    assert len(seen) == len(set(seen)) and len(pages) >= 2
    for page in pages:
        for number, text in quoted(page).items():
            assert text == _norm(PARAGRAPHS[number - 1])


@pytest.mark.digestbot(message_content=True)
async def test_more_buttons_are_disabled_when_they_time_out(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world.general, world.alice)
    # an interaction's reply (edited through the interaction's webhook) ...
    answer = await ask(fake, world.general, world.bob, "How much did Amazon invest in Anthropic?")
    # ... and a reply to a message (edited in its channel)
    question = await fake.send_user_message(
        world.general, world.bob, "Which chips does Anthropic use?", reply_to=answer
    )
    follow_up = await fake.wait_for_bot_message(world.general, after=question)
    assert buttons(answer) == buttons(follow_up) == {"More": False}
    registered = digestbot._connection._view_store._synced_message_views  # discord.py internals
    ids = [int(m["id"]) for m in (answer, follow_up)]
    await eventually(lambda: all(i in registered for i in ids), "the views to be registered")
    views = [registered[i] for i in ids]
    for view in views:
        await view.on_timeout()
    for message in (answer, follow_up):
        assert buttons(fake.message(message["id"])) == {"More": True}


async def test_more_after_the_article_was_deleted(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world.general, world.alice)
    answer = await ask(fake, world.general, world.bob, "How much did Amazon invest in Anthropic?")
    assert await digestbot.store.delete_article(world.guild.id, 1)
    pressed = await click(fake, digestbot, world.general, world.bob, answer, "More")
    messages = [await pressed.wait_response(index=0), await pressed.wait_response(index=1)]
    notice = next(m for m in messages if m["flags"] & EPHEMERAL)
    assert "was deleted" in notice["content"]
    assert not fake.message(answer["id"])["components"]


async def test_no_article_yet_says_how_to_post_one(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    for command, options in (
        ("ask", {"question": "Anything?"}),
        ("summary", {}),
        ("facts", {}),
    ):
        ix = await fake.slash(world.general, world.bob, command, options)
        reply = await ix.wait_response()
        assert reply["flags"] & EPHEMERAL, command
        assert "no articles in this server yet" in reply["content"]
        assert "/article post" in reply["content"]


async def test_which_article_when_none_is_named(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    news = fake.create_text_channel(world.guild, "news")
    random = fake.create_text_channel(world.guild, "random")
    await post(fake, world.general, world.alice)  # #1 in #general
    await post(fake, news, world.alice, OTHER)  # #2 in #news: the server's latest
    thread = await discussion_thread(fake, world)  # of #1
    question = "How many meetings did Paris host?"
    # the latest in this channel, not the server's latest
    assert "#1" in (await ask(fake, world.general, world.bob, question))["content"]
    assert "#2" in (await ask(fake, news, world.bob, question))["content"]
    # a channel without articles: the server's latest
    assert "#2" in (await ask(fake, random, world.bob, question))["content"]
    # the discussion thread: its article
    assert "#1" in (await ask(fake, thread, world.bob, question))["content"]
    # named: that one, by number or by title
    reply = await ask(fake, random, world.bob, question, article="#2")
    assert "#2" in reply["content"] and "12 city council meetings" in quoted(reply)[1]
    choices = await fake.autocomplete(
        world.general, world.bob, "ask", focused="article", value="Detailed"
    )
    assert [c["value"] for c in choices] == ["#1"]
    missing = await fake.slash(world.general, world.bob, "ask", {"question": "?", "article": "#9"})
    assert "no article #9" in (await missing.wait_response())["content"]


async def test_known_articles_follow_new_posts_and_deletes(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    question = "How many meetings did Paris host?"
    await post(fake, world.general, world.alice)  # #1
    assert "#1" in (await ask(fake, world.general, world.bob, question))["content"]
    assert "#1" in (await ask(fake, world.general, world.bob, question, article="#1"))["content"]
    await post(fake, world.general, world.alice, OTHER)  # #2: now the latest here
    reply = await ask(fake, world.general, world.bob, question)
    assert "#2" in reply["content"] and "12 city council meetings" in quoted(reply)[1]
    assert await digestbot.store.delete_article(world.guild.id, 2)
    assert "#1" in (await ask(fake, world.general, world.bob, question))["content"]
    missing = await fake.slash(world.general, world.bob, "ask", {"question": "?", "article": "#2"})
    assert "no article #2" in (await missing.wait_response())["content"]
    assert await digestbot.store.delete_article(world.guild.id, 1)
    gone = await fake.slash(world.general, world.bob, "ask", {"question": question})
    assert "no articles in this server yet" in (await gone.wait_response())["content"]


async def test_answers_come_from_the_answer_workers_and_a_dead_one_is_replaced(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    pool = digestbot.workers.answers
    await post(fake, world.general, world.alice)
    for question, paragraph, words in QUESTIONS[:4]:
        reply = await ask(fake, world.general, world.bob, question)
        assert_answers(reply, paragraph)
        assert words in quoted(reply)[paragraph]
    (holder,) = pool.holders((world.guild.id, 1))  # parsed once, by the worker that answered
    os.kill(holder, signal.SIGKILL)
    await eventually(lambda: holder not in pool.pids, "the pool to notice")
    for question, paragraph, _ in QUESTIONS[4:6]:  # a new worker, sent the article again
        assert_answers(await ask(fake, world.general, world.bob, question), paragraph)
    assert pool.holders((world.guild.id, 1)) and holder not in pool.pids


# --- /quote, /summary, /facts -------------------------------------------------------------------


async def test_quote_paragraphs_and_ranges(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world.general, world.alice)
    for spec, expected in (("4", [4]), ("2-3", [2, 3]), ("1,3", [1, 3]), ("¶2–4", [2, 3, 4])):
        ix = await fake.slash(
            world.general, world.bob, "quote", {"article": "#1", "paragraphs": spec}
        )
        reply = await ix.wait_response()
        assert not reply["flags"] & EPHEMERAL
        got = quoted(reply)
        assert list(got) == expected, spec
        for number in expected:
            assert got[number] == _norm(PARAGRAPHS[number - 1])
        assert bold(reply) == []  # a quote highlights nothing
    for spec, message in (
        ("7", "There is no ¶7: this article has ¶1–4."),
        ("0-2", "There is no ¶0: this article has ¶1–4."),
        ("3-9", "There is no ¶9"),
        ("first", "is not a paragraph number"),
    ):
        ix = await fake.slash(
            world.general, world.bob, "quote", {"article": "1", "paragraphs": spec}
        )
        reply = await ix.wait_response()
        assert reply["flags"] & EPHEMERAL and message in reply["content"], reply["content"]
    many = "\n\n".join(f"Point {i}: the council approved {i} new parks in 2024." for i in range(9))
    await post(fake, world.general, world.alice, many)
    ix = await fake.slash(world.general, world.bob, "quote", {"article": "#2", "paragraphs": "1-8"})
    reply = await ix.wait_response()
    assert reply["flags"] & EPHEMERAL and "up to 5 at once" in reply["content"]


async def test_summary_lengths_and_facts(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world.general, world.alice)
    article = parse(SAMPLE)
    texts: dict[str, str] = {}
    for length in ("short", "medium", "long"):
        ix = await fake.slash(world.general, world.bob, "summary", {"length": length})
        reply = await ix.wait_response()
        assert not reply["flags"] & EPHEMERAL
        texts[length] = text = _norm(unescape(embed_text(reply)))
        assert f"Summary ({length})" in text
        tldr = summarize(article, max_sentences=discuss.SUMMARY_TLDR[length]).tldr
        assert tldr and all(text.count(_norm(s)) == 1 for s in tldr)  # shown once, never again
    fields = lambda r: [f["name"] for e in r["embeds"] for f in e.get("fields", [])]  # noqa: E731
    assert "Detailed Analysis · ¶1–4" not in texts["short"]
    assert "Detailed Analysis · ¶1–4" in texts["medium"] and "Key facts" not in texts["medium"]
    assert "Key facts" in texts["long"]
    default = await (await fake.slash(world.general, world.bob, "summary")).wait_response()
    assert "Summary (medium)" in embed_text(default) and fields(default)

    ix = await fake.slash(world.general, world.bob, "facts", {"article": "#1"})
    text = _norm(unescape(embed_text(await ix.wait_response())))
    facts = key_facts(article, limit=discuss.FACTS_LIMIT)
    assert facts
    for fact in facts:
        assert f"{_norm(fact.text)} (¶{fact.paragraph})" in text
    assert "$5 billion" in text


# --- /search ----------------------------------------------------------------------------------


async def test_search_across_the_servers_articles(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world.general, world.alice)
    ix = await fake.slash(world.general, world.bob, "search", {"query": "Alexa"})
    reply = await ix.wait_response()
    text = unescape(embed_text(reply))
    assert "#1" in text and "¶4" in text and "Alexa" in text and not reply["components"]
    for i in range(7):
        await post(
            fake,
            world.general,
            world.alice,
            f"Orchard report {i}: apples sold for {i + 2} dollars.\n\nPears stayed at {i} dollars.",
        )
    ix = await fake.slash(world.general, world.bob, "search", {"query": "apples"})
    page1 = await ix.wait_response()
    assert "apples" in embed_text(page1) and buttons(page1)["▶"] is False
    refused = await click(fake, digestbot, world.general, world.alice, page1, "▶")
    assert (await refused.wait_response())["flags"] & EPHEMERAL
    pressed = await click(fake, digestbot, world.general, world.bob, page1, "▶")
    page2 = await pressed.wait_response()
    numbers = lambda m: set(re.findall(r"#(\d+) ·", embed_text(m)))  # noqa: E731
    assert numbers(page1) and numbers(page2) and not numbers(page1) & numbers(page2)
    assert len(numbers(page1) | numbers(page2)) == 7
    nothing = await fake.slash(world.general, world.bob, "search", {"query": "zeppelin"})
    assert "No paragraph" in embed_text(await nothing.wait_response())


# --- isolation --------------------------------------------------------------------------------


async def test_guild_b_never_sees_guild_a_articles(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world.general, world.alice)
    assert await digestbot.store.latest_article(world.guild.id) is not None
    lobby, carol = world.lobby, world.carol
    for command, options in (
        ("ask", {"question": "How much did Amazon invest?"}),
        ("summary", {}),
        ("facts", {}),
    ):
        reply = await (await fake.slash(lobby, carol, command, options)).wait_response()
        assert "no articles in this server yet" in reply["content"], command
        named = await fake.slash(lobby, carol, command, {**options, "article": "#1"})
        assert "no article #1" in (await named.wait_response())["content"], command
        titled = await fake.slash(lobby, carol, command, {**options, "article": "Detailed"})
        assert "No article here" in (await titled.wait_response())["content"], command
    quote = await fake.slash(lobby, carol, "quote", {"article": "#1", "paragraphs": "1"})
    assert "no article #1" in (await quote.wait_response())["content"]
    search = await fake.slash(lobby, carol, "search", {"query": "Amazon Anthropic"})
    assert "No paragraph" in embed_text(await search.wait_response())
    for command in ("ask", "quote", "summary", "facts"):
        choices = await fake.autocomplete(lobby, carol, command, focused="article", value="")
        assert choices == [], command
    mention = await fake.send_user_message(
        lobby, carol, "how much did Amazon invest?", mentions=[fake.bot_user]
    )
    answer = await fake.wait_for_bot_message(lobby, after=mention)
    assert "no articles in this server yet" in answer["content"]
    # guild B's own article #1 is its own
    await post(fake, lobby, carol, OTHER)
    reply = await ask(fake, lobby, carol, "How many meetings did Paris host?", article="#1")
    assert "12 city council meetings" in quoted(reply)[1]
    reply = await ask(fake, world.general, world.bob, "How many meetings did Paris host?")
    assert "doesn't seem to cover" in reply["content"]  # guild A still asks its own #1


# --- manners ----------------------------------------------------------------------------------


async def test_cooldowns_say_when_to_try_again(
    fake: FakeDiscord, world: World, digestbot: DigestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    digestbot.discussion.manners.ask_rate = (2, 60.0)
    digestbot.discussion.manners.search_rate = (1, 30.0)
    await post(fake, world.general, world.alice)
    for _ in range(2):
        assert quoted(await ask(fake, world.general, world.bob, "Which chips?"))
    slow = await fake.slash(world.general, world.bob, "ask", {"question": "Which chips?"})
    reply = await slow.wait_response()
    assert reply["flags"] & EPHEMERAL and not slow.deferred
    m = re.search(r"try again in (\d+) s", reply["content"])
    assert m and 50 <= int(m.group(1)) <= 60, reply["content"]
    # someone else is not slowed down
    assert quoted(await ask(fake, world.general, world.alice, "Which chips?"))
    # follow-ups share the asker's cooldown: bob is told once, then ignored
    first = await fake.send_user_message(
        world.general, world.bob, "Alexa?", mentions=[fake.bot_user]
    )
    notice = await fake.wait_for_bot_message(world.general, after=first)
    assert "try again in" in notice["content"]
    again = await fake.send_user_message(
        world.general, world.bob, "Alexa?", mentions=[fake.bot_user]
    )
    probe = await fake.send_user_message(
        world.general, world.alice, "Alexa?", mentions=[fake.bot_user]
    )
    await fake.wait_for_bot_message(world.general, after=probe)
    assert bot_replies_to(fake, world.general, again) == []
    # search has its own
    ix = await fake.slash(world.general, world.bob, "search", {"query": "Alexa"})
    assert "Alexa" in embed_text(await ix.wait_response())
    ix = await fake.slash(world.general, world.bob, "search", {"query": "Alexa"})
    reply = await ix.wait_response()
    assert reply["flags"] & EPHEMERAL and "try again in" in reply["content"]


@pytest.mark.digestbot(message_content=True)
async def test_a_prefix_mistake_shows_what_was_typed_never_a_link(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    await post(fake, world.general, world.alice)
    masked = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")  # a [text]( Discord would link
    for typed in (
        "!quote [FreeNitro](https://evil.example/claim) 1",
        "!article show [FreeNitro](https://evil.example/claim)",
        "!quote 1 [FreeNitro](https://evil.example/claim)",
    ):
        sent = await fake.send_user_message(world.general, world.bob, typed)
        reply = (await fake.wait_for_bot_message(world.general, after=sent))["content"]
        assert "FreeNitro" in reply and not masked.search(reply), reply


@pytest.mark.digestbot(message_content=True)
async def test_a_chatty_thread_is_capped(
    fake: FakeDiscord, world: World, digestbot: DigestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    digestbot.discussion.manners.channel_followup_rate = (2, 60.0)
    await post(fake, world.general, world.alice)
    thread = await discussion_thread(fake, world)
    people = [world.bob, world.alice] + [fake.create_member(world.guild, f"u{i}") for i in range(2)]
    sent = []
    for who in people:
        sent.append(await fake.send_user_message(thread, who, "Which chips does it use?"))
        await fake.wait_for_bot_message(thread, after=sent[-1]) if len(sent) <= 3 else None
    answers = [bot_replies_to(fake, thread, m) for m in sent[:3]]
    assert quoted(answers[0][0]) and quoted(answers[1][0])
    assert "try again in" in answers[2][0]["content"]
    probe = await ask(fake, thread, world.bob, "Which chips?")  # slash commands still answer
    assert quoted(probe)
    assert bot_replies_to(fake, thread, sent[3]) == []  # told once per wait


async def test_a_paragraph_longer_than_an_embed(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    sentences = [
        f"In district {i} the orchard cooperative planted {i * 3} young cherry trees "
        f"beside the canal and recorded their growth every season."
        for i in range(90)
    ]
    long_paragraph = " ".join(
        [*sentences[:40], "The zeppelin hangar was rebuilt in 1931.", *sentences[40:]]
    )
    assert len(long_paragraph) > 8000
    text = f"Opening paragraph about the canal.\n\n{long_paragraph}\n\nA short closing note."
    ix = await fake.slash(
        world.general,
        world.alice,
        "article post",
        attachments={"file": ("canal.txt", text.encode(), "text/plain")},
    )
    await ix.wait_response()
    reply = await ask(fake, world.general, world.bob, "When was the zeppelin hangar rebuilt?")
    pieces = [e for e in reply["embeds"] if e["title"].startswith("¶2")]
    assert len(pieces) >= 2 and pieces[1]["title"].endswith("(cont.)")
    assert all(len(e["description"]) <= 4096 for e in reply["embeds"])
    assert bold(reply) == ["The zeppelin hangar was rebuilt in 1931."]
    shown = [reply]
    while buttons(shown[-1]):
        pressed = await click(fake, digestbot, world.general, world.bob, shown[-1], "More")
        shown.append(await pressed.wait_response(index=1))
    whole = " ".join(quoted(m).get(2, "") for m in shown).strip()
    assert whole == _norm(long_paragraph)
    ix = await fake.slash(world.general, world.bob, "quote", {"article": "#1", "paragraphs": "2"})
    page = await ix.wait_response()
    assert "▶" in buttons(page)  # more than one message: a paginator
    assert quoted(page)[2].startswith("In district 0 ")


async def test_pings_nobody(fake: FakeDiscord, world: World, digestbot: DigestBot) -> None:
    noisy = (
        f"@everyone Big news for <@{world.bob.user.id}>: the canal reopened in 2024.\n\n"
        "The mayor @here thanked <@&1> for the 3 new bridges."
    )
    await post(fake, world.general, world.alice, noisy)
    reply = await ask(fake, world.general, world.bob, "When did the canal reopen? @everyone")
    assert "canal reopened" in quoted(reply)[1]
    assert reply["mentions"] == [] and not reply["mention_everyone"]
    for r in fake.find_requests("POST", r"/(messages|callback|webhooks/\d+/[^/]+)$"):
        body = r.json or {}
        payload = body.get("data", body) if isinstance(body, dict) else {}
        if isinstance(payload, dict) and "allowed_mentions" in payload:
            assert payload["allowed_mentions"]["parse"] == []


async def test_slow_work_is_deferred(
    fake: FakeDiscord, world: World, digestbot: DigestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await post(fake, world.general, world.alice)
    digestbot.discussion.defer_after = 0.0
    ix = await fake.slash(world.general, world.bob, "ask", {"question": "Which chips?"})
    assert await ix.wait_callback() == 5
    assert_answers(await ix.wait_response(), 1)
    # a mistake is still answered before deferring, so it stays private
    bad = await fake.slash(world.general, world.bob, "quote", {"article": "#1", "paragraphs": "9"})
    reply = await bad.wait_response()
    assert reply["flags"] & EPHEMERAL and not bad.deferred


# --- threads and follow-ups -----------------------------------------------------------------------


@pytest.mark.digestbot(message_content=True)
async def test_discussion_thread_answers_questions(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    digest = await post(fake, world.general, world.alice)
    thread = await discussion_thread(fake, world)
    assert thread.name == "Discuss: Detailed Analysis"
    assert thread.id == int(digest["id"])  # opened on the digest message
    assert "end a message with “?”" in fake.messages(thread)[0]["content"]
    assert await digestbot.store.article_for_thread(world.guild.id, thread.id) == 1

    chatter = await fake.send_user_message(thread, world.bob, "interesting read")
    question = await fake.send_user_message(thread, world.bob, "Will Claude come to Alexa?")
    answer = await fake.wait_for_bot_message(thread, after=question)
    assert_answers(answer, 4)
    assert (answer.get("message_reference") or {}).get("message_id") == question["id"]
    assert bot_replies_to(fake, thread, chatter) == []
    # a mention asks without a question mark; replying to an answer asks about its article
    mention = await fake.send_user_message(
        thread, world.alice, "the chips they use", mentions=[fake.bot_user]
    )
    assert_answers(await fake.wait_for_bot_message(thread, after=mention), 1)
    await linked(digestbot, world, answer, 1)
    follow = await fake.send_user_message(thread, world.bob, "And Mistral?", reply_to=answer)
    assert_answers(await fake.wait_for_bot_message(thread, after=follow), 3)
    # the "More" button of a thread answer belongs to whoever asked
    more = await click(fake, digestbot, thread, world.alice, answer, "More")
    assert (await more.wait_response())["flags"] & EPHEMERAL
    # prefix commands in the thread are commands, not questions
    cmd = await fake.send_user_message(thread, world.bob, "!facts")
    reply = await fake.wait_for_bot_message(thread, after=cmd)
    assert "Key facts" in embed_text(reply)
    assert len(bot_replies_to(fake, thread, cmd)) == 1


@pytest.mark.digestbot(message_content=True)
async def test_replies_to_digests_and_answers(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    off = await fake.slash(world.general, world.alice, "settings threads", {"state": "off"})
    await off.wait_response()
    digest = await post(fake, world.general, world.alice)
    await post(fake, world.general, world.alice, OTHER)  # #2 is now the latest here
    question = await fake.send_user_message(
        world.general, world.bob, "Which chips does Anthropic use?", reply_to=digest
    )
    answer = await fake.wait_for_bot_message(world.general, after=question)
    assert_answers(answer, 1)  # about #1, the digest replied to, not the latest
    await linked(digestbot, world, answer, 1)
    again = await fake.send_user_message(
        world.general, world.bob, "what about Alexa?", reply_to=answer, mention_author=False
    )
    assert_answers(await fake.wait_for_bot_message(world.general, after=again), 4)
    thanks = await fake.send_user_message(world.general, world.bob, "thanks!", reply_to=answer)
    cmd = await fake.send_user_message(world.general, world.bob, "!ask #1 Who reported it?")
    assert_answers(await fake.wait_for_bot_message(world.general, after=cmd), 1)
    assert bot_replies_to(fake, world.general, thanks) == []
    # a prefix command replying to a digest uses that digest's article
    cmd = await fake.send_user_message(world.general, world.bob, "!summary short", reply_to=digest)
    assert "#1" in embed_text(await fake.wait_for_bot_message(world.general, after=cmd))
    cmd = await fake.send_user_message(world.general, world.bob, "!quote 2 1")
    assert (
        "12 city council meetings"
        in quoted(await fake.wait_for_bot_message(world.general, after=cmd))[1]
    )
    cmd = await fake.send_user_message(world.general, world.bob, "!search tram line")
    assert "#2" in embed_text(await fake.wait_for_bot_message(world.general, after=cmd))
    assert fake.threads(world.guild) == []  # the setting is off


@pytest.mark.digestbot(message_content=True)
async def test_prefix_article_options(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    """The article option converts the same for prefix commands: a title with spaces, a
    length after it or alone, and a named article that does not exist is said so (never
    silently replaced by the current one)."""
    off = await fake.slash(world.general, world.alice, "settings threads", {"state": "off"})
    await off.wait_response()
    await post(fake, world.general, world.alice)
    await post(fake, world.general, world.alice, OTHER)  # #2, the latest here

    async def reply_to(text: str) -> JSON:
        cmd = await fake.send_user_message(world.general, world.bob, text)
        return await fake.wait_for_bot_message(world.general, after=cmd)

    long = embed_text(await reply_to("!summary long"))
    assert "Summary (long) · #2" in long and "Key facts" in long
    assert "Summary (short) · #1" in embed_text(await reply_to("!summary #1 short"))
    for text in ("!summary #9", "!facts #9", "!quote #9 1", "!ask #9 Who?"):
        assert "There is no article #9" in (await reply_to(text))["content"], text
    assert (
        "no article here has a title like"
        in (await reply_to("!facts Giraffes"))["content"].casefold()
    )
    assert "Key facts" in embed_text(await reply_to("!facts Detailed Analysis"))
    missing = await fake.slash(world.general, world.bob, "facts", {"article": "#9"})
    reply = await missing.wait_response()
    assert "There is no article #9" in reply["content"] and reply["flags"] & EPHEMERAL


async def test_without_the_intent_mentions_and_slash_commands_work(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    assert fake.intents is not None and not fake.intents & (1 << 15)
    digest = await post(fake, world.general, world.alice)
    thread = await discussion_thread(fake, world)
    assert "mention me" in fake.messages(thread)[0]["content"]
    # unseen text: a reply without a ping, a question in the thread — silence, no error
    unseen = await fake.send_user_message(
        world.general, world.bob, "Which chips?", reply_to=digest, mention_author=False
    )
    in_thread = await fake.send_user_message(thread, world.bob, "Which chips?")
    # a reply that pings the bot carries its text
    pinged = await fake.send_user_message(world.general, world.bob, "Which chips?", reply_to=digest)
    assert_answers(await fake.wait_for_bot_message(world.general, after=pinged), 1)
    mention = await fake.send_user_message(thread, world.bob, "Alexa", mentions=[fake.bot_user])
    assert_answers(await fake.wait_for_bot_message(thread, after=mention), 4)
    anywhere = await fake.send_user_message(
        world.general, world.bob, "who reported the deal", mentions=[fake.bot_user]
    )
    assert_answers(await fake.wait_for_bot_message(world.general, after=anywhere), 1)
    assert bot_replies_to(fake, world.general, unseen) == []
    assert bot_replies_to(fake, thread, in_thread) == []
    # a mention that is a command runs the command only
    cmd = await fake.send_user_message(world.general, world.bob, "facts", mentions=[fake.bot_user])
    reply = await fake.wait_for_bot_message(world.general, after=cmd)
    assert "Key facts" in embed_text(reply)
    assert_answers(await ask(fake, world.general, world.bob, "Which chips?"), 1)


async def test_thread_skipped_without_permission(
    fake: FakeDiscord, world: World, digestbot: DigestBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cogs.discuss")
    fake.set_permissions(
        world.general, fake.bot_user, deny=discord.Permissions(create_public_threads=True)
    )
    digest = await post(fake, world.general, world.alice)
    await eventually(
        lambda: any("no permission to open a thread" in r.getMessage() for r in caplog.records),
        "the skipped thread to be logged",
    )
    assert fake.threads(world.guild) == []
    assert quoted(await ask(fake, world.general, world.bob, "Which chips?"))
    assert digest["embeds"]
