"""The client: every extension loads, command names never collide, analysis keeps the loop free,
and errors map to the right messages."""

from __future__ import annotations

import asyncio
import gc
import pkgutil
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from discord.ext import commands

import cogs
from bot.client import (
    DigestBot,
    OtherProcesses,
    RepeatFilter,
    ShardedDigestBot,
    bot_class,
    build_intents,
    describe_shards,
)
from bot.config import Settings
from bot.workers import Zygote
from storage import ArticleChange, NewArticle, StoredArticle, open_store

ALL_EXTENSIONS = tuple(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__))


@pytest.fixture
async def bot(tmp_path: Path, zygote: Zygote) -> AsyncIterator[DigestBot]:
    store = await open_store(tmp_path / "db.sqlite3")
    client = DigestBot(Settings(token="x"), store, extensions=ALL_EXTENSIONS, zygote=zygote)
    try:
        yield client
    finally:
        await client.close()
        await store.close()


async def test_every_extension_loads_and_names_never_collide(bot: DigestBot) -> None:
    assert {"cogs.articles", "cogs.admin"} <= set(ALL_EXTENSIONS)
    await bot.setup_hook()  # loads every extension; discord.py refuses duplicates itself
    assert set(bot.extensions) == set(ALL_EXTENSIONS)

    prefix_names = Counter(
        name
        for command in bot.walk_commands()
        for name in (
            command.qualified_name,
            *(f"{command.full_parent_name} {a}".strip() for a in command.aliases),
        )
    )
    assert [n for n, c in prefix_names.items() if c > 1] == []

    app_names: Counter[tuple[str, str]] = Counter()
    for command in bot.tree.walk_commands():
        app_names[("slash", command.qualified_name)] += 1
    for kind in (discord.AppCommandType.message, discord.AppCommandType.user):
        for menu in bot.tree.get_commands(type=kind):
            app_names[(kind.name, menu.name)] += 1
    assert [n for n, c in app_names.items() if c > 1] == []
    assert ("slash", "article post") in app_names and ("message", "Save as article") in app_names
    assert ("slash", "article list") in app_names and ("slash", "settings modrole") in app_names
    for command in bot.tree.get_commands():  # Discord rejects a schema it cannot register
        command.to_dict(bot.tree)


async def test_analysis_keeps_the_event_loop_free(bot: DigestBot) -> None:
    paragraph = (
        "Amazon said on Monday it would invest $4 billion in Anthropic, the AI startup, and "
        "that Anthropic would use Amazon's Trainium chips to train its Claude models. "
    ) * 4
    text = "\n\n".join(f"{paragraph} Paragraph {i}." for i in range(600))  # about 400 KB
    worst = 0.0
    done = False

    async def watch() -> None:
        nonlocal worst
        while not done:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            worst = max(worst, time.perf_counter() - start - 0.01)

    # As `python -m bot` does once ready (`bot.runner.settle_memory`): without it, a full
    # collection over everything the test process holds by now is a ~100 ms pause itself.
    gc.collect()
    gc.freeze()
    watcher = asyncio.create_task(watch())
    try:
        start = time.perf_counter()
        analysed = await bot.analyze_text(text, title="Big", guild_id=1)
        took = time.perf_counter() - start
    finally:
        gc.unfreeze()
        done = True
        await watcher
    assert analysed.digest is not None and analysed.digest.paragraph_count == 600
    assert len(analysed.paragraphs) == 600
    assert worst < 0.1, f"the loop stalled {worst:.3f} s during a {took:.2f} s analysis"


