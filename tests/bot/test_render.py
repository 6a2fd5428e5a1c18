"""Rendering: every page fits every Discord limit, and quotes stay verbatim (escaping aside)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import discord
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.article import Digest, Fact, SectionSummary, Summary, analyze, parse
from bot.render import (
    CONTENT_LIMIT,
    FIELD_VALUE_LIMIT,
    NO_MENTIONS,
    Packer,
    Page,
    article_list_page,
    build_pages,
    digest_pages,
    dlen,
    escape,
    inline,
    page_problems,
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
                # one per sentence (the engine's), or not (a stored digest: searched for)
                sentence_paragraphs=st.lists(st.integers(1, 10_000), max_size=4),
            ),
            max_size=40,
        ),
        tldr_paragraphs=st.lists(st.integers(1, 10_000), max_size=5),
    ),
    facts=st.lists(st.builds(Fact, text=nasty_text, paragraph=st.integers(1, 10_000)), max_size=8),
    paragraph_count=st.integers(0, 10_000),
    section_count=st.integers(0, 1000),
    engine_version=st.just("1"),
    language=st.one_of(st.none(), st.sampled_from(["en", "zh", "pt"]), nasty_text),
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
    """A section summary repeats no TL;DR sentence; a section the TL;DR covers says so (the
    engine no longer repeats one, but a digest stored by an older engine may)."""
    article = parse(SAMPLE)
    fresh = analyze(article)
    assert not set(fresh.summary.sections[0].sentences) & set(fresh.summary.tldr)
    old = fresh.summary.sections[0]
    digest = replace(
        fresh,
        summary=replace(
            fresh.summary,
            sections=[
                replace(
                    old,
                    sentences=list(fresh.summary.tldr),
                    sentence_paragraphs=list(fresh.summary.tldr_paragraphs),
                )
            ],
        ),
    )
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


def _summary(tldr_paragraphs: list[int], sentence_paragraphs: list[int]) -> Summary:
    """A TL;DR sentence that is also in ¶1, taken by the engine from ¶3; a section whose
    sentences are that one (from ¶1: another sentence) and the TL;DR's."""
    return Summary(
        tldr=[REPEATED],
        tldr_paragraphs=tldr_paragraphs,
        sections=[
            SectionSummary(
                heading="Both",
                sentences=[REPEATED, "Another point."],
                paragraphs=[1, 2, 3],
                sentence_paragraphs=sentence_paragraphs,
            )
        ],
    )


REPEATED = "Prices rose 5% in May."
PARAGRAPHS = [(1, f"{REPEATED} Then calm."), (2, "Another point."), (3, f"Later: {REPEATED}")]


def test_each_sentence_shows_the_paragraph_the_engine_took_it_from() -> None:
    digest = Digest(None, _summary([3], [1, 2]), [], 3, 1, "4", language="en")
    page = digest_pages(digest, number=7, paragraphs=PARAGRAPHS)[0]
    embed = page.embeds[0]
    assert f"• {inline(REPEATED)} (¶3)" in (embed.description or "")  # not ¶1, its first place
    # the same words from ¶1 are another sentence: the section shows it, the TL;DR's is not
    assert embed.fields[0].value == f"• {inline(REPEATED)} (¶1)\n• Another point. (¶2)"
    assert embed.footer.text == (
        "Article #7 · 3 paragraphs · English · Ask: /ask <question> article:#7 — or reply to "
        "this message"
    )


def test_a_digest_stored_before_the_engine_gave_paragraphs() -> None:
    """Its sentences are found in the stored paragraphs (the first that holds each); a
    sentence the TL;DR shows is left out of the sections, as before; no language."""
    digest = Digest.from_dict(Digest(None, _summary([], []), [], 3, 1, "3").to_dict())
    assert digest.summary.tldr_paragraphs == [] and digest.language is None
    embed = digest_pages(digest, number=7, paragraphs=PARAGRAPHS)[0].embeds[0]
    assert f"• {inline(REPEATED)} (¶1)" in (embed.description or "")
    assert embed.fields[0].value == "• Another point. (¶2)"
    assert (embed.footer.text or "").startswith("Article #7 · 3 paragraphs · Ask:")


def test_one_packer_packs_every_reply() -> None:
    """`build_pages` and `quote_pages` both fill messages through `Packer`: ten embeds or
    6,000 characters a message at most, `content` on each, the footer with "i/n"."""
    packer = Packer(content="Head", footer="Foot")
    start = packer.room
    packer.add_embed("¶1", "x" * 100)
    assert packer.room == start - 102
    for i in range(2, 13):
        packer.add_embed(f"¶{i}", "x" * 100)
    packer.new_message()
    packer.new_message()  # an empty message is not one
    packer.add_embed("¶13", "y" * 4000)
    packer.add_embed("¶14", "z" * 2000)  # over 6,000 with the one before: a new message
    pages = packer.finish()
    assert [len(p.embeds) for p in pages] == [10, 2, 1, 1]
    assert all(p.content == "Head" for p in pages)
    assert [p.embeds[-1].footer.text for p in pages] == [f"Foot · {i}/4" for i in range(1, 5)]
    assert_fits(pages)
    assert Packer(content="Only text").finish() == [Page(content="Only text")]
    assert Packer(title="T").finish()[0].embeds[0].title == "T"
