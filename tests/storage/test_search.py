"""Full-text search: ranking, snippets, stemming, and any user text as a safe query."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import open_store
from storage.postgres import _tsquery
from storage.query import MAX_TERMS, build_match, query_terms, search_form
from storage.tempserver import TempPostgres

from .conftest import BACKENDS, GUILD_A, GUILD_B, AnyStore, Backend, article, new_backend

ARTICLES = [
    (
        "River plans",
        "The council approved the bridge over the river on Tuesday.\n\n"
        "Engineers said the crossing would take three years to build, and cost £40m.\n\n"
        "Residents running local shops fear the roadworks.",
    ),
    (
        "Running club",
        "The running club meets by the river every Sunday morning.\n\n"
        "Its members ran 3,000 miles last year, a record for the club.",
    ),
    (
        "Weather",
        "Heavy rain is expected across the region; the river may flood.\n\n"
        "Emoji fans 🎉 posted “quoted” text and C++ code: a*b - (c OR d) NEAR(e).",
    ),
]

HOSTILE = [
    "",
    " ",
    '"',
    '""',
    '"unbalanced',
    "'",
    "*",
    "river*",
    "*river",
    "-river",
    "river -bridge",
    "NOT river",
    "river NOT",
    "AND",
    "OR",
    "NOT",
    "river AND",
    "AND OR NOT",
    "NEAR(",
    "NEAR(river bridge",
    "NEAR(river bridge, 2)",
    "river NEAR/2 bridge",
    "(",
    ")",
    "((river)",
    "river)",
    "{title body}: river",
    "text: river",
    "title:river",
    "^river",
    "river + bridge",
    ":",
    "\\",
    "\x00river\x00",
    "🎉",
    "🎉 river 🎉",
    "👩‍👩‍👧‍👦",
    "C++",
    "a*b - (c OR d) NEAR(e)",
    "“quoted”",
    "rivér",
    "RIVER",
    "'; DROP TABLE articles; --",
    "' OR 1=1 --",
    "%",
    "_",
    "\u202e\u200b\ufeff",
    "river" * 2000,
    "river bridge " * 800,
    "x" * 10_000,
    "🎉" * 10_000,
    '"(*-' * 2_500,
    " ".join(f"w{i}" for i in range(2_000)),
]


@pytest.fixture
async def corpus(store: AnyStore) -> AnyStore:
    for title, text in ARTICLES:
        await store.add_article(article(GUILD_A, text, title=title))
    await store.add_article(article(GUILD_B, "The river in guild B.\n\nA bridge too.", title="B"))
    return store


async def test_ranked_hits_with_article_and_paragraph(corpus: AnyStore) -> None:
    hits = await corpus.search(GUILD_A, "bridge river")
    assert hits, "the AND query matches the first paragraph of #1"
    top = hits[0]
    assert (top.number, top.title, top.paragraph) == (1, "River plans", 1)
    assert "bridge over the river" in top.snippet
    assert all(h.number in (1, 2, 3) for h in hits)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)


async def test_porter_stemming_and_case(corpus: AnyStore) -> None:
    hits = await corpus.search(GUILD_A, "RUNS")
    assert {(h.number, h.paragraph) for h in hits} == {(1, 3), (2, 1)}
    assert await corpus.search(GUILD_A, "floods")  # "flood"


async def test_all_terms_first_then_any(corpus: AnyStore) -> None:
    # No paragraph has both words: any-term fallback finds both paragraphs.
    hits = await corpus.search(GUILD_A, "roadworks record")
    assert {(h.number, h.paragraph) for h in hits} == {(1, 3), (2, 2)}
    # Stop words are dropped when other words remain.
    hits = await corpus.search(GUILD_A, "the of and record")
    assert [(h.number, h.paragraph) for h in hits] == [(2, 2)]


async def test_snippet_is_short_plain_text(store: AnyStore) -> None:
    long_paragraph = " ".join(f"word{i}" for i in range(300)) + " needle " + "tail " * 200
    await store.add_article(article(GUILD_A, "Intro\n\n" + long_paragraph + "\n\nOutro"))
    hits = await store.search(GUILD_A, "needle")
    assert len(hits) == 1 and hits[0].paragraph == 2
    snippet = hits[0].snippet
    assert "needle" in snippet and len(snippet.split()) <= 30
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "\n" not in snippet and "<" not in snippet and "[" not in snippet


async def test_limit_and_deleted_articles(store: AnyStore) -> None:
    for i in range(40):
        await store.add_article(article(GUILD_A, f"Common term paragraph {i}.\n\nOther {i}."))
    assert len(await store.search(GUILD_A, "common")) == 25
    assert len(await store.search(GUILD_A, "common", limit=5)) == 5
    assert await store.search(GUILD_A, "common", limit=0) == []
    for n in range(1, 41):
        await store.delete_article(GUILD_A, n)
    assert await store.search(GUILD_A, "common") == []


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_queries_never_raise(corpus: AnyStore, query: str) -> None:
    hits = await corpus.search(GUILD_A, query)
    assert all(h.number in (1, 2, 3) for h in hits)


async def test_hostile_queries_still_find_their_words(corpus: AnyStore) -> None:
    for query in ["river*", "-river", "NOT river", "(river)", "NEAR(river", '"river', "RIVER:"]:
        hits = await corpus.search(GUILD_A, query)
        assert {h.number for h in hits} == {1, 2, 3}, query
    hits = await corpus.search(GUILD_A, "a*b - (c OR d) NEAR(e)")
    assert hits and hits[0].number == 3


def test_query_terms_are_bounded() -> None:
    assert query_terms("The the THE") == ("the",)
    assert query_terms("the river, the RIVER and a bridge") == ("river", "bridg")  # stems
    assert len(query_terms(" ".join(f"w{i}" for i in range(5000)))) == MAX_TERMS
    assert query_terms("🎉 -- ** ()") == ()
    assert build_match("🎉") is None
    match = build_match('NEAR( "x" OR y*')
    assert match is not None
    assert match.all_terms == '"near" AND "x" AND "y"'
    assert match.any_term == '"near" OR "x" OR "y"'


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5 (terms, content = '', tokenize = 'ascii')")
    db.executemany(
        "INSERT INTO t (rowid, terms) VALUES (?, ?)",
        [(i, search_form(text)) for i, (_, text) in enumerate(ARTICLES, 1)],
    )
    yield db
    db.close()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_valid_match_expression(fts: sqlite3.Connection, text: str) -> None:
    """Straight against FTS5, with no error handling in between."""
    match = build_match(text)
    if match is None:
        return
    for expression in (match.all_terms, match.any_term):
        fts.execute(
            "SELECT rowid, bm25(t) FROM t WHERE t MATCH ? ORDER BY rank", (expression,)
        ).fetchall()


@pytest.fixture(scope="module")
def pg_connection(pg_server: TempPostgres) -> Iterator[tuple[asyncio.AbstractEventLoop, Any]]:
    loop = asyncio.new_event_loop()
    connection = loop.run_until_complete(asyncpg.connect(pg_server.url()))
    yield loop, connection
    loop.run_until_complete(connection.close())
    loop.close()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200))
def test_any_text_is_a_valid_tsquery(
    pg_connection: tuple[asyncio.AbstractEventLoop, Any], text: str
) -> None:
    """Straight against PostgreSQL's tsquery parser, with no error handling in between: the
    query is exactly its terms, as lexemes (no operator, weight or prefix sneaks in)."""
    loop, connection = pg_connection
    match = build_match(text)
    if match is None:
        return
    for operator in ("&", "|"):
        parsed = loop.run_until_complete(
            connection.fetchval(
                "SELECT regexp_split_to_array(querytree($1::tsquery), ' [&|] ')",
                _tsquery(match.terms, operator),
            )
        )
        assert sorted(parsed) == sorted(f"'{t}'" for t in match.terms)


class _LoopStore:
    """A store on its own event loop, for hypothesis tests (which are synchronous)."""

    def __init__(self, location: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.store: AnyStore = self.loop.run_until_complete(open_store(location))
        for title, text in ARTICLES:
            new = article(GUILD_A, text, title=title)
            self.loop.run_until_complete(self.store.add_article(new))

    def close(self) -> None:
        self.loop.run_until_complete(self.store.close())
        self.loop.close()


@pytest.fixture(scope="module", params=BACKENDS)
def loop_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_LoopStore]:
    backend = new_backend(request.param, tmp_path_factory.mktemp("search"), request)
    s = _LoopStore(backend.location)
    yield s
    s.close()


hostile_alphabet = st.sampled_from(
    ['"', "'", "*", "-", "+", "^", ":", "(", ")", "{", "}", "NEAR", "AND", "OR", "NOT", " ",
     "river", "bridge", "🎉", "\u0301", "\x00", "\n", ",", "/", "NEAR(", "river*"]
)  # fmt: skip


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(hostile_alphabet, max_size=40).map("".join),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=10_000),
    )
)
def test_store_search_never_raises(loop_store: _LoopStore, query: str) -> None:
    hits = loop_store.loop.run_until_complete(loop_store.store.search(GUILD_A, query))
    assert len(hits) <= 25
    for hit in hits:
        assert hit.number in (1, 2, 3) and hit.paragraph >= 1 and isinstance(hit.snippet, str)


async def test_very_common_terms_are_left_out_when_rarer_ones_remain(store: AnyStore) -> None:
    for i in range(6):
        await store.add_article(article(GUILD_A, f"Alpha filler {i}.\n\nOther words {i}."))
    await store.add_article(article(GUILD_A, "Alpha beta together."))  # 7
    await store.add_article(article(GUILD_A, "Beta alone here."))  # 8
    assert {h.number for h in await store.search(GUILD_A, "alpha beta")} == {7}
    store.common_term_docs = 3  # "alpha" (7 paragraphs) is now too common to weigh
    hits = await store.search(GUILD_A, "alpha beta")
    assert {h.number for h in hits} == {7, 8}
    assert "Alpha" in next(h.snippet for h in hits if h.number == 7)  # snippets use every word
    store.common_term_docs = 1  # all terms common: the two rarest stay, together
    assert {h.number for h in await store.search(GUILD_A, "alpha beta")} == {7}
    # "beta" (2) and "filler" (6) stay; no paragraph has both, so either may match.
    hits = await store.search(GUILD_A, "alpha filler beta")
    assert {h.number for h in hits} == set(range(1, 9))
    assert len(await store.search(GUILD_A, "alpha")) == 7  # a lone term always stays


async def test_ranking_covers_the_newest_matches(store: AnyStore) -> None:
    for i in range(10):
        await store.add_article(article(GUILD_A, f"Gamma ray number {i}." + " pad" * i))
    store.search_window = 3
    hits = await store.search(GUILD_A, "gamma")
    assert sorted(h.number for h in hits) == [8, 9, 10]
    store.search_window = 100
    hits = await store.search(GUILD_A, "gamma")
    assert len(hits) == 10 and hits[0].number == 1  # the shortest paragraph ranks first


async def test_the_newest_matches_are_found_however_far_apart(backend: Backend) -> None:
    """Paragraph ids far apart (as in a guild of millions of paragraphs): PostgreSQL reads
    the guild's newest id ranges first, then older and older ones, then the rest at once."""
    async with await backend.open() as store:
        for i in range(24):
            text = f"Delta report {i}." if i % 2 else f"Unrelated words {i}."
            await store.add_article(article(GUILD_A, text + " pad" * (i % 5)))
            await store.add_article(article(GUILD_B, f"Delta elsewhere {i}."))
            await backend.fetch(
                "UPDATE guilds SET next_paragraph = next_paragraph + ? WHERE guild_id = ?",
                400_000,
                GUILD_A,
            )
        deltas = [n for n in range(1, 25) if n % 2 == 0]  # article n holds i = n - 1
        for window in (1, 5, 9):  # 9: not in the newest 341 ranges, so the rest at once
            store.search_window = window
            hits = await store.search(GUILD_A, "delta")
            assert sorted(h.number for h in hits) == deltas[-window:]
        store.search_window = 100
        hits = await store.search(GUILD_A, "delta")
        assert sorted(h.number for h in hits) == deltas
        assert {h.number for h in await store.search(GUILD_A, "delta report")} == set(deltas)
        assert len(await store.search(GUILD_B, "delta")) == 24
