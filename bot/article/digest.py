"""One call that computes everything a digest reply shows."""

from __future__ import annotations

from .facts import key_facts
from .model import Article, Digest
from .summarize import summarize

ENGINE_VERSION = "1"


def analyze(article: Article, *, max_sentences: int = 3, facts: int = 5) -> Digest:
    """The digest of `article`: TL;DR, section summaries and key facts."""
    return Digest(
        title=article.title,
        summary=summarize(article, max_sentences=max_sentences),
        facts=key_facts(article, limit=facts),
        paragraph_count=len(article.paragraphs),
        section_count=len(article.sections),
        engine_version=ENGINE_VERSION,
    )
