"""Isolation is a security property: no read path returns another guild's data.

Two guilds hold articles with the same numbers, channels, message and thread ids. Guild A's
articles use words that appear nowhere in guild B, and each read path is asked, from guild B,
for what only guild A has.
"""

from __future__ import annotations

import pytest

from storage import GuildSettings

from .conftest import CHANNEL_1, CHANNEL_2, GUILD_A, GUILD_B, AnyStore, article

SECRET = "Xylophone quartermaster zeppelin"
A_TEXTS = [
    f"{SECRET} memo.\n\nThe quartermaster ordered zeppelins.",
    "Shared words about the weather.\n\nRain again tomorrow.",  # the same text as B's #1
    "Marmalade conspiracy notes.\n\nOnly guild A knows about marmalade.",
]
B_TEXTS = ["Shared words about the weather.\n\nRain again tomorrow."]


@pytest.fixture
async def two_guilds(store: AnyStore) -> AnyStore:
    for i, text in enumerate(A_TEXTS):
        await store.add_article(article(GUILD_A, text, title=f"A secret {i}", channel_id=CHANNEL_1))
    await store.add_article(article(GUILD_B, B_TEXTS[0], title="B weather", channel_id=CHANNEL_2))
    for guild in (GUILD_A, GUILD_B):
        await store.link_message(guild, 5001, 1)
        await store.link_thread(guild, 7001, 1)
    await store.link_message(GUILD_A, 5003, 3)
    await store.link_thread(GUILD_A, 7003, 3)
    await store.update_settings(GUILD_A, moderator_role_id=999, discussion_threads=False)
    return store


async def test_same_text_is_a_separate_article_per_guild(two_guilds: AnyStore) -> None:
    a = await two_guilds.get_article(GUILD_A, 2)
    b = await two_guilds.get_article(GUILD_B, 1)
    assert a is not None and b is not None
    assert a.text == b.text and a.guild_id == GUILD_A and b.guild_id == GUILD_B
    assert b.title == "B weather"


async def test_get_article(two_guilds: AnyStore) -> None:
    b1 = await two_guilds.get_article(GUILD_B, 1)
    assert b1 is not None and b1.title == "B weather" and SECRET not in b1.text
    assert await two_guilds.get_article(GUILD_B, 2) is None
    assert await two_guilds.get_article(GUILD_B, 3) is None


async def test_latest(two_guilds: AnyStore) -> None:
    latest = await two_guilds.latest_article(GUILD_B)
    assert latest is not None and latest.number == 1 and latest.title == "B weather"
    # Guild A's channel, asked from guild B.
    assert await two_guilds.latest_article(GUILD_B, channel_id=CHANNEL_1) is None
    in_a = await two_guilds.latest_article(GUILD_A, channel_id=CHANNEL_2)
    assert in_a is None


async def test_list_and_titles(two_guilds: AnyStore) -> None:
    page = await two_guilds.list_articles(GUILD_B)
    assert page.total == 1 and [i.title for i in page.items] == ["B weather"]
    assert await two_guilds.find_titles(GUILD_B, "secret") == []
    assert await two_guilds.find_titles(GUILD_B, "#3") == []
    assert await two_guilds.find_titles(GUILD_B, "2") == []
    assert [i.title for i in await two_guilds.find_titles(GUILD_B, "")] == ["B weather"]
    assert len(await two_guilds.find_titles(GUILD_A, "secret")) == 3


@pytest.mark.parametrize(
    "query", ["xylophone", "quartermaster zeppelin", "marmalade", "zeppelins OR weather", SECRET]
)
async def test_search(two_guilds: AnyStore, query: str) -> None:
    hits = await two_guilds.search(GUILD_B, query)
    assert all(h.title == "B weather" and h.number == 1 for h in hits)
    assert all("xylophone" not in h.snippet.lower() for h in hits)
    assert await two_guilds.search(GUILD_A, query)


async def test_search_unknown_guild(two_guilds: AnyStore) -> None:
    assert await two_guilds.search(333, "weather") == []
    assert await two_guilds.search(333, "xylophone") == []


async def test_links(two_guilds: AnyStore) -> None:
    assert await two_guilds.article_for_message(GUILD_B, 5003) is None
    assert await two_guilds.article_for_thread(GUILD_B, 7003) is None
    assert await two_guilds.article_for_message(GUILD_B, 5001) == 1
    assert await two_guilds.article_for_message(GUILD_A, 5003) == 3
    # B cannot link its message to A's article #3: it has no #3.
    await two_guilds.link_message(GUILD_B, 5004, 3)
    assert await two_guilds.article_for_message(GUILD_B, 5004) is None
    assert await two_guilds.article_for_message(GUILD_A, 5004) is None


async def test_settings(two_guilds: AnyStore) -> None:
    assert await two_guilds.get_settings(GUILD_B) == GuildSettings()
    assert await two_guilds.get_settings(GUILD_A) == GuildSettings(999, False)


async def test_writes_are_scoped(two_guilds: AnyStore) -> None:
    assert not await two_guilds.delete_article(GUILD_B, 3)
    assert not await two_guilds.update_analysis(GUILD_B, 3, {"x": 1}, "v")
    a3 = await two_guilds.get_article(GUILD_A, 3)
    assert a3 is not None and a3.engine_version == "test-1"
    # Deleting B's #1 leaves A's #1 (and its links) alone.
    assert await two_guilds.delete_article(GUILD_B, 1)
    assert await two_guilds.get_article(GUILD_A, 1) is not None
    assert await two_guilds.article_for_message(GUILD_A, 5001) == 1
    assert await two_guilds.article_for_thread(GUILD_A, 7001) == 1
    assert await two_guilds.search(GUILD_B, "weather") == []
    assert await two_guilds.search(GUILD_A, "weather")
    # Guild B's numbering is its own.
    assert (await two_guilds.add_article(article(GUILD_B, "new"))).article.number == 2
    assert (await two_guilds.add_article(article(GUILD_A, "new"))).article.number == 4
