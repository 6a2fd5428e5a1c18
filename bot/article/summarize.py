"""Extractive summaries (first version: lead sentences; to be replaced by a real scorer)."""

from __future__ import annotations

from .model import Article, SectionSummary, Summary


def summarize(article: Article, *, max_sentences: int = 3) -> Summary:
    tldr = [s for p in article.paragraphs for s in p.sentences][: max(0, max_sentences)]
    sections = [
        SectionSummary(
            heading=sec.heading,
            sentences=[s for p in sec.paragraphs for s in p.sentences][:2],
            paragraphs=[p.number for p in sec.paragraphs],
        )
        for sec in article.sections
    ]
    return Summary(tldr=tldr, sections=sections)
