"""Short plain-text snippets of a paragraph around the words a search matched.

Both stores cut snippets here, from the paragraph text the search already reads, so they have
the same shape whatever the database. Words are matched the way the index matches them
(`storage.query`: folded, Porter-stemmed; characters and character pairs in Chinese, Japanese,
Thai and other scripts written without spaces).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from .query import fold, stem, tokens

__all__ = ["SNIPPET_WORDS", "fold", "make_snippet", "stem"]

SNIPPET_WORDS = 24
LEAD_WORDS = 4  # words of context kept before the first matched word
UNSPACED_WEIGHT = 0.5  # a character of Chinese, Thai... counts as half a word of the budget
ELLIPSIS = "…"

_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[^\W_]+")


def make_snippet(text: str, terms: Iterable[str], *, words: int = SNIPPET_WORDS) -> str:
    """About `words` words of `text` around the densest run of matched `terms` (search terms,
    as `storage.query.query_terms` makes them), whitespace collapsed, with "…" where text was
    cut. The start of the paragraph when nothing matches."""
    found = list(tokens(text))
    if not found:
        return _SPACE.sub(" ", text).strip()[:200]
    wanted = set(terms)
    hits: list[tuple[int, str]] = []  # (token index, term)
    for i, token in enumerate(found):
        if token.term in wanted:
            hits.append((i, token.term))
        if token.unspaced and i + 1 < len(found):
            after = found[i + 1]
            pair = token.term + after.term
            if after.unspaced and after.start == token.end and pair in wanted:
                hits += [(i, pair), (i + 1, pair)]
    hits.sort()

    # cumulative[i]: the weight of the tokens before token i.
    cumulative = [0.0]
    for token in found:
        cumulative.append(cumulative[-1] + (UNSPACED_WEIGHT if token.unspaced else 1.0))
    total = cumulative[-1]
    # The first token from which the rest of the paragraph fits the budget.
    full_from = bisect_left(cumulative, total - words)

    def end_of(start: int) -> int:
        """The index of the last token of a window opened at `start`."""
        return max(start, bisect_right(cumulative, cumulative[start] + words) - 2)

    first = 0
    if hits:
        best = (-1, -1)
        for i, _ in hits:
            start = bisect_left(cumulative, cumulative[i] - LEAD_WORDS)
            start = max(0, min(start, full_from))
            last = end_of(start)
            inside = [term for j, term in hits if start <= j <= last]
            score = (len(set(inside)), len(inside))
            if score > best:
                best, first = score, start
    last = min(len(found) - 1, end_of(first))

    begin = found[first].start if first > 0 else 0
    end = found[last].end if last < len(found) - 1 else len(text)
    if last < len(found) - 1:
        # Keep punctuation that closes the last word ("said.", "2%", 'it."').
        while end < len(text) and not text[end].isspace() and not _TOKEN.match(text, end):
            end += 1
    snippet = _SPACE.sub(" ", text[begin:end]).strip()
    if first > 0:
        snippet = ELLIPSIS + snippet
    if last < len(found) - 1:
        snippet += ELLIPSIS
    return snippet
