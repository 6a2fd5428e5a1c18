"""Short plain-text snippets of a paragraph around the words a search matched.

FTS5's own `snippet()` needs the FTS cursor positioned on the row, which costs a fresh index
seek per hit once ranking is done outside FTS5's sorter; so the snippet is cut here instead,
from the paragraph text the search already reads. Words are matched the way the index matches
them: folded like `unicode61` (lower case, diacritics removed) and stemmed with the Porter
algorithm (snowballstemmer's "porter" is the same algorithm as FTS5's `porter` tokenizer).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

__all__ = ["SNIPPET_WORDS", "make_snippet", "stem"]

SNIPPET_WORDS = 24
LEAD_WORDS = 4  # words of context kept before the first matched word
ELLIPSIS = "…"

_TOKEN = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")
_STEMMER = snowballstemmer.stemmer("porter")
# With PyStemmer installed, snowballstemmer hands back its C stemmer, whose own word cache keeps
# a GC-tracked list per word; the memo here does that job, so turn it off.
if hasattr(_STEMMER, "maxCacheSize"):
    _STEMMER.maxCacheSize = 0
_LOCK = threading.Lock()  # a Snowball stemmer keeps state while it works


def fold(word: str) -> str:
    """Lower case without diacritics, as the unicode61 tokenizer folds a token."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Porter stem of a folded word, as FTS5's `porter` tokenizer makes it."""
    if len(word) < 3 or not word.isascii():  # FTS5 leaves these alone
        return word
    with _LOCK:
        stemmed = str(_STEMMER.stemWord(word))
    # SQLite follows Porter's published C version, which has two step-2 rules the paper (and
    # Snowball's "porter") lacks: LOGI -> LOG and BLI -> BLE (where ABLI -> ABLE was).
    if stemmed.endswith("logi") and _measure(stemmed[:-4]) > 0:
        return stemmed[:-1]
    if stemmed.endswith("bli") and _measure(stemmed[:-3]) > 0:
        stemmed = stemmed[:-1] + "e"
        if stemmed.endswith("ible") and _measure(stemmed[:-4]) > 1:  # step 4
            return stemmed[:-4]
        m = _measure(stemmed[:-1])  # step 5a
        if m > 1 or (m == 1 and not _cvc(stemmed[:-1])):
            stemmed = stemmed[:-1]
    return stemmed


def _consonant(word: str, i: int) -> bool:
    if word[i] in "aeiou":
        return False
    return word[i] != "y" or i == 0 or not _consonant(word, i - 1)


def _measure(word: str) -> int:
    """Porter's m: the number of vowel-consonant runs in `word`."""
    kinds = "".join("c" if _consonant(word, i) else "v" for i in range(len(word)))
    return len(re.findall(r"v+c+", kinds))


def _cvc(word: str) -> bool:
    return (
        len(word) >= 3
        and _consonant(word, len(word) - 1)
        and not _consonant(word, len(word) - 2)
        and _consonant(word, len(word) - 3)
        and word[-1] not in "wxy"
    )


def make_snippet(text: str, terms: Iterable[str], *, words: int = SNIPPET_WORDS) -> str:
    """About `words` words of `text` around the densest run of matched terms, whitespace
    collapsed, with "…" where text was cut. The start of the paragraph when nothing matches."""
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return _SPACE.sub(" ", text).strip()[:200]
    stems = {stem(fold(t)) for t in terms}
    # A Porter stem only changes a word's ending, so a word can only share a stem with a
    # term if it starts with all but the stem's last letter: stem just those words.
    prefixes = tuple({s[:-1] if len(s) > 1 else s for s in stems})
    hits: list[tuple[int, str]] = []  # (token index, stem)
    for i, token in enumerate(tokens):
        folded = token.group().lower()
        if not folded.isascii():
            folded = fold(folded)
        if folded.startswith(prefixes):
            s = stem(folded)
            if s in stems:
                hits.append((i, s))

    first = 0
    if hits:
        best = (-1, -1)
        for i, _ in hits:
            start = max(0, min(i - LEAD_WORDS, len(tokens) - words))
            inside = [s for j, s in hits if start <= j < start + words]
            score = (len(set(inside)), len(inside))
            if score > best:
                best, first = score, start
    last = min(len(tokens), first + words) - 1

    begin = tokens[first].start() if first > 0 else 0
    end = tokens[last].end() if last < len(tokens) - 1 else len(text)
    if last < len(tokens) - 1:
        # Keep punctuation that closes the last word ("said.", "2%", 'it."').
        while end < len(text) and not text[end].isspace() and not _TOKEN.match(text, end):
            end += 1
    snippet = _SPACE.sub(" ", text[begin:end]).strip()
    if first > 0:
        snippet = ELLIPSIS + snippet
    if last < len(tokens) - 1:
        snippet += ELLIPSIS
    return snippet
