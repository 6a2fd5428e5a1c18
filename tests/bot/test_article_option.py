"""The `article` option: numbers, titles, and a real store behind them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.article import analyze, parse
from bot.article_option import choice_label, parse_article_number, resolve_article
from bot.errors import AmbiguousArticle, ArticleNotFound
from storage import NewArticle, Store, open_store


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("#12", 12),
        ("12", 12),
        ("  # 12 ", 12),
        ("article 7", 7),
        ("No. 3", 3),
        ("#0", 0),
        ("12 Angry Men", None),
        ("#12a", None),
        ("", None),
        ("Amazon", None),
    ],
)
def test_parse_article_number(value: str, number: int | None) -> None:
    assert parse_article_number(value) == number


def test_choice_label_fits_discord() -> None:
    assert choice_label(3, "Short") == "#3 · Short"
    assert choice_label(3, None) == "#3 · (untitled)"
    assert len(choice_label(123456, "word " * 60)) <= 100


def _new(guild: int, title: str, text: str) -> NewArticle:
    article = parse(text, title=title)
    digest = analyze(article)
    return NewArticle(
        guild_id=guild,
        channel_id=None,
        author_id=1,
        title=title,
        source_kind="text",
        source_ref=None,
        text=text,
        paragraphs=[(p.number, p.heading, p.text) for p in article.paragraphs],
        analysis=digest.to_dict(),
        engine_version=digest.engine_version,
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(tmp_path / "db.sqlite3")
    await opened.add_article(_new(1, "Amazon invests in Anthropic", "Amazon invested $4 billion."))
    await opened.add_article(_new(1, "Amazon earnings", "Amazon earned a lot this quarter."))
    await opened.add_article(_new(1, "Zebras", "Zebras have stripes."))
    await opened.add_article(_new(2, "Other guild", "This belongs to guild two."))
    try:
        yield opened
    finally:
        await opened.close()


async def test_resolve_by_number_and_title(store: Store) -> None:
    assert (await resolve_article(store, 1, "#3")).title == "Zebras"
    assert (await resolve_article(store, 1, "1")).title == "Amazon invests in Anthropic"
    assert (await resolve_article(store, 1, "zebras")).number == 3
    assert (await resolve_article(store, 1, "Amazon earnings")).number == 2


async def test_resolve_errors(store: Store) -> None:
    with pytest.raises(ArticleNotFound, match="no article #9"):
        await resolve_article(store, 1, "#9")
    with pytest.raises(ArticleNotFound, match="title like"):
        await resolve_article(store, 1, "Giraffes")
    with pytest.raises(AmbiguousArticle, match="#"):
        await resolve_article(store, 1, "Amazon")
    with pytest.raises(ArticleNotFound):  # guild 2's article is invisible from guild 1
        await resolve_article(store, 1, "Other guild")
    assert (await resolve_article(store, 2, "#1")).title == "Other guild"
