"""One call that computes everything a digest reply shows."""

from __future__ import annotations

from .facts import key_facts
from .model import Article, Digest
from .summarize import summarize

ENGINE_VERSION = "4"


def analyze(article: Article, *, max_sentences: int = 3, facts: int = 5) -> Digest:
    """The digest of `article`: TL;DR, section summaries and key facts.

    The key facts add to the TL;DR shown above them: none repeats a TL;DR sentence
    (`key_facts(..., exclude=tldr)`), so a short article may get fewer facts, or none.

    `section_count` counts the sections the digest shows (`summary.sections`): the article's
    headed sections, with heading-less stretches cut into coherent runs.
    """
    summary = summarize(article, max_sentences=max_sentences)
    return Digest(
        title=article.title,
        summary=summary,
        facts=key_facts(article, limit=facts, exclude=summary.tldr),
        paragraph_count=len(article.paragraphs),
        section_count=len(summary.sections),
        engine_version=ENGINE_VERSION,
        language=article.language,
    )
