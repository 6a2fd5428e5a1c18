"""Property tests: any text, however odd, parses and summarises without crashing, and all that
comes back is verbatim and points at real paragraphs."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article import Article, analyze, key_facts, parse, summarize
from bot.article.text import split_sentences, squash

VOCABULARY = (
    "The U.S. Mr. Dr. e.g. Inc. $5.5 billion 3.14 said \"quoted\" 'single' ... … — - * # 1. "
    "Amazon Anthropic apple banana rose fell 20% in on at Read original article → "
    "Advertisement Share this Subscribe cookies (CNN) ? ! . , ; : café naïve 東京。 "
    "特斯拉于1943年去世。 “我爱你。”他说 富士山は 「本当ですか。」と Москва т. е. Ναι; "
    "मुंबई है। مرحبا؟ กรุงเทพมหานคร ๆ 서울은 z. B. „Ja.“ « Bonjour » ¿Qué? é ​ ‏ "
)
WORDS = st.sampled_from(VOCABULARY.split(" "))
SEPARATORS = st.sampled_from(
    [" ", " ", " ", "\n", "\n\n", "\r\n", "\n# ", "\n- ", "\n> ", "\n>", "  \n\t"]
)
_QUOTE_MARKERS = re.compile(r"^(?:>[ \t]*)+")


def unmarked(text: str) -> str:
    """`text` without block-quote markers: what paragraphs are verbatim slices of."""
    text = (
        text.replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\u2029", "\n")
        .replace("\u2028", "\n")
    )
    return "\n".join(_QUOTE_MARKERS.sub("", line.strip()) for line in text.split("\n"))


@st.composite
def article_like(draw: st.DrawFn) -> str:
    """Text built from news-like words, punctuation and line structure."""
    parts = draw(st.lists(st.tuples(WORDS, SEPARATORS), max_size=120))
    return "".join(w + s for w, s in parts)


def check(text: str, title: str | None = None) -> Article:
    article = parse(text, title=title)
    source = squash(unmarked(text))
    numbers = [p.number for p in article.paragraphs]
    assert numbers == list(range(1, len(numbers) + 1))
    assert [p for s in article.sections for p in s.paragraphs] == article.paragraphs
    for p in article.paragraphs:
        assert p.text.strip() and squash(p.text) in source
        assert p.sentences
        for sentence in p.sentences:
            assert sentence and sentence in p.text
    valid = set(numbers)
    sentences = {s for p in article.paragraphs for s in p.sentences}
    summary = summarize(article, max_sentences=3)
    assert len(summary.tldr) <= 3
    assert len(set(summary.tldr)) == len(summary.tldr)
    assert all(s in sentences for s in summary.tldr)
    covered: list[int] = []
    for section in summary.sections:
        assert section.paragraphs and set(section.paragraphs) <= valid
        covered += section.paragraphs
        assert len(section.sentences) <= 3
        own = {s for n in section.paragraphs for s in article.paragraph(n).sentences}
        assert all(s in own for s in section.sentences)
    assert covered == numbers
    facts = key_facts(article, limit=5)
    assert len(facts) <= 5
    for fact in facts:
        assert fact.paragraph in valid
        assert fact.text in article.paragraph(fact.paragraph).text
    digest = analyze(article)
    shown = [*digest.summary.tldr, *(f.text for f in digest.facts)]
    shown += [s for section in digest.summary.sections for s in section.sentences]
    said = [squash(s) for s in shown]
    assert len(said) == len(set(said)), "a sentence appears twice in one digest"
    return article


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_unicode(text: str) -> None:
    check(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(article_like(), st.one_of(st.none(), st.text(max_size=20)))
def test_article_like_text(text: str, title: str | None) -> None:
    article = check(text, title)
    if text.strip() and not article.paragraphs:
        # Only furniture, rules or a title: nothing of substance was dropped.
        assert all(len(line) < 250 for line in text.splitlines())


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_sentences_are_ordered_slices(text: str) -> None:
    at = 0
    for sentence in split_sentences(text):
        assert sentence == sentence.strip() and sentence
        found = text.find(sentence, at)
        assert found >= 0
        at = found + len(sentence)
