"""The discussion cog's pure parts: paragraph ranges, what counts as asking, the article cache."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import UserError
from cogs import discuss
from cogs.discuss import ArticleCache, asks, parse_paragraphs
from storage import StoredArticle, StoredParagraph

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("4", [4]),
        ("2-5", [2, 3, 4, 5]),
        ("1,3", [1, 3]),
        (" ¶2–3, 5 ", [2, 3, 5]),
        ("5-2", [2, 3, 4, 5]),
        ("3 1", [3, 1]),
        ("1, 1-2", [1, 2]),
        ("#4", [4]),
        ("2 - 4", [2, 3, 4]),
    ],
)
def test_paragraph_specs(spec: str, expected: list[int]) -> None:
    assert parse_paragraphs(spec, 8) == expected


@pytest.mark.parametrize(
    ("spec", "count", "message"),
    [
        ("9", 8, "There is no ¶9: this article has ¶1–8."),
        ("0", 8, "There is no ¶0: this article has ¶1–8."),
        ("3-12", 8, "There is no ¶12"),
        ("2", 1, "this article has ¶1."),
        ("two", 8, "is not a paragraph number"),
        ("", 8, "Name paragraphs like"),
        ("1-6", 8, "I quote up to 5 at once (e.g. `1-5`)"),
        ("1,2,3,4,5,6", 8, "up to 5 paragraphs"),
    ],
)
def test_bad_paragraph_specs_name_the_valid_range(spec: str, count: int, message: str) -> None:
    with pytest.raises(UserError) as info:
        parse_paragraphs(spec, count)
    assert message in info.value.user_message


def test_asks() -> None:
    assert asks("Which chips?", mentioned=False)
    assert asks("which chips ？ ", mentioned=False)
    assert asks("tell me about the chips", mentioned=True)
    assert not asks("thanks, nice digest", mentioned=False)


def _stored(number: int, text: str = SAMPLE, guild: int = 1) -> StoredArticle:
    return StoredArticle(
        guild_id=guild,
        number=number,
        channel_id=None,
        author_id=1,
        title=None,
        source_kind="text",
        source_ref=None,
        created_at=datetime.now(UTC),
        text=text,
        paragraphs=[StoredParagraph(i, None, "p") for i in range(1, 5)],
        analysis={},
        engine_version="",
        meta={},
    )


async def test_article_cache_parses_once_and_evicts_least_recent() -> None:
    calls: list[str] = []
    real = discuss.prepare_article

    def counting(text: str, title: str | None):  # type: ignore[no-untyped-def]
        calls.append(text)
        return real(text, title)

    with ThreadPoolExecutor(2) as pool, pytest.MonkeyPatch.context() as mp:
        mp.setattr(discuss, "prepare_article", counting)
        cache = ArticleCache(pool, max_articles=2, freeze=False)
        first = await asyncio.gather(*(cache.get(_stored(1)) for _ in range(20)))
        assert len(calls) == 1 and all(a is first[0] for a in first)
        assert [p.number for p in first[0].paragraphs] == [1, 2, 3, 4]
        await cache.get(_stored(2))
        await cache.get(_stored(1))  # 1 is now the most recent
        await cache.get(_stored(3))  # evicts 2
        assert _stored(1) in cache and _stored(3) in cache and _stored(2) not in cache
        assert _stored(1, guild=2) not in cache  # keyed by guild too
        small = ArticleCache(pool, max_chars=len(SAMPLE) + 1, freeze=False)
        await small.get(_stored(1))
        await small.get(_stored(2))
        assert _stored(2) in small and _stored(1) not in small


class _Cyclic:
    def __init__(self) -> None:
        self.me = self


def test_settle_freezes_and_a_refreeze_reclaims_what_was_frozen() -> None:
    import gc
    import weakref

    with ThreadPoolExecutor(1) as pool:
        cache = ArticleCache(pool, refreeze_every=3600)
        try:
            cyclic = _Cyclic()
            alive = weakref.ref(cyclic)
            cache.settle()
            assert gc.get_freeze_count() > 0
            del cyclic
            cache.settle()
            gc.collect()
            assert alive() is not None  # frozen: full passes skip it
            cache.refreeze_every = 0
            cache.settle()  # unfreezes first, so this pass reclaims it
            assert alive() is None
        finally:
            gc.unfreeze()
