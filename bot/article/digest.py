"""One call that computes everything a digest reply shows."""

from __future__ import annotations

from .facts import key_facts
from .model import Article, Digest
from .summarize import summarize

ENGINE_VERSION = "5"


def analyze(article: Article, *, max_sentences: int = 3, facts: int = 5) -> Digest:
    """The digest of `article`: TL;DR, section summaries and key facts.

    No sentence appears twice in a digest: the section summaries leave out what the TL;DR
    quotes, and the key facts add to both (`key_facts(..., exclude=...)`), so a short article
    may get fewer facts, or none.

    `section_count` counts the sections the digest shows (`summary.sections`): the article's
    headed sections, with heading-less stretches cut into coherent runs.
    """
    summary = summarize(article, max_sentences=max_sentences)
    shown = [*summary.tldr, *(s for section in summary.sections for s in section.sentences)]
    return Digest(
        title=article.title,
        summary=summary,
        facts=key_facts(article, limit=facts, exclude=shown),
        paragraph_count=len(article.paragraphs),
        section_count=len(summary.sections),
        engine_version=ENGINE_VERSION,
        language=article.language,
    )
