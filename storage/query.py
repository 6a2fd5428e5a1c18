"""Turn any user text into a safe FTS5 MATCH expression.

User text is never handed to FTS5's query syntax. It is cut into word tokens the way the
`unicode61` tokenizer cuts text (runs of letters and digits; everything else separates), and
each token is written as a double-quoted FTS5 string. A quoted string can hold any character
except `"` (and tokens never contain one), so operators (`AND`, `OR`, `NOT`, `NEAR(`), column
filters (`title:`), prefix stars, carets, minus signs, parentheses and emoji in the input are
only words or separators, never syntax.

Queries are kept short so a pasted essay stays cheap: tokens are de-duplicated, English stop
words are dropped when other words remain, and at most `MAX_TERMS` are kept (first ones win).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_TERMS", "STOP_WORDS", "MatchQuery", "build_match", "query_terms"]

MAX_TERMS = 8

# Letters and digits (Unicode categories L* and N*), as unicode61 sees a token.
_TOKEN = re.compile(r"[^\W_]+")

_STOP_WORDS = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    s t d ll m re ve
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """Two MATCH expressions over the same terms: all of them, and any of them."""

    terms: tuple[str, ...]

    @property
    def all_terms(self) -> str:
        return " AND ".join(_quote(t) for t in self.terms)

    @property
    def any_term(self) -> str:
        return " OR ".join(_quote(t) for t in self.terms)


def _quote(term: str) -> str:
    # Tokens hold letters and digits only, but quote-doubling keeps this safe for any string.
    return '"' + term.replace('"', '""') + '"'


def query_terms(text: str) -> tuple[str, ...]:
    """The search terms of `text`: lower-cased word tokens, de-duplicated, stop words dropped
    when anything else remains, at most `MAX_TERMS`."""
    seen: dict[str, None] = {}
    content = 0
    for match in _TOKEN.finditer(text):
        term = match.group().lower()
        if term in seen:
            continue
        seen[term] = None
        if term not in STOP_WORDS:
            content += 1
            if content == MAX_TERMS:
                break
    terms = list(seen)
    words = [t for t in terms if t not in STOP_WORDS]
    return tuple((words or terms)[:MAX_TERMS])


def build_match(text: str) -> MatchQuery | None:
    """A safe MATCH query for `text`, or None when it holds no word at all (only punctuation
    or emoji): such a query matches nothing."""
    terms = query_terms(text)
    return MatchQuery(terms) if terms else None
