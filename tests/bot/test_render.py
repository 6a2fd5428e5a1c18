"""Rendering: every page fits every Discord limit, and quotes stay verbatim (escaping aside)."""

from __future__ import annotations

import re
from pathlib import Path

import discord
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.article import Digest, Fact, SectionSummary, Summary, analyze, parse
from bot.render import (
    CONTENT_LIMIT,
    FIELD_VALUE_LIMIT,
    NO_MENTIONS,
    Page,
    article_list_page,
    build_pages,
    digest_pages,
    dlen,
    escape,
    inline,
    page_problems,
    para_ref,
    split_text,
    text_pages,
    unescape,
)

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()

# Text with everything that could go wrong: Markdown, mentions, URLs, emoji, long runs.
_alphabet = st.sampled_from(
    list("abcxyz ABC 0123456789 .,;:!?'\"()") + list("*_~|`>#-+[]<@&\\\n\t") + ["😀", "é", "字"]
)
nasty_text = st.one_of(
    st.text(_alphabet, max_size=400),
    st.text(max_size=200),
    st.builds(
        lambda a, b: a + " https://example.com/a_b*c " + b,
        st.text(_alphabet, max_size=50),
        st.text(_alphabet, max_size=50),
    ),
    st.sampled_from(["@everyone <@123> <@&456> <#789>", "**bold** __u__ ||spoiler|| `code`"]),
    st.builds(lambda n: "word " * n, st.integers(0, 1500)),
    st.builds(lambda n: "x" * n, st.integers(0, 6000)),
)


def _norm(text: str) -> str:
    return " ".join(text.split())


def visible(page: Page) -> str:
    parts = [page.content or ""]
    for e in page.embeds:
        parts += [e.title or "", e.description or "", e.footer.text or ""]
        for f in e.fields:
            parts += [f.name or "", f.value or ""]
    return "\n".join(parts)


def assert_quotes_verbatim(digest: Digest, pages: list[Page]) -> None:
    text = _norm(unescape("\n".join(visible(p) for p in pages)))
    quotes = list(digest.summary.tldr) + [f.text for f in digest.facts]
    quotes += [s for sec in digest.summary.sections for s in sec.sentences]
    for quote in quotes:
        if not _norm(quote):
            continue
        if dlen(inline(quote)) <= FIELD_VALUE_LIMIT - 20:
            assert _norm(quote) in text, quote
        else:  # split over several fields with "…" markers: every word is still there
            for word in _norm(quote).split():
                if len(word) < 200:
                    assert word in text


def assert_fits(pages: list[Page]) -> None:
    assert pages
    for page in pages:
        assert page_problems(page) == [], page_problems(page)
        assert page.send_kwargs()["allowed_mentions"] is NO_MENTIONS


digests = st.builds(
    Digest,
    title=st.one_of(st.none(), nasty_text),
    summary=st.builds(
        Summary,
        tldr=st.lists(nasty_text, max_size=5),
        sections=st.lists(
            st.builds(
                SectionSummary,
                heading=st.one_of(st.none(), nasty_text),
                sentences=st.lists(nasty_text, max_size=4),
                paragraphs=st.lists(st.integers(1, 10_000), max_size=30),
            ),
            max_size=40,
        ),
    ),
    facts=st.lists(st.builds(Fact, text=nasty_text, paragraph=st.integers(1, 10_000)), max_size=8),
    paragraph_count=st.integers(0, 10_000),
    section_count=st.integers(0, 1000),
    engine_version=st.just("1"),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(digest=digests, number=st.integers(1, 10**9), url=st.one_of(st.none(), nasty_text))
def test_any_digest_fits_every_limit(digest: Digest, number: int, url: str | None) -> None:
    meta = {"author": digest.title or "", "site_name": "Site", "date": "2024-01-01"}
    pages = digest_pages(digest, number=number, source_url=url, meta=meta)
    assert_fits(pages)
    assert_quotes_verbatim(digest, pages)


paragraph_text = st.text(_alphabet, min_size=1, max_size=600)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    blocks=st.lists(
        st.one_of(paragraph_text, st.builds(lambda h: "## " + h, st.text(_alphabet, max_size=60))),
        min_size=1,
        max_size=40,
    )
)
def test_any_article_digest_fits_and_quotes_verbatim(blocks: list[str]) -> None:
    article = parse("\n\n".join(blocks))
    digest = analyze(article)
    paragraphs = [(p.number, p.text) for p in article.paragraphs]
    pages = digest_pages(digest, number=1, paragraphs=paragraphs)
    assert_fits(pages)
    assert_quotes_verbatim(digest, pages)


