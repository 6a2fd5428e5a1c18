"""Search terms: one definition of what is indexed and what is searched, for both stores.

Both stores index the *terms* of each paragraph computed here, in Python, so SQLite (FTS5) and
PostgreSQL (`tsvector`) find exactly the same paragraphs for the same query:

- A word is a run of letters and digits (Unicode categories L* and N*) and of the combining
  marks inside it (M*: Devanagari and Thai vowel signs stay in their word instead of cutting
  it, as FTS5's `unicode61` would). Everything else separates words.
- Words are folded: case folded, diacritics removed (é → e, ё → е, Arabic harakat dropped;
  Japanese voicing marks kept, as が is not か). ASCII words of three letters or more are
  stemmed with the Porter algorithm, exactly as FTS5's `porter` tokenizer stems them, so
  "runs" finds "running".
- Scripts written without spaces between words (Chinese, Japanese, Korean's Hangul, Thai, Lao,
  Khmer, Myanmar) cannot be cut into words without a dictionary: each run of their characters
  is indexed as its single characters and its overlapping character pairs (北京大学 → 北 京 大
  学 北京 京大 大学). A query of two or more such characters searches for its pairs (all must
  match), a query of one for the character. This is the "CJK bigram" indexing of Lucene and
  Elasticsearch; it needs no dictionary and finds any word of two characters or more.
- At most `MAX_TERM_CHARS` characters a term (longer runs are not words: they are dropped),
  and a paragraph's first `MAX_INDEX_TERMS` terms (or fewer, up to `MAX_INDEX_BYTES` of
  distinct terms) are indexed.

`SEARCH_VERSION` names this definition. A store records the version its index was built
with and rebuilds the index when it differs, so change it whenever `index_terms` changes what
it returns for any text (tests/storage/test_query.py pins its output).

User text is never handed to a query language. A query is its terms; each is written as a
quoted string (FTS5) or a quoted lexeme (tsquery), and terms hold only letters, digits and
marks, so operators (`AND`, `NEAR(`, `|`, `!`), column filters, prefix stars, quotes and
backslashes in the input are only separators. Queries are kept short so a pasted essay stays
cheap: terms are de-duplicated, English stop words are dropped when other words remain, and
at most `MAX_TERMS` are kept (first ones win).
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

__all__ = [
    "MAX_INDEX_BYTES",
    "MAX_INDEX_TERMS",
    "MAX_TERMS",
    "MAX_TERM_CHARS",
    "SEARCH_VERSION",
    "STOP_WORDS",
    "MatchQuery",
    "Token",
    "build_match",
    "fold",
    "index_terms",
    "query_terms",
    "search_form",
    "stem",
    "tokens",
]

SEARCH_VERSION = 1
MAX_TERMS = 8
MAX_TERM_CHARS = 100
MAX_INDEX_TERMS = 50_000
MAX_INDEX_BYTES = 512 * 1024  # of distinct terms (UTF-8): PostgreSQL's tsvector holds < 1 MiB


def _class_of(codes: list[int]) -> str:
    """A regex character class body for a sorted list of code points."""
    parts: list[str] = []
    start = prev = codes[0]
    for code in [*codes[1:], -2]:
        if code != prev + 1:
            parts.append(re.escape(chr(start)) if start == prev else f"{chr(start)}-{chr(prev)}")
            start = code
        prev = code
    return "".join(parts)


# Combining marks (M*) of the first two planes and the variation selectors supplement: about
# 20 ms at import, once.
_MARK_CODES = frozenset(
    code
    for code in [*range(0x20000), *range(0xE0100, 0xE01F0)]
    if unicodedata.category(chr(code)).startswith("M")
)
_MARKS = _class_of(sorted(_MARK_CODES))


def _words(text: str) -> Iterator[tuple[int, int]]:
    """The spans of the words of `text`: runs of letters, digits and combining marks.

    Python's `\\w` has no marks, and a character class of all of them is slow to match, so
    the marks present are first swapped for a letter (one character for one: the spans stay
    those of `text`)."""
    if not text.isascii():
        marks = {ord(c) for c in set(text) if ord(c) in _MARK_CODES}
        if marks:
            text = text.translate(dict.fromkeys(marks, "a"))
    for match in _WORD.finditer(text):
        yield match.span()


_WORD = re.compile(r"[^\W_]+")

# Scripts without spaces between words: Han (and its radicals, compatibility ideographs and
# the extension planes), Hiragana, Katakana, Hangul, Thai, Lao, Myanmar, Khmer.
_UNSPACED = (
    "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff\u1100-\u11ff"
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303c\u3040-\u30ff"
    "\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
# Inside a word: a run of unspaced-script characters (each with the marks that follow it),
# or a run of anything else.
_PIECE = re.compile(rf"((?:[{_UNSPACED}][{_MARKS}]*)+)|((?:(?![{_UNSPACED}]).)+)", re.S)
_HAS_UNSPACED = re.compile(rf"[{_UNSPACED}]")
_CLUSTER = re.compile(rf"[{_UNSPACED}][{_MARKS}]*|.", re.S)
_KEEP_MARKS = frozenset("\u3099\u309a")  # Japanese (han)dakuten: が is not か

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

_STEMMER = snowballstemmer.stemmer("porter")
# With PyStemmer installed, snowballstemmer hands back its C stemmer, whose own word cache keeps
# a GC-tracked list per word; the memo here does that job, so turn it off.
if hasattr(_STEMMER, "maxCacheSize"):
    _STEMMER.maxCacheSize = 0
_LOCK = threading.Lock()  # a Snowball stemmer keeps state while it works


@lru_cache(maxsize=65_536)
def fold(word: str) -> str:
    """A word as it is indexed before stemming: case folded, without diacritics."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFD", word)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) or c in _KEEP_MARKS)
    return unicodedata.normalize("NFC", kept).casefold()


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


