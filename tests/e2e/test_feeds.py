"""Feeds through the fake Discord, with the real bot and the local news site
(`tests/feedsite.py`): a moderator adds a feed, its items arrive as digests with a discussion
thread, `/ask` answers about them, a restart posts nothing twice, a removed feed posts nothing
more, and another server never sees them. Time moves by a hand-moved clock: no sleeping."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.client import DEFAULT_EXTENSIONS, DigestBot
from bot.feeds import ManualClock
from cogs.feeds import Feeds
from tests.e2e.bot_fixtures import World, button_id, embed_text, start_digestbot
from tests.e2e.fakediscord import FakeDiscord
from tests.feedsite import FeedSite, feed_site, make_item

EPHEMERAL = 64
ALLOW = frozenset({"127.0.0.1"})
JSON = dict[str, Any]


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    async with feed_site() as s:
        yield s


@contextlib.asynccontextmanager
async def bot_with_clock(
    fake: FakeDiscord, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[tuple[DigestBot, Feeds]]:
    """The real bot, its feeds cog given a hand-moved clock."""
    others = tuple(e for e in DEFAULT_EXTENSIONS if e != "cogs.feeds")
    async with start_digestbot(
        fake, tmp_path, fetch_allow_hosts=ALLOW, client_options={"extensions": others}
    ) as bot:
        cog = Feeds(bot, clock=clock)
        await bot.add_cog(cog)
        await bot.sync_commands()
        yield bot, cog


def bot_posts(fake: FakeDiscord, world: World, channel: Any = None) -> list[JSON]:
    return [
        m
        for m in fake.messages(channel or world.general)
        if m["author"].get("bot") and not m.get("interaction_metadata") and m.get("embeds")
    ]


async def until(check: Any, what: str, seconds: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_a_feed_in_the_real_bot(
    fake: FakeDiscord, world: World, site: FeedSite, tmp_path: Path
) -> None:
    """The cog as `DigestBot` loads it (the system clock): add, posts, list, errors."""
    async with start_digestbot(fake, tmp_path, fetch_allow_hosts=ALLOW) as bot:
        ix = await fake.slash(world.general, world.alice, "feed add", {"url": site.url("/home")})
        reply = await ix.wait_response(timeout=15)
        assert "Following **Harbour Gazette (Atom)**" in reply["content"], reply
        assert not reply["flags"] & EPHEMERAL
        await until(lambda: len(bot_posts(fake, world)) == 3, "three digests")
        texts = [embed_text(m) for m in bot_posts(fake, world)]
        assert all("TL;DR" in t and "2.4 million euros" in t for t in texts)
        assert "Tramway news 2" in texts[0] and "Bakery news 4" in texts[2]
        first = bot_posts(fake, world)[0]
        assert "📰 **Harbour Gazette (Atom)**" in first["content"] and "<t:" in first["content"]
        assert first["embeds"][0]["url"] == site.url("/a/tramway-2")
        await until(lambda: len(fake.threads(world.guild)) == 3, "discussion threads")

        # mistakes get short private answers
        for who, options, expected in [
            (world.bob, {"url": site.url("/rss")}, "Only moderators"),
            (world.alice, {"url": "http://10.0.0.1/feed"}, "private-network address"),
            (world.alice, {"url": site.url("/garbage")}, "not an RSS, Atom or JSON feed"),
            (world.alice, {"url": site.url("/atom")}, "follows that feed already"),
        ]:
            ix = await fake.slash(world.general, who, "feed add", options)
            answer = await ix.wait_response(timeout=15)
            assert answer["flags"] & EPHEMERAL and expected in answer["content"], answer
        ix = await fake.slash(world.general, world.alice, "feed remove", {"feed": "9"})
        answer = await ix.wait_response()
        assert answer["flags"] & EPHEMERAL and "no feed 9" in answer["content"]

        ix = await fake.slash(world.general, world.bob, "feed list")
        listing = embed_text(await ix.wait_response())
        assert "Harbour Gazette (Atom)" in listing and "every 15 min" in listing
        assert "last new item" in listing
        assert (await bot.store.list_articles(world.guild.id)).total == 3


async def test_new_items_restart_remove_and_isolation(
    fake: FakeDiscord, world: World, site: FeedSite, tmp_path: Path
) -> None:
    clock = ManualClock()
    async with bot_with_clock(fake, tmp_path, clock) as (bot, cog):
        ix = await fake.slash(
            world.general, world.alice, "feed add", {"url": site.url("/rss"), "compact": True}
        )
        assert "Following" in (await ix.wait_response(timeout=15))["content"]
        await until(lambda: len(bot_posts(fake, world)) == 3, "three digests")
        await cog.service.settled()

        site.add(make_item(7))
        clock.advance(20 * 60)
        await until(lambda: len(bot_posts(fake, world)) == 4, "the new item")
        new = bot_posts(fake, world)[-1]
        assert "Regatta news 7" in embed_text(new) and "TL;DR" in embed_text(new)
        # compact: the full digest is one click away, privately
        button = button_id(new, "Full digest")
        assert button == "feed-digest:4"
        shown = await fake.click(world.general, world.bob, new["id"], button)
        full = await shown.wait_response()
        assert full["flags"] & EPHEMERAL and "Key facts" in embed_text(full)

        ix = await fake.slash(
            world.general,
            world.bob,
            "ask",
            {"question": "how much did the regatta project cost?", "article": "#4"},
        )
        answer = embed_text(await ix.wait_response(timeout=10))
        assert "2.4 million euros" in answer and "regatta-7" in answer
        await cog.service.settled()

    # a restart: nothing is posted twice
    before = len(bot_posts(fake, world))
    clock2 = ManualClock(clock.now())
    async with bot_with_clock(fake, tmp_path, clock2) as (bot, cog):
        await asyncio.wait_for(cog.service.settled(), 10)
        clock2.advance(30 * 60)
        await asyncio.wait_for(cog.service.settled(), 10)
        assert len(bot_posts(fake, world)) == before

        # removed: nothing more
        ix = await fake.slash(world.general, world.alice, "feed remove", {"feed": "1"})
        assert "Stopped following" in (await ix.wait_response())["content"]
        site.add(make_item(8))
        clock2.advance(60 * 60)
        await asyncio.wait_for(cog.service.settled(), 10)
        assert len(bot_posts(fake, world)) == before

        # server B never sees server A's items
        ix = await fake.slash(world.lobby, world.carol, "search", {"query": "regatta"})
        found = embed_text(await ix.wait_response())
        assert "Regatta news" not in found
        ix = await fake.slash(world.lobby, world.carol, "feed list")
        assert "follows no feed" in embed_text(await ix.wait_response())
        assert bot_posts(fake, world, world.lobby) == []
        assert await bot.store.list_feeds(world.guild_b.id) == []