def test_sample_digest_shows_paragraph_numbers() -> None:
    article = parse(SAMPLE)
    digest = analyze(article)
    pages = digest_pages(
        digest,
        number=12,
        title="Amazon",
        paragraphs=[(p.number, p.text) for p in article.paragraphs],
    )
    assert len(pages) == 1
    embed = pages[0].embeds[0]
    assert embed.title == "Amazon"
    assert "**TL;DR**" in (embed.description or "")
    assert re.search(r"\(¶\d+\)", embed.description or "")
    assert any(f.name == "Key facts" for f in embed.fields)
    assert "Article #12" in (embed.footer.text or "") and "/ask" in (embed.footer.text or "")


def test_digest_shows_each_sentence_once() -> None:
    """A section summary repeats no TL;DR sentence; a section the TL;DR covers says so."""
    article = parse(SAMPLE)
    digest = analyze(article)
    assert set(digest.summary.sections[0].sentences) <= set(digest.summary.tldr)
    (page,) = digest_pages(
        digest, number=1, paragraphs=[(p.number, p.text) for p in article.paragraphs]
    )
    text = unescape(
        (page.embeds[0].description or "") + "".join(f.value or "" for f in page.embeds[0].fields)
    )
    for sentence in digest.summary.tldr:
        assert text.count(sentence) == 1
    assert page.embeds[0].fields[0].value == "*Summarised in the TL;DR above.*"


@given(st.text(max_size=300))
def test_escape_roundtrips(text: str) -> None:
    assert unescape(escape(text)) == text


def test_escape_neutralises_markdown_and_mentions() -> None:
    escaped = escape("**b** __u__ ~~s~~ ||sp|| `c` <@1> <#2> <t:1:R> [x](http://e.com) # h")
    for i, ch in enumerate(escaped):
        if ch in "*_~|`<>[]#":
            backslashes = len(escaped[:i]) - len(escaped[:i].rstrip("\\"))
            assert backslashes % 2 == 1, (ch, i, escaped)
    assert escape("- item") == "\\- item" and escape("1. item") == "1\\. item"
    assert escape("> quote") == "\\> quote" and escape("# Heading") == "\\# Heading"
    assert escape("see https://example.com/a_b_c now") == "see https://example.com/a_b_c now"
    assert escape("1.5 billion") == "1.5 billion"


@given(st.text(_alphabet, max_size=3000), st.integers(16, 1200))
@example("000 00000000000000\t01", 20)  # a tab separates words too: "01" must stay whole
def test_split_text_respects_the_limit(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(0 < dlen(c) <= limit for c in chunks)
    joined = " ".join(chunks).replace("…", " ")
    for word in text.split():
        if len(word) < limit // 3:
            assert word in joined


def test_text_pages_and_build_pages() -> None:
    pages = text_pages("line\n" * 1500)
    assert len(pages) == 4 and all(dlen(p.content or "") <= CONTENT_LIMIT for p in pages)
    many = build_pages(title="T", fields=[(f"f{i}", "v" * 1000) for i in range(60)], footer="end")
    assert len(many) > 1
    assert_fits(many)
    assert all(p.embeds[0].title == "T" for p in many)
    assert [p.embeds[-1].footer.text for p in many][-1] == f"end · {len(many)}/{len(many)}"


def test_para_ref() -> None:
    assert para_ref([1, 2, 3, 5, 7, 8]) == "¶1–3, ¶5, ¶7–8"
    assert para_ref([]) == ""


def test_list_page() -> None:
    from datetime import UTC, datetime

    from storage import ArticleInfo

    items = [
        ArticleInfo(n, f"**Title {n}** <@1>", datetime.now(UTC), 1, None, "text", None, 4)
        for n in range(10, 0, -1)
    ]
    page = article_list_page(items, total=25, page=0, page_count=3)
    assert_fits([page])
    assert "Page 1/3" in (page.embeds[0].footer.text or "")
    assert "\\*\\*Title 10\\*\\*" in (page.embeds[0].description or "")
    empty = article_list_page([], total=0, page=0, page_count=1)
    assert "No articles yet" in (empty.embeds[0].description or "")
    assert isinstance(empty.embeds[0], discord.Embed)
