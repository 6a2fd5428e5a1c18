"""The `article` option: numbers, titles, and a real store behind them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.article_option import (
    _NUMBER,
    article_autocomplete,
    choice_label,
    parse_article_number,
    resolve_article,
)
from bot.discussion import Manners
from bot.errors import AmbiguousArticle, ArticleNotFound
from storage import Store, open_store
from tests.bot.articles import new_article


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("#12", 12),
        ("12", 12),
        ("  # 12 ", 12),
        ("article 7", 7),
        ("No. 3", 3),
        ("No.3", 3),
        ("article #7", 7),
        ("# 12", 12),
        ("#12 #13", None),
        ("12" + " " * 6000, 12),
        (" " * 6000 + "12", 12),
        ("#" + " " * 6000 + "12", None),  # longer than any way of writing a number
        ("#0", 0),
        ("12 Angry Men", None),
        ("#12a", None),
        ("", None),
        ("Amazon", None),
    ],
)
def test_parse_article_number(value: str, number: int | None) -> None:
    assert parse_article_number(value) == number


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "hostile",
    ["article" + " " * 300_000 + "x", "#" + " " * 300_000 + "#" + " " * 300_000 + "x"],
)
def test_number_parsing_is_linear(hostile: str) -> None:
    """The pattern itself is linear (it took 0.3 s for 6,000 characters, ×4 per doubling:
    issue 11, item 7), and the value's length is bounded before it anyway."""
    assert _NUMBER.fullmatch(hostile) is None
    assert parse_article_number(hostile) is None


def test_choice_label_fits_discord() -> None:
    assert choice_label(3, "Short") == "#3 · Short"
    assert choice_label(3, None) == "#3 · (untitled)"
    assert len(choice_label(123456, "word " * 60)) <= 100


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(tmp_path / "db.sqlite3")
    await opened.add_article(
        new_article("Amazon invested $4 billion.", title="Amazon invests in Anthropic", guild_id=1)
    )
    await opened.add_article(
        new_article("Amazon earned a lot this quarter.", title="Amazon earnings", guild_id=1)
    )
    await opened.add_article(new_article("Zebras have stripes.", title="Zebras", guild_id=1))
    await opened.add_article(
        new_article("This belongs to guild two.", title="Other guild", guild_id=2)
    )
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


async def test_autocomplete_offers_titles_and_a_typed_number(store: Store) -> None:
    manners = Manners()
    client = SimpleNamespace(store=store, discussion=SimpleNamespace(manners=manners))
    interaction = SimpleNamespace(client=client, guild_id=1, user=SimpleNamespace(id=5))
    names = [c.name for c in await article_autocomplete(interaction, "amazon")]  # type: ignore[arg-type]
    assert names == ["#2 · Amazon earnings", "#1 · Amazon invests in Anthropic"]
    choices = await article_autocomplete(interaction, "#3")  # type: ignore[arg-type]
    assert choices[0].value == "#3" and choices[0].name == "#3 · Zebras"
    assert await article_autocomplete(interaction, "x" * 6000) == []  # type: ignore[arg-type]
    nowhere = SimpleNamespace(client=client, guild_id=None, user=interaction.user)
    assert await article_autocomplete(nowhere, "amazon") == []  # type: ignore[arg-type]


async def test_autocomplete_offers_nothing_past_the_members_rate(store: Store) -> None:
    manners = Manners()
    manners.complete_rate = (2, 60.0)
    client = SimpleNamespace(store=store, discussion=SimpleNamespace(manners=manners))
    bob, ann = SimpleNamespace(id=5), SimpleNamespace(id=6)
    asking = [SimpleNamespace(client=client, guild_id=1, user=who) for who in (bob, bob, bob, ann)]
    found = [await article_autocomplete(i, "amazon") for i in asking]  # type: ignore[arg-type]
    assert [len(f) for f in found] == [2, 2, 0, 2]  # bob's third keystroke: nothing; ann: hers