@dataclass(frozen=True, slots=True)
class Token:
    """A searchable piece of text: a word, or one character of an unspaced script."""

    start: int
    end: int
    term: str  # the word's term; the character's own (folded) text for an unspaced script
    unspaced: bool
    word: str  # the folded word before stemming (for stop words); the character otherwise


def tokens(text: str) -> Iterator[Token]:
    """The words and unspaced-script characters of `text`, in order, with their spans."""
    for start, end in _words(text):
        raw = text[start:end]
        if raw.isascii():
            folded = raw.lower()
            if len(folded) <= MAX_TERM_CHARS:
                yield Token(start, end, stem(folded), False, folded)
            continue
        if len(raw) > 4 * MAX_TERM_CHARS and not _HAS_UNSPACED.search(raw):
            continue
        offset = start
        for piece in _PIECE.finditer(raw):
            if piece.group(1) is None:
                if len(piece.group()) > 4 * MAX_TERM_CHARS:
                    continue
                folded = fold(piece.group())
                if folded and len(folded) <= MAX_TERM_CHARS:
                    yield Token(
                        offset + piece.start(), offset + piece.end(), stem(folded), False, folded
                    )
                continue
            for cluster in _CLUSTER.finditer(piece.group()):
                folded = fold(cluster.group())
                if folded:
                    start = offset + piece.start() + cluster.start()
                    yield Token(start, start + len(cluster.group()), folded, True, folded)


def _terms(text: str, *, pairs_only: bool) -> Iterator[tuple[str, str]]:
    """(term, word) pairs of `text` in order. Unspaced runs give their characters (unless
    `pairs_only` and the run is longer than one) and their overlapping pairs."""
    run: list[str] = []
    run_end = -1

    def flush() -> Iterator[tuple[str, str]]:
        if len(run) == 1 or not pairs_only:
            for char in run:
                yield char, char
        for left, right in itertools.pairwise(run):
            yield left + right, left + right

    for token in tokens(text):
        if token.unspaced:
            if run and token.start != run_end:
                yield from flush()
                run.clear()
            run.append(token.term)
            run_end = token.end
            continue
        if run:
            yield from flush()
            run.clear()
        yield token.term, token.word
    if run:
        yield from flush()


@lru_cache(maxsize=131_072)
def _word_terms(word: str) -> tuple[str, ...]:
    """The index terms of one word (see `_words`), memoised, as words repeat."""
    if word.isascii():
        return (stem(word.lower()),) if len(word) <= MAX_TERM_CHARS else ()
    return tuple(term for term, _ in _terms(word, pairs_only=False))


def _terms_of(word: str) -> tuple[str, ...]:
    if len(word) <= 32:
        return _word_terms(word)
    # A long run of Chinese, say: not worth remembering.
    return tuple(term for term, _ in _terms(word, pairs_only=False))


def index_terms(text: str) -> list[str]:
    """The terms a paragraph is indexed under, in order (a term's count is its frequency)."""
    words = [text[start:end] for start, end in _words(text)]
    if len(text) <= MAX_INDEX_TERMS // 2:
        # Short enough that no limit can be reached (a character gives at most two terms
        # of at most three times its UTF-8 size): the fast way.
        return [term for word in words for term in _terms_of(word)]
    terms: list[str] = []
    distinct: set[str] = set()
    size = 0
    for word in words:
        for term in _terms_of(word):
            if term not in distinct:
                size += len(term.encode("utf-8"))
                if size > MAX_INDEX_BYTES:
                    return terms
                distinct.add(term)
            terms.append(term)
            if len(terms) == MAX_INDEX_TERMS:
                return terms
    return terms


def search_form(text: str) -> str:
    """The text an FTS5 index with the `ascii` tokenizer (space-separated, unchanged terms)
    is given for a paragraph: its terms, separated by spaces."""
    return " ".join(index_terms(text))


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """Two FTS5 MATCH expressions over the same terms: all of them, and any of them."""

    terms: tuple[str, ...]

    @property
    def all_terms(self) -> str:
        return " AND ".join(_quote(t) for t in self.terms)

    @property
    def any_term(self) -> str:
        return " OR ".join(_quote(t) for t in self.terms)


def _quote(term: str) -> str:
    # Terms hold letters, digits and marks only, but quote-doubling keeps this safe for any
    # string.
    return '"' + term.replace('"', '""') + '"'


def query_terms(text: str) -> tuple[str, ...]:
    """The search terms of `text`: its index terms (character pairs for a run of two or more
    unspaced-script characters), de-duplicated, stop words dropped when anything else
    remains, at most `MAX_TERMS`."""
    seen: dict[str, bool] = {}  # term -> is a stop word
    content = 0
    for term, word in _terms(text, pairs_only=True):
        if term in seen:
            continue
        stop = word in STOP_WORDS
        seen[term] = stop
        if not stop:
            content += 1
            if content == MAX_TERMS:
                break
    words = [t for t, stop in seen.items() if not stop]
    return tuple((words or list(seen))[:MAX_TERMS])


def build_match(text: str) -> MatchQuery | None:
    """A safe query for `text`, or None when it holds no word at all (only punctuation or
    emoji): such a query matches nothing."""
    terms = query_terms(text)
    return MatchQuery(terms) if terms else None
