"""Articles: add, read back, number, list, autocomplete, delete, links and settings."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import GuildSettings, SQLiteStore, StorageError, StoredParagraph, open_store

from .conftest import CHANNEL_1, CHANNEL_2, GUILD_A, GUILD_B, AnyStore, Backend, article

TEXT = """Heading line

The council approved a £4.5m budget on Tuesday, after a two-hour debate.

  Critics said   the plan ignores the river crossing.\tIt was "rushed", one said.

Émilie Dupont, 34, told reporters: 🎉 "We'll see."
"""


async def test_add_and_get_round_trip(store: AnyStore) -> None:
    before = datetime.now(UTC)
    new = article(
        GUILD_A,
        TEXT,
        title="Budget — approved",
        headings={2: "Council", 3: "Council"},
        source_kind="url",
        source_ref="https://example.com/a?b=1",
        meta={"site": "example.com", "authors": ["A", "B"]},
        analysis={"summary": {"tldr": ["x"], "sections": []}, "facts": [{"text": "y"}]},
    )
    result = await store.add_article(new)
    assert result.created
    stored = result.article
    assert stored.number == 1
    assert stored.created_at.tzinfo is not None
    assert before - timedelta(seconds=1) <= stored.created_at <= datetime.now(UTC)

    got = await store.get_article(GUILD_A, 1)
    assert got == stored
    assert got is not None
    assert got.text == TEXT  # verbatim, whitespace and all
    assert got.title == "Budget — approved"
    assert got.source_kind == "url"
    assert got.source_ref == "https://example.com/a?b=1"
    assert got.meta == {"site": "example.com", "authors": ["A", "B"]}
    assert got.analysis["facts"] == [{"text": "y"}]
    assert got.engine_version == "test-1"
    assert got.channel_id == CHANNEL_1
    assert got.author_id == 42
    assert got.paragraphs[0] == StoredParagraph(1, None, "Heading line")
    assert got.paragraphs[1].heading == "Council"
    assert got.paragraphs[3].text.startswith("Émilie Dupont, 34")


async def test_any_text_round_trips(store: AnyStore) -> None:
    odd = [
        "nul \x00 inside",
        "controls \x01\x1f\x7f and \\ backslashes \\n",
        'quotes " \' `` and json ["a", {"b": 1}]',
        "emoji 👩‍👩‍👧‍👦 🎉, RTL \u202e text, zero width \u200b, BOM \ufeff",
        "surrogate-free astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "",
    ]
    new = article(
        GUILD_A,
        "\n\n".join(odd),
        title="\x00 title 🎉",
        paragraphs=[(i + 1, f"h{i} \x00" if i % 2 else None, t) for i, t in enumerate(odd)],
        meta={"k": "\x00🎉"},
    )
    result = await store.add_article(new)
    got = await store.get_article(GUILD_A, result.article.number)
    assert got == result.article
    assert got is not None
    assert [p.text for p in got.paragraphs] == odd
    assert got.text == new.text and got.title == new.title and got.meta == {"k": "\x00🎉"}


async def test_paragraphs_come_back_in_number_order(store: AnyStore) -> None:
    new = article(GUILD_A, "x", paragraphs=[(3, None, "three"), (1, "H", "one"), (2, None, "two")])
    result = await store.add_article(new)
    assert [p.number for p in result.article.paragraphs] == [1, 2, 3]
    got = await store.get_article(GUILD_A, result.article.number)
    assert got is not None
    assert [p.text for p in got.paragraphs] == ["one", "two", "three"]


async def test_numbers_count_up_and_are_never_reused(store: AnyStore) -> None:
    numbers = [
        (await store.add_article(article(GUILD_A, f"Text {i}"))).article.number for i in range(5)
    ]
    assert numbers == [1, 2, 3, 4, 5]
    assert await store.delete_article(GUILD_A, 5)
    assert await store.delete_article(GUILD_A, 2)
    assert not await store.delete_article(GUILD_A, 2)
    assert await store.get_article(GUILD_A, 5) is None
    assert (await store.add_article(article(GUILD_A, "Text after delete"))).article.number == 6
    kept = await store.add_article(article(GUILD_A, "Text 3 "))
    assert not kept.created and kept.article.number == 4
    # The same text as a deleted article is a new article with a new number.
    again = await store.add_article(article(GUILD_A, "Text 1"))
    assert again.created and again.article.number == 7


async def test_numbers_survive_reopen(backend: Backend) -> None:
    async with await backend.open() as s:
        await s.add_article(article(GUILD_A, "one"))
        await s.add_article(article(GUILD_A, "two"))
        await s.delete_article(GUILD_A, 2)
    async with await backend.open() as s:
        assert (await s.add_article(article(GUILD_A, "three"))).article.number == 3
        page = await s.list_articles(GUILD_A)
        assert [i.number for i in page.items] == [3, 1]


async def test_duplicates_by_normalised_whitespace(store: AnyStore) -> None:
    first = await store.add_article(article(GUILD_A, "Alpha beta.\n\nGamma delta.", title="One"))
    same = await store.add_article(
        article(GUILD_A, "  Alpha   beta.\r\n\r\n\tGamma\u00a0delta.\n", title="Two")
    )
    assert first.created and not same.created
    assert same.article == first.article  # the existing article, unchanged
    assert same.article.title == "One"
    other_words = await store.add_article(article(GUILD_A, "Alpha beta. Gamma delta!"))
    assert other_words.created and other_words.article.number == 2
    case = await store.add_article(article(GUILD_A, "alpha beta.\n\ngamma delta."))
    assert case.created  # only whitespace is normalised, not case
    assert (await store.list_articles(GUILD_A)).total == 3


async def test_latest_in_guild_and_channel(store: AnyStore) -> None:
    assert await store.latest_article(GUILD_A) is None
    assert await store.latest_article(GUILD_A, channel_id=CHANNEL_1) is None
    await store.add_article(article(GUILD_A, "one", channel_id=CHANNEL_1))
    await store.add_article(article(GUILD_A, "two", channel_id=CHANNEL_2))
    await store.add_article(article(GUILD_A, "three", channel_id=CHANNEL_1))
    await store.add_article(article(GUILD_A, "four", channel_id=None))
    latest = await store.latest_article(GUILD_A)
    assert latest is not None and latest.number == 4
    in_one = await store.latest_article(GUILD_A, channel_id=CHANNEL_1)
    assert in_one is not None and in_one.number == 3 and in_one.text == "three"
    in_two = await store.latest_article(GUILD_A, channel_id=CHANNEL_2)
    assert in_two is not None and in_two.number == 2
    await store.delete_article(GUILD_A, 3)
    in_one = await store.latest_article(GUILD_A, channel_id=CHANNEL_1)
    assert in_one is not None and in_one.number == 1


async def test_list_articles_pages_newest_first(store: AnyStore) -> None:
    for i in range(23):
        await store.add_article(article(GUILD_A, f"body {i}\n\nsecond", title=f"T{i}"))
    await store.delete_article(GUILD_A, 10)
    first = await store.list_articles(GUILD_A, limit=10)
    assert first.total == 22
    assert [i.number for i in first.items] == [23, 22, 21, 20, 19, 18, 17, 16, 15, 14]
    second = await store.list_articles(GUILD_A, offset=10, limit=10)
    assert [i.number for i in second.items] == [13, 12, 11, 9, 8, 7, 6, 5, 4, 3]
    last = await store.list_articles(GUILD_A, offset=20, limit=10)
    assert [i.number for i in last.items] == [2, 1]
    beyond = await store.list_articles(GUILD_A, offset=100)
    assert beyond.items == [] and beyond.total == 22
    info = first.items[0]
    assert info.title == "T22" and info.paragraph_count == 2 and info.source_kind == "text"
    assert info.author_id == 42 and info.channel_id == CHANNEL_1 and info.created_at.tzinfo
    empty = await store.list_articles(999)
    assert empty.items == [] and empty.total == 0


async def test_find_titles(store: AnyStore) -> None:
    titles = ["Budget vote", "ÉCOLE reopens", "The budget, again", None, "Weather"]
    for i, title in enumerate(titles):
        await store.add_article(article(GUILD_A, f"text {i}", title=title))
    for _ in range(7):  # numbers up to 12
        await store.add_article(article(GUILD_A, f"filler {_}", title="Filler"))

    def numbers(items: list) -> list[int]:  # type: ignore[type-arg]
        return [i.number for i in items]

    assert numbers(await store.find_titles(GUILD_A, "budget")) == [3, 1]
    assert numbers(await store.find_titles(GUILD_A, "BUDGET")) == [3, 1]
    assert numbers(await store.find_titles(GUILD_A, "école")) == [2]
    assert numbers(await store.find_titles(GUILD_A, "  Weather ")) == [5]
    assert numbers(await store.find_titles(GUILD_A, "12")) == [12]
    assert numbers(await store.find_titles(GUILD_A, "#4")) == [4]
    assert numbers(await store.find_titles(GUILD_A, "# 2")) == [2]
    assert numbers(await store.find_titles(GUILD_A, "#99")) == []
    assert numbers(await store.find_titles(GUILD_A, "")) == list(range(12, 0, -1))
    assert numbers(await store.find_titles(GUILD_A, "", limit=3)) == [12, 11, 10]
    assert numbers(await store.find_titles(GUILD_A, "%")) == []  # no LIKE wildcards
    assert numbers(await store.find_titles(GUILD_A, "_")) == []
    await store.delete_article(GUILD_A, 3)
    assert numbers(await store.find_titles(GUILD_A, "budget")) == [1]


async def test_update_analysis(store: AnyStore) -> None:
    await store.add_article(article(GUILD_A, "text"))
    assert await store.update_analysis(GUILD_A, 1, {"summary": {"tldr": ["new"]}}, "test-2")
    got = await store.get_article(GUILD_A, 1)
    assert got is not None
    assert got.analysis == {"summary": {"tldr": ["new"]}} and got.engine_version == "test-2"
    assert got.text == "text"
    assert not await store.update_analysis(GUILD_A, 2, {}, "test-2")


async def test_message_and_thread_links(store: AnyStore) -> None:
    await store.add_article(article(GUILD_A, "one"))
    await store.add_article(article(GUILD_A, "two"))
    await store.link_message(GUILD_A, 5001, 1)
    await store.link_message(GUILD_A, 5002, 2)
    await store.link_thread(GUILD_A, 7001, 2)
    assert await store.article_for_message(GUILD_A, 5001) == 1
    assert await store.article_for_message(GUILD_A, 5002) == 2
    assert await store.article_for_message(GUILD_A, 5003) is None
    assert await store.article_for_thread(GUILD_A, 7001) == 2
    assert await store.article_for_thread(GUILD_A, 5001) is None  # messages are not threads
    await store.link_message(GUILD_A, 5001, 2)  # a later link replaces the earlier one
    assert await store.article_for_message(GUILD_A, 5001) == 2
    await store.link_message(GUILD_A, 5009, 99)  # no such article: nothing recorded
    assert await store.article_for_message(GUILD_A, 5009) is None
    await store.delete_article(GUILD_A, 2)
    assert await store.article_for_message(GUILD_A, 5001) is None
    assert await store.article_for_message(GUILD_A, 5002) is None
    assert await store.article_for_thread(GUILD_A, 7001) is None


async def test_delete_removes_every_row(store: AnyStore, backend: Backend) -> None:
    await store.add_article(article(GUILD_A, "kept paragraph\n\nkept too"))
    await store.add_article(article(GUILD_A, "zebra paragraph\n\nzebra again"))
    await store.link_message(GUILD_A, 1, 2)
    await store.link_thread(GUILD_A, 2, 2)
    assert await store.search(GUILD_A, "zebra")
    assert await store.delete_article(GUILD_A, 2)
    assert await store.search(GUILD_A, "zebra") == []
    tables = ("articles", "article_bodies", "paragraphs", "message_links", "thread_links")
    counts = {table: await backend.count(table) for table in tables}
    assert counts == {
        "articles": 1,
        "article_bodies": 1,
        "paragraphs": 2,
        "message_links": 0,
        "thread_links": 0,
    }
    if backend.path is None:
        assert await backend.fetch("SELECT count(*) FROM paragraphs WHERE terms @@ 'kept'") == [
            (2,)
        ]
        return
    db = sqlite3.connect(backend.path)
    try:
        # The FTS index holds exactly the remaining paragraphs' terms.
        db.execute("INSERT INTO paragraph_fts (paragraph_fts) VALUES ('integrity-check')")
        db.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, paragraph_fts, 'row')")
        terms = {row[0]: row[1] for row in db.execute("SELECT term, doc FROM temp.v")}
        assert "zebra" not in terms and terms["kept"] == 2
    finally:
        db.close()


async def test_settings(store: AnyStore) -> None:
    assert await store.get_settings(GUILD_A) == GuildSettings(None, True)
    s = await store.update_settings(GUILD_A, moderator_role_id=123)
    assert s == GuildSettings(123, True)
    s = await store.update_settings(GUILD_A, discussion_threads=False)
    assert s == GuildSettings(123, False)  # the role is unchanged
    assert await store.get_settings(GUILD_A) == GuildSettings(123, False)
    s = await store.update_settings(GUILD_A, moderator_role_id=None)
    assert s == GuildSettings(None, False)
    assert await store.update_settings(GUILD_A) == GuildSettings(None, False)
    s = await store.update_settings(GUILD_A, moderator_role_id=7, discussion_threads=True)
    assert s == GuildSettings(7, True)
    # Settings before any article: numbering still starts at 1.
    assert (await store.add_article(article(GUILD_A, "x"))).article.number == 1
    assert await store.get_settings(GUILD_A) == GuildSettings(7, True)
    assert await store.get_settings(GUILD_B) == GuildSettings()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"colour": "red"}, TypeError),
        ({"discussion_threads": None}, ValueError),
        ({"discussion_threads": 1}, ValueError),
        ({"discussion_threads": "off"}, ValueError),
        ({"moderator_role_id": "123"}, ValueError),
        ({"moderator_role_id": True}, ValueError),
        ({"moderator_role_id": 2**63}, ValueError),
        ({"moderator_role_id": "unchanged"}, ValueError),
    ],
)
async def test_bad_settings_are_refused(
    store: AnyStore, changes: dict[str, object], error: type[Exception]
) -> None:
    await store.update_settings(GUILD_A, moderator_role_id=5)
    with pytest.raises(error):
        await store.update_settings(GUILD_A, **{"moderator_role_id": 6, **changes})
    assert await store.get_settings(GUILD_A) == GuildSettings(5, True)  # nothing changed


async def test_a_guild_takes_one_slot_ever(store: AnyStore, backend: Backend) -> None:
    """Issue 11 #5: every settings change and every post took a new value of the slot
    counter (an upsert takes one even when it updates), so slots ran out."""
    for i in range(5):
        await store.update_settings(GUILD_A, discussion_threads=bool(i % 2))
        await store.add_article(article(GUILD_A, f"post {i}"))
        await store.add_article(article(GUILD_B, f"post {i}"))
        await store.update_settings(GUILD_B, moderator_role_id=i)
        await store.add_article(article(GUILD_A, f"post {i}"))  # a duplicate
    await store.update_settings(333, discussion_threads=False)
    await store.add_article(article(444, "first post of a fourth guild"))
    slots = await backend.fetch("SELECT guild_id, slot FROM guilds ORDER BY slot")
    assert slots == [(GUILD_A, 1), (GUILD_B, 2), (333, 3), (444, 4)]


@pytest.mark.parametrize(
    "bad",
    [
        {"source_kind": "fax"},
        {"paragraphs": [(1, None, "a"), (1, None, "b")]},
        {"paragraphs": [(2**63, None, "a")]},
        {"guild_id": 2**63},
        {"guild_id": -(2**63) - 1},
        {"author_id": 2**64},
        {"channel_id": 10**30},
        {"language": "english"},
        {"language": "EN"},
        {"language": ""},
        {"text": "lone \ud800 surrogate"},
        {"title": "lone \udfff surrogate"},
        {"paragraphs": [(1, "\ud800", "a")]},
        {"meta": {"x": "\ud800"}},
        {"analysis": {"x": ["\udc00"]}},
    ],
    ids=lambda bad: repr(bad)[:40],
)
async def test_bad_input_is_refused(store: AnyStore, bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        await store.add_article(article(**{"guild_id": GUILD_A, "text": "x", **bad}))
    # Nothing was written, and the store still works.
    assert (await store.add_article(article(GUILD_A, "x"))).article.number == 1
    assert (await store.list_articles(GUILD_A)).total == 1


async def test_ids_out_of_range_are_refused_by_every_method(store: AnyStore) -> None:
    huge = 2**63
    calls = [
        store.get_article(huge, 1),
        store.get_article(GUILD_A, huge),
        store.latest_article(huge),
        store.latest_article(GUILD_A, channel_id=huge),
        store.list_articles(huge),
        store.find_titles(huge, "x"),
        store.delete_article(GUILD_A, huge),
        store.update_analysis(huge, 1, {}, "v"),
        store.search(huge, "x"),
        store.link_message(GUILD_A, huge, 1),
        store.article_for_message(GUILD_A, huge),
        store.link_thread(huge, 1, 1),
        store.article_for_thread(GUILD_A, -huge - 1),
        store.get_settings(huge),
        store.update_settings(huge, discussion_threads=False),
    ]
    for call in calls:
        with pytest.raises(ValueError):
            await call
    # The edges of the range are fine.
    assert await store.get_article(2**63 - 1, 2**63 - 1) is None
    assert await store.get_article(-(2**63), -(2**63)) is None


async def test_language_round_trips(store: AnyStore) -> None:
    zh = await store.add_article(article(GUILD_A, "中文文章。", language="zh"))
    none = await store.add_article(article(GUILD_A, "No language."))
    assert zh.article.language == "zh" and none.article.language is None
    got = await store.get_article(GUILD_A, 1)
    assert got is not None and got.language == "zh" and got == zh.article
    latest = await store.latest_article(GUILD_A)
    assert latest is not None and latest.language is None


async def test_close_is_final(store: AnyStore) -> None:
    await store.add_article(article(GUILD_A, "x"))
    await store.close()
    await store.close()  # twice is fine
    for call in (
        store.get_article(GUILD_A, 1),
        store.add_article(article(GUILD_A, "y")),
        store.search(GUILD_A, "x"),
        store.get_settings(GUILD_A),
    ):
        with pytest.raises(StorageError, match="closed"):
            await call


async def test_open_creates_the_directory_and_close_is_final(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c.sqlite3"
    s = await open_store(str(path))
    await s.add_article(article(GUILD_A, "x"))
    await s.close()
    await s.close()  # twice is fine
    assert path.exists()
    with pytest.raises(Exception, match="closed"):
        await s.get_article(GUILD_A, 1)
    with pytest.raises(ValueError):
        await open_store(":memory:")


async def test_pragmas(db_path: Path) -> None:
    store = await open_store(db_path)
    assert isinstance(store, SQLiteStore)
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()
    for conn in (store._writer, store._reader):
        assert (await conn.execute_fetchall("PRAGMA foreign_keys"))[0][0] == 1  # type: ignore[index]
        assert (await conn.execute_fetchall("PRAGMA busy_timeout"))[0][0] == 5000  # type: ignore[index]
    assert (await store._writer.execute_fetchall("PRAGMA synchronous"))[0][0] == 1  # type: ignore[index]
    await store.close()
