"""Key facts (first version: sentences with digits; to be replaced by a real scorer)."""

from __future__ import annotations

import re

from .model import Article, Fact


def key_facts(article: Article, *, limit: int = 5) -> list[Fact]:
    out: list[Fact] = []
    for p in article.paragraphs:
        for s in p.sentences:
            if re.search(r"\d|[A-Z]\w+ [A-Z]\w+", s) and len(out) < limit:
                out.append(Fact(s, p.number))
    return out