async def test_adding_and_deleting_articles_are_bot_events(bot: DigestBot) -> None:
    seen: list[tuple[str, tuple[object, ...]]] = []

    async def stored(article: StoredArticle) -> None:
        seen.append(("stored", (article.guild_id, article.number)))

    async def deleted(guild_id: int, number: int) -> None:
        seen.append(("deleted", (guild_id, number)))

    bot.add_listener(stored, "on_article_stored")
    bot.add_listener(deleted, "on_article_deleted")
    new = NewArticle(
        guild_id=1,
        channel_id=2,
        author_id=3,
        title="T",
        source_kind="text",
        source_ref=None,
        text="One paragraph.",
        paragraphs=[(1, None, "One paragraph.")],
        analysis={},
        engine_version="test",
    )
    async with bot:  # set up as `python -m bot` does (no login needed)
        assert (await bot.store.add_article(new)).created
        assert not (await bot.store.add_article(new)).created  # a duplicate: no new article
        assert await bot.store.delete_article(1, 1)
        assert not await bot.store.delete_article(1, 1)
        assert (await bot.store.get_article(1, 1)) is None  # the rest goes to the store as is
        await asyncio.sleep(0)  # listeners run as tasks
        assert seen == [("stored", (1, 1)), ("deleted", (1, 1))]
        # what another process deletes in a shared database is the same event here
        other = OtherProcesses(bot)
        other.changed(ArticleChange("added", 1, 5, 2))
        other.changed(ArticleChange("changed", 1, 5))
        other.changed(ArticleChange("deleted", 1, 5))
        other.reset(False)
        assert not bot.discussion.stored.live
        other.reset(True)
        await asyncio.sleep(0)
    assert seen[2:] == [("deleted", (1, 5))] and bot.discussion.stored.live


def test_intents_follow_the_setting() -> None:
    assert not build_intents(Settings()).message_content
    assert build_intents(Settings(message_content=True)).message_content
    assert not build_intents(Settings()).members


def test_a_repeated_interaction_or_message_is_parsed_once() -> None:
    parsed: list[tuple[str, str]] = []
    parsers = {
        event: (lambda data, event=event: parsed.append((event, data["id"])))
        for event in ("INTERACTION_CREATE", "MESSAGE_CREATE", "GUILD_CREATE")
    }
    repeats = RepeatFilter(size=3)
    repeats.install(parsers)
    for event, event_id in [
        ("INTERACTION_CREATE", "1"),
        ("MESSAGE_CREATE", "2"),
        ("INTERACTION_CREATE", "1"),  # replayed: dropped
        ("MESSAGE_CREATE", "2"),
        ("GUILD_CREATE", "9"),  # other events are not filtered
        ("GUILD_CREATE", "9"),
    ]:
        parsers[event]({"id": event_id})
    assert parsed == [
        ("INTERACTION_CREATE", "1"),
        ("MESSAGE_CREATE", "2"),
        ("GUILD_CREATE", "9"),
        ("GUILD_CREATE", "9"),
    ]
    assert repeats.dropped == 2
    for event_id in ("3", "4", "5"):  # only the last `size` ids are remembered
        parsers["MESSAGE_CREATE"]({"id": event_id})
    parsers["INTERACTION_CREATE"]({"id": "1"})
    assert parsed[-1] == ("INTERACTION_CREATE", "1")


async def test_the_bot_filters_its_own_gateway_parsers(bot: DigestBot) -> None:
    parse = bot._connection.parsers["INTERACTION_CREATE"]
    assert getattr(parse, "__name__", "") == "parse_once"


async def test_shard_settings_make_an_autosharded_bot_for_exactly_those_shards(
    tmp_path: Path, zygote: Zygote
) -> None:
    assert bot_class(Settings()) is DigestBot
    settings = Settings(token="x", shard_count=4, shard_ids=(1, 2))
    assert bot_class(settings) is ShardedDigestBot
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        client = bot_class(settings)(settings, store, extensions=ALL_EXTENSIONS, zygote=zygote)
        async with client:  # (as `bot.runner` runs it)
            assert isinstance(client, commands.AutoShardedBot)
            assert client.shard_count == 4 and client.shard_ids == [1, 2]
            await client.setup_hook()
            feeds = client.get_cog("Feeds")
            assert feeds is not None and feeds.service.shards() == (4, frozenset({1, 2}))
        # one process with every shard: no filter on the feeds
        every = Settings(token="x", shard_count=2, shard_ids=(0, 1))
        client = bot_class(every)(every, store, extensions=("cogs.feeds",), zygote=zygote)
        async with client:
            await client.setup_hook()
            feeds = client.get_cog("Feeds")
            assert feeds is not None and feeds.service.shards() is None
    finally:
        await store.close()
    assert describe_shards((8, frozenset({0, 2, 3, 4, 7}))) == "0,2-4,7 of 8"
