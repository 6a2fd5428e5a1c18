"""Question → paragraphs (first version: term overlap; to be replaced by a real ranker)."""

from __future__ import annotations

from .model import Article, Passage
from .text import words

_STOP = frozenset("a an the of to in on for and or is are was were what which who how why when".split())


def find_passages(article: Article, question: str, *, k: int = 3) -> list[Passage]:
    q = set(words(question)) - _STOP
    scored: list[Passage] = []
    for p in article.paragraphs:
        overlap = len(q & set(words(p.text)))
        if overlap:
            best = max(p.sentences, key=lambda s: len(q & set(words(s))), default=p.text)
            scored.append(Passage(p.number, p.text, float(overlap), best))
    scored.sort(key=lambda x: (-x.score, x.paragraph))
    return scored[:k]
