"""A Chinese article posted and discussed in Chinese, end to end through the fake Discord."""

from __future__ import annotations

from pathlib import Path

from bot.client import DigestBot
from tests.e2e.bot_fixtures import World, embed_text
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.test_discuss import ask, post, quoted

ARTICLE = (Path(__file__).parents[1] / "fixtures" / "languages" / "zh.md").read_text("utf-8")


async def test_a_chinese_article_is_digested_and_questions_in_chinese_are_answered(
    fake: FakeDiscord, world: World, digestbot: DigestBot
) -> None:
    manners = digestbot.discussion.manners
    manners.ask_rate = (100, 60.0)
    digest = await post(fake, world.general, world.alice, ARTICLE)
    text = embed_text(digest)
    assert "TL;DR" in text and "Chinese" in text  # the footer names the language
    assert "尼古拉·特斯拉" in text
    for question, paragraph, words in (
        ("特斯拉是哪一年去世的？", 4, "1943年1月7日"),
        ("特斯拉什么时候移居美国？", 2, "1884年"),
        ("特斯拉最著名的贡献是什么？", 3, "交流电"),
    ):
        reply = await ask(fake, world.general, world.bob, question)
        got = quoted(reply)
        assert got, embed_text(reply)
        assert next(iter(got)) == paragraph, embed_text(reply)
        assert words in got[paragraph]
    stored = await digestbot.store.get_article(world.guild.id, 1)
    assert stored is not None and stored.language == "zh"
    manners.search_rate = (100, 60.0)
    ix = await fake.slash(world.general, world.bob, "search", {"query": "交流电"})
    found = embed_text(await ix.wait_response())
    assert "#1" in found and "交流电" in found, found
    off = await ask(fake, world.general, world.bob, "巴黎圣母院的火灾发生在哪一年？")
    assert not quoted(off), embed_text(off)
