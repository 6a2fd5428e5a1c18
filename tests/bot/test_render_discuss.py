"""Rendering for the discussion commands: quotes stay verbatim, bold stays balanced, and every
page fits Discord's limits however long a paragraph is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article import Passage, find_passages, key_facts, parse, summarize
from bot.render import (
    DESCRIPTION_LIMIT,
    Page,
    Quoted,
    answer_groups,
    answer_pages,
    facts_pages,
    not_covered_text,
    page_problems,
    quote_pages,
    search_pages,
    summary_pages,
    unescape,
)

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()
_MARK = re.compile(r"\\.|\*\*")


def unquote(description: str) -> str:
    """The article text behind one quote piece: no "> ", no cut markers, no bold marks."""
    text = description.removeprefix("> ").removeprefix("… ").removesuffix(" …")
    return unescape(_MARK.sub(lambda m: "" if m.group(0) == "**" else m.group(0), text))


def bold_marks(description: str) -> int:
    return sum(1 for m in _MARK.finditer(description) if m.group(0) == "**")


def pieces(pages: list[Page]) -> list[tuple[str, str]]:
    return [(e.title or "", e.description or "") for p in pages for e in p.embeds]


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_answer_on_the_sample_quotes_whole_paragraphs_with_the_best_sentence_in_bold() -> None:
    article = parse(SAMPLE)
    question = "Which chips does Anthropic rely on?"
    passages = find_passages(article, question, k=9)
    assert passages and passages[0].paragraph == 1
    pages = answer_pages(
        passages,
        number=7,
        title="Amazon *bets* big",
        question=question,
        headings={p.number: p.heading for p in article.paragraphs},
    )
    first = pages[0]
    assert first.content is not None and "#7" in first.content and "Which chips" in first.content
    assert "\\*bets\\*" in first.content  # the title is escaped
    title, description = pieces([first])[0]
    assert title == "¶1 · Detailed Analysis"
    assert unquote(description) == _norm(article.paragraphs[0].text)
    bold = re.findall(r"\*\*(.+?)\*\*", description)
    assert [unescape(b) for b in bold] == [_norm(passages[0].sentence)]
    for page in pages:
        assert page_problems(page) == []
        assert page.embeds[-1].footer.text and "Article #7" in page.embeds[-1].footer.text
    shown = [int(t.split()[0].lstrip("¶")) for p in pages for t, _ in pieces([p])]
    assert shown == [p.paragraph for p in passages]


def P(paragraph: int, score: float) -> Passage:
    return Passage(paragraph, f"Paragraph {paragraph}.", score, f"Paragraph {paragraph}.")


def test_answer_groups_keep_weak_passages_for_more() -> None:
    assert answer_groups([]) == []
    strong = [P(1, 1.5), P(4, 1.3), P(3, 1.2), P(2, 1.1), P(5, 0.2)]
    assert [[p.paragraph for p in g] for g in answer_groups(strong)] == [[1, 4, 3], [2, 5]]
    weak = [P(1, 1.5), P(2, 0.23), P(4, 0.2)]
    assert [[p.paragraph for p in g] for g in answer_groups(weak)] == [[1], [2, 4]]
    mixed = [P(1, 1.0), P(2, 0.9), P(3, 0.1), P(4, 0.9)]
    assert [[p.paragraph for p in g] for g in answer_groups(mixed)] == [[1, 2], [3, 4]]


def test_a_paragraph_longer_than_an_embed_is_split_between_words_with_markers() -> None:
    words = [f"word{i}" for i in range(1500)]  # ~11,000 characters
    text = " ".join(words)
    highlight = " ".join(words[100:1200])
    pages = quote_pages(
        [[Quoted(3, text, "Long part", highlight=highlight)]], content="Q", footer="F"
    )
    assert len(pages) >= 2
    parts = pieces(pages)
    assert parts[0][0] == "¶3 · Long part"
    assert all(t == "¶3 · Long part (cont.)" for t, _ in parts[1:])
    for page in pages:
        assert page_problems(page) == []
    for i, (_, d) in enumerate(parts):
        assert len(d) <= DESCRIPTION_LIMIT
        assert bold_marks(d) % 2 == 0, "bold must be closed within each piece"
        assert d.startswith("> … ") == (i > 0)
        assert d.endswith(" …") == (i < len(parts) - 1)
    assert " ".join(unquote(d) for _, d in parts) == text  # nothing lost, no word cut
    assert {p.content for p in pages} == {"Q"}
    assert pages[-1].embeds[-1].footer.text == f"F · {len(pages)}/{len(pages)}"


def test_one_giant_word_is_cut_with_markers() -> None:
    text = "x" * 9000
    pages = quote_pages([[Quoted(1, text)]])
    assert all(page_problems(p) == [] for p in pages)
    parts = [d for _, d in pieces(pages)]
    assert len(parts) >= 3 and "".join(unquote(d) for d in parts) == text


def test_groups_start_new_messages() -> None:
    groups = [[Quoted(1, "One.")], [Quoted(2, "Two."), Quoted(3, "Three.")]]
    pages = quote_pages(groups)
    assert [[t for t, _ in pieces([p])] for p in pages] == [["¶1"], ["¶2", "¶3"]]
    assert quote_pages([], content="nothing")[0].content == "nothing"


def test_quoted_markdown_and_mentions_are_inert() -> None:
    text = "@everyone see <@123> and **this** `code` > quote\n# heading"
    (page,) = quote_pages([[Quoted(1, text, highlight="**this**")]])
    description = page.embeds[0].description or ""
    assert "<@123>" not in description and "\\<@123\\>" in description
    assert unquote(description) == _norm(text)
    assert bold_marks(description) == 2


@dataclass
class Hit:
    number: int
    title: str | None
    paragraph: int
    snippet: str


def test_search_pages() -> None:
    hits = [Hit(n, f"Title {n} " * 30, n % 7 + 1, "snippet *text* " * 60) for n in range(1, 13)]
    pages = search_pages(hits, query="apples @everyone")
    assert len(pages) == 3
    for page in pages:
        assert page_problems(page) == []
        assert "apples" in (page.embeds[0].title or "")
    assert "#1 · Title 1" in (pages[0].embeds[0].description or "")
    assert "\\*text\\*" in (pages[0].embeds[0].description or "")
    (empty,) = search_pages([], query="nothing")
    assert "No paragraph" in (empty.embeds[0].description or "")


def test_summary_and_facts_pages_quote_the_article() -> None:
    article = parse(SAMPLE)
    paragraphs = [(p.number, p.text) for p in article.paragraphs]
    facts = key_facts(article, limit=10)
    for length, sections in (("short", False), ("medium", True), ("long", True)):
        summary = summarize(article, max_sentences=6 if length == "long" else 2)
        pages = summary_pages(
            summary,
            number=1,
            title="Deal",
            paragraphs=paragraphs,
            length=length,
            facts=facts if length == "long" else (),
            sections=sections,
        )
        for page in pages:
            assert page_problems(page) == []
        embed = pages[0].embeds[0]
        assert embed.title == f"Summary ({length}) · #1 · Deal"
        names = [f.name for p in pages for e in p.embeds for f in e.fields]
        assert any("¶1–4" in (n or "") for n in names) == sections
        assert ("Key facts" in names) == (length == "long")
        for sentence in summary.tldr:
            assert _norm(sentence) in _norm(unescape(embed.description or ""))
    (page,) = facts_pages(facts, number=1, title="Deal")
    text = _norm(unescape(page.embeds[0].description or ""))
    for fact in facts:
        assert f"{_norm(fact.text)} (¶{fact.paragraph})" in text
    assert "no particular facts" in (
        facts_pages([], number=1, title=None)[0].embeds[0].description or ""
    )
    assert "#1" in not_covered_text(1, None)


_alphabet = st.sampled_from(
    list("abcxyz ABC 0123456789 .,;:!?'\"()") + list("*_~|`>#-+[]<@&\\\n\t") + ["😀", "é", "字"]
)
_texts = st.one_of(
    st.text(_alphabet, min_size=1, max_size=400),
    st.builds(lambda n: "word " * n + "end", st.integers(0, 2500)),
    st.builds(lambda n: "y*" * n, st.integers(1, 4000)),
    st.builds(
        lambda a, n: a + " " + "x" * n, st.text(_alphabet, max_size=30), st.integers(0, 7000)
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(_texts, min_size=1, max_size=4),
    cut=st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)),
    heading=st.one_of(st.none(), st.text(_alphabet, max_size=300)),
)
def test_any_quote_fits_and_reads_back_verbatim(
    texts: list[str], cut: tuple[int, int], heading: str | None
) -> None:
    blocks = []
    for i, text in enumerate(texts, 1):
        norm = _norm(text)
        a, b = sorted(x % (len(norm) + 1) for x in cut)
        blocks.append(Quoted(i, text, heading, highlight=norm[a:b] or None))
    pages = quote_pages([blocks], content="c" * 2500, footer="f" * 3000)
    for page in pages:
        assert page_problems(page) == []
    by_paragraph: dict[int, list[str]] = {}
    for title, description in pieces(pages):
        number = int(title.split()[0].lstrip("¶"))
        by_paragraph.setdefault(number, []).append(description)
        assert bold_marks(description) % 2 == 0
    for block in blocks:
        got = "".join("".join(unquote(d).split()) for d in by_paragraph[block.paragraph])
        assert got == "".join(block.text.split())
