"""The per-article index behind `find_passages`: a few flat arrays and strings, built once.

The bot keeps hundreds of parsed articles with their index in memory, so the index is shaped
for the garbage collector: a fixed handful of container objects per article, whatever its
length, instead of a set, a dict or a list per sentence and a tuple per posting.

- Terms (`lexicon.terms`: stemmed, stop words out) get ids in `vocab` (a dict of str → int,
  which the collector does not track). Postings are compressed-row arrays: the paragraphs
  holding term `t` are `p_doc[p_off[t]:p_off[t + 1]]` with their counts in `p_cnt`; the same
  for sentences (`s_*`), and for prefixes of terms (`tp_*`, `ts_*`, ids in `tvocab`; 6 letters,
  `Lexicon.prefix` of the language: 5 in Turkish), the looser match for forms the stemmer keeps
  apart ("religious"/"religions").
- Per sentence: its words as one string, " w1 w2 the w3 " (stems, stop words kept whole), so
  a question's word pairs and triples are substring tests; its number words and
  capitalised words as strings; first/money/date flags in a byte array.
- Per paragraph: its terms as one string " t1 t2 t3 " (adjacent pairs are substring tests,
  nearby pairs come from the positions of a few terms), its heading's terms.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from operator import sub

from .chars import WORD
from .cues import Cues, cues_for
from .language import language_of
from .lexicon import Lexicon, fold, lexicon
from .model import Article

__all__ = ["Index", "idf"]

FUZZY_MIN = 4  # shortest term that may be matched one edit away
# ... and the longest: a longer token is no word anyone misspells, and its one-delete variants
# cost the square of its length (a 3,000-letter token took seconds per question)
FUZZY_MAX = 24

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")  # lexicon's tokens
_NUM_TEXT = """
one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
ninety hundred hundreds thousand thousands million millions billion billions trillion
dozen dozens half quarter third twice double triple several
"""
NUM_WORDS = frozenset(_NUM_TEXT.split())
_DATE_TEXT = """
january february march april may june july august september october november december
century centuries decade decades bc ad bce ce
"""
_DATE_WORDS = frozenset(_DATE_TEXT.split())
_MONEY = re.compile(
    r"[$€£¥]\s?\d|\d\s?(?:dollars?|euros?|pounds?|yen|yuan|rupees?|francs?|marks?|usd|eur|gbp)\b"
    r"|\d\s?(?:million|billion|trillion|bn|m)\s(?:dollars?|euros?|pounds?)"
)
_REASON = re.compile(
    r"\b(?:because|due to|owing to|as a result|result of|in order to|so that|caused by|"
    r"reason|led to|leading to|since)\b"
)
_CALLED = re.compile(
    r"\b(?:called|known as|named|termed|referred to as|nicknamed|dubbed|term|name)\b|[\"“«]"
)
_YEAR = re.compile(r"^(?:1[0-9]{3}|20[0-9]{2})s?$")
CAP = re.compile(r"\b[A-Z][\w'’-]*")
_CURRENCY = re.compile(r"[$€£¥₹₽₺₩]\s?\d|\d\s?[$€£¥₹₽₺₩]")
_QUOTED = re.compile('["“”«»„「」『』《》]')
_CAPS = re.compile(f"{WORD}(?:['’-]{WORD})*")  # words, to find capitalised ones in any script

FIRST, MONEY, DATE, REASON, CALLED = 1, 2, 4, 8, 16  # sentence flags
# A term in a section's heading counts for its paragraphs (and their sentences) as an occurrence
# of this weight; in the article's title, for every paragraph, more weakly.
HEADING = 0.7
TITLE = 0.3
# ... and the title says what the whole article is about: its terms tell paragraphs apart less
# (for idf, a paragraph without the term counts as holding it this much)
TITLE_DF = 0.5


def idf(n: int, df: float) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _idfs(n: int, off: array[int]) -> array[float]:
    """idf of every row of a compressed-row posting table."""
    log = math.log
    return array("d", [log(1.0 + (n - d + 0.5) / (d + 0.5)) for d in map(sub, off[1:], off)])


Postings = tuple["array[int]", "array[int]"]  # offsets, paragraphs (sentences)


def _context_idf(
    idx: Index,
    para: Postings,
    sent: Postings,
    head: Postings,
    in_title: set[int],
    pidf: array[float],
    sidf: array[float],
) -> tuple[array[float], array[float]]:
    """idf of terms in headings or the title, over occurrences weighted as find_passages weighs
    them (BM25F-like): a paragraph (sentence) holding the term in its own text counts 1, one
    under a heading holding it HEADING, any other TITLE_DF when the title holds it."""
    (p_off, p_doc), (s_off, s_doc), (h_off, h_doc) = para, sent, head
    n, ns, psent = idx.n, idx.ns, idx.psent
    pidf, sidf = array("d", pidf), array("d", sidf)
    for tid in range(len(p_off) - 1):
        if h_off[tid] == h_off[tid + 1] and tid not in in_title:
            continue
        paras = set(p_doc[p_off[tid] : p_off[tid + 1]])
        sents = set(s_doc[s_off[tid] : s_off[tid + 1]])
        pdf, sdf = float(len(paras)), float(len(sents))
        for i in h_doc[h_off[tid] : h_off[tid + 1]]:
            if i not in paras:
                paras.add(i)
                pdf += HEADING
            for sid in range(psent[i], psent[i + 1]):
                if sid not in sents:
                    sents.add(sid)
                    sdf += HEADING
        if tid in in_title:
            pdf += TITLE_DF * (n - len(paras))
            sdf += TITLE_DF * (ns - len(sents))
        pidf[tid] = idf(n, pdf)
        sidf[tid] = idf(ns, sdf)
    return pidf, sidf


def _deletes(word: str) -> list[str]:
    return [word] + [word[:j] + word[j + 1 :] for j in range(len(word))]


def _csr(pairs: Counter[int], width: int, size: int) -> tuple[array[int], array[int], array[int]]:
    """Compressed rows from counts keyed `row * width + column`: offsets, columns, counts."""
    if not pairs:  # no headings, say
        return array("I", bytes(4 * (size + 1))), array("I"), array("I")
    keys = sorted(pairs)
    off = array("I", [bisect_left(keys, r * width) for r in range(size + 1)])
    return off, array("I", [k % width for k in keys]), array("I", map(pairs.__getitem__, keys))


class Index:
    """Everything about one article that questions need, computed once (see the module doc)."""

    __slots__ = (
        "avg",
        "caps",
        "context",
        "flags",
        "h_doc",
        "h_off",
        "lex",
        "maxidf",
        "n",
        "nearby",
        "norms",
        "ns",
        "numbers",
        "nums",
        "p_cnt",
        "p_doc",
        "p_off",
        "pidf",
        "places",
        "plen",
        "psent",
        "pterms",
        "s_cnt",
        "s_doc",
        "s_off",
        "savg",
        "sents",
        "sidf",
        "slen",
        "smaxidf",
        "sterms",
        "texts",
        "th_doc",
        "th_off",
        "title",
        "tp_cnt",
        "tp_doc",
        "tp_off",
        "tpidf",
        "trunc",
        "ts_cnt",
        "ts_doc",
        "ts_off",
        "tsidf",
        "ttitle",
        "tvocab",
        "vocab",
        "words",
    )

    def __init__(self, article: Article) -> None:
        paras = article.paragraphs
        self.n = n = len(paras)
        self.numbers = array("I", [p.number for p in paras])
        self.texts = [p.text for p in paras]
        vocab: dict[str, int] = {}
        sents: list[str] = []
        words_of: list[str] = []  # per sentence: " w1 the w2 "
        sterms: list[str] = []  # per sentence: "t1 t2"
        nums: list[str] = []
        caps: list[str] = []
        flags = bytearray()
        slen = array("I")
        plen = array("I")
        psent = array("I", [0])
        pterms: list[str] = []
        sent_ids: list[list[int]] = []
        para_ids: list[list[int]] = []
        self.lex = lex = lexicon(language_of(article))
        english = lex.lang == "en"
        low_of = _fold if english else lex.fold
        split, stems, stop = lex.split, lex.stems, lex.stop_words
        cues = cues_for(lex.lang)
        flags_of = _english_flags if cues is None else _flags_with(cues)
        # what a sentence's text alone gives (a text met again is read once): its words, its
        # terms (stems of the words that are not stop words), and its strings and flags below
        read: dict[str, tuple[list[str], list[str], str, str, str, int]] = {}
        for p in paras:
            p_words: list[str] = []
            p_ids: list[int] = []
            for j, text in enumerate(p.sentences or [p.text]):
                known = read.get(text)
                if known is None:
                    low = low_of(text)  # the cues below are matched on lower-case text
                    words = split(low)
                    st = stems(words)
                    known = read[text] = (
                        words,
                        [t for t, w in zip(st, words, strict=True) if w not in stop],
                        f" {' '.join(st)} ",
                        " ".join({w: 0 for w in words if w[0].isdigit() or w in NUM_WORDS}),
                        " ".join({w: 0 for w in _capitalised(text, lex)}),
                        flags_of(low, words),
                    )
                words, terms, spaced, numbers, capitals, offered = known
                ids = [vocab.setdefault(t, len(vocab)) for t in terms]
                p_words += words
                p_ids += ids
                sents.append(text)
                words_of.append(spaced)
                slen.append(len(ids))
                sent_ids.append(ids)
                nums.append(numbers)
                caps.append(capitals)
                flags.append((FIRST if j == 0 else 0) | offered)
            if not p.sentences or (len(p.sentences) == 1 and p.sentences[0] == p.text):
                whole = p_words  # (the paragraph is its one sentence: read above)
            else:
                whole = split(low_of(p.text))
            if whole != p_words:  # sentences left something out: the paragraph's own terms
                p_ids = [
                    vocab.setdefault(t, len(vocab))
                    for t, w in zip(stems(whole), whole, strict=True)
                    if w not in stop
                ]
            para_ids.append(p_ids)
            plen.append(len(p_ids))
            psent.append(len(sents))
        names = list(vocab)
        sterms = [" ".join([names[t] for t in ids]) for ids in sent_ids]
        pterms = [f" {' '.join([names[t] for t in ids])} " for ids in para_ids]
        # headings and the title: their terms count (weakly) for the paragraphs under them
        by_heading: dict[str, list[int]] = {}
        head_ids: list[list[int]] = []
        for p in paras:
            hids = by_heading.get(p.heading or "")
            if hids is None:
                hids = [vocab.setdefault(t, len(vocab)) for t in _head(p.heading, lex)]
                by_heading[p.heading or ""] = hids
            head_ids.append(hids)
        title = _head(article.title, lex)
        for t in title:
            vocab.setdefault(t, len(vocab))
        names = list(vocab)
        nv = len(names)
        self.ns = ns = len(sents)
        self.vocab = vocab
        self.sents = sents
        self.words = words_of
        self.sterms = sterms
        self.nums = nums
        self.caps = caps
        self.flags = bytes(flags)
        self.slen = slen
        self.plen = plen
        self.psent = psent
        self.pterms = pterms
        self.title = f" {' '.join(title)} " if title else ""
        self.context = bool(title or any(head_ids))
        self.p_off, self.p_doc, self.p_cnt = _csr(
            Counter(t * n + i for i, ids in enumerate(para_ids) for t in ids), n, nv
        )
        self.s_off, self.s_doc, self.s_cnt = _csr(
            Counter(t * ns + s for s, ids in enumerate(sent_ids) for t in ids), ns, nv
        )
        self.h_off, self.h_doc, _ = _csr(
            Counter(t * n + i for i, ids in enumerate(head_ids) for t in ids), n, nv
        )
        tvocab: dict[str, int] = {}
        trunc = self.trunc = lex.prefix
        trunc_of = array("I", [tvocab.setdefault(t[:trunc], len(tvocab)) for t in names])
        self.tvocab = tvocab
        nt = len(tvocab)
        self.tp_off, self.tp_doc, self.tp_cnt = _csr(
            Counter(trunc_of[t] * n + i for i, ids in enumerate(para_ids) for t in ids), n, nt
        )
        self.ts_off, self.ts_doc, self.ts_cnt = _csr(
            Counter(trunc_of[t] * ns + s for s, ids in enumerate(sent_ids) for t in ids), ns, nt
        )
        self.th_off, self.th_doc, _ = _csr(
            Counter(trunc_of[t] * n + i for i, ids in enumerate(head_ids) for t in ids), n, nt
        )
        self.ttitle = " ".join(dict.fromkeys(t[:trunc] for t in title)).join("  ") if title else ""
        self.avg = (sum(plen) / n if n else 0.0) or 1.0
        self.savg = (sum(slen) / ns if ns else 0.0) or 1.0
        p_off, s_off, tp_off, ts_off = self.p_off, self.s_off, self.tp_off, self.ts_off
        self.pidf = _idfs(n, p_off)
        self.sidf = _idfs(ns, s_off)
        self.tpidf = _idfs(n, tp_off)
        self.tsidf = _idfs(ns, ts_off)
        if self.context:
            self.pidf, self.sidf = _context_idf(
                self,
                (p_off, self.p_doc),
                (s_off, self.s_doc),
                (self.h_off, self.h_doc),
                {vocab[t] for t in title},
                self.pidf,
                self.sidf,
            )
            self.tpidf, self.tsidf = _context_idf(
                self,
                (tp_off, self.tp_doc),
                (ts_off, self.ts_doc),
                (self.th_off, self.th_doc),
                {tvocab[t[:trunc]] for t in title},
                self.tpidf,
                self.tsidf,
            )
        self.maxidf = idf(n, 0)
        self.smaxidf = idf(ns, 0)
        # `near`'s tables of one-delete variants: of the words, and of the numbers (built when
        # first asked for: most questions hold no number)
        self.nearby: dict[bool, dict[str, str]] = {}
        # BM25's length normalisers of paragraphs and sentences (find_passages fills them in)
        self.norms: tuple[array[float], array[float]] | None = None
        # per paragraph read by `term_places`: each term's positions in its terms
        self.places: dict[int, dict[str, bytes]] = {}

    def held(self, term: str) -> bool:
        """The article holds `term`: in a paragraph, a heading or the title."""
        tid = self.vocab.get(term)
        if tid is None:
            return False
        return (
            self.p_off[tid] < self.p_off[tid + 1]
            or self.h_off[tid] < self.h_off[tid + 1]
            or f" {term} " in self.title
        )

    def held_prefix(self, prefix: str) -> int | None:
        """The id of a term prefix the article holds (paragraph, heading or title), or None."""
        tid = self.tvocab.get(prefix)
        if tid is None:
            return None
        if (
            self.tp_off[tid] < self.tp_off[tid + 1]
            or self.th_off[tid] < self.th_off[tid + 1]
            or f" {prefix} " in self.ttitle
        ):
            return tid
        return None

    def df(self, term: int) -> int:
        """Paragraphs holding term id `term`."""
        return self.p_off[term + 1] - self.p_off[term]

    def near(self, term: str) -> list[str]:
        """Article terms one edit (insertion, deletion, substitution, swap) from `term`.

        Only terms of FUZZY_MIN to FUZZY_MAX letters take part, so the table of one-delete
        variants is linear in the article and a lookup is bounded. A number's variants are all
        digits, so the table of numbers is read only for a term with at most one other character.
        """
        if len(term) > FUZZY_MAX:
            return []
        tables = [self._variants(numbers=False)]
        if sum(not c.isdigit() for c in term) <= 1:
            tables.append(self._variants(numbers=True))
        found: dict[str, None] = {}
        for d in _deletes(term):
            for table in tables:
                hit = table.get(d)
                if hit is not None:
                    for t in hit.split(" "):
                        found[t] = None
        return list(found)

    def _variants(self, *, numbers: bool) -> dict[str, str]:
        """One-delete variant -> the terms (space-separated) that have it: of the article's
        numbers (terms of digits only), or of its other terms."""
        variants = self.nearby.get(numbers)
        if variants is None:
            table: dict[str, list[str]] = {}
            p_off = self.p_off
            for t, tid in self.vocab.items():
                if (
                    FUZZY_MIN <= len(t) <= FUZZY_MAX
                    and t.isdigit() == numbers
                    and p_off[tid + 1] > p_off[tid]
                ):
                    for d in _deletes(t):
                        hits = table.get(d)
                        if hits is None:
                            table[d] = [t]
                        else:
                            hits.append(t)
            # one string per variant: the collector tracks no list per entry
            variants = self.nearby[numbers] = {d: " ".join(hits) for d, hits in table.items()}
        return variants

    def positions(self, para: int, term: str) -> list[int]:
        """Term positions of `term` in paragraph `para`'s terms."""
        found = self.term_places(para).get(term)
        return [] if found is None else list(memoryview(found).cast("I"))

    def term_places(self, para: int) -> dict[str, bytes]:
        """Each term of paragraph `para` → its positions in the paragraph's terms, in order, as
        the bytes of an array of unsigned ints (`memoryview(...).cast("I")` reads them).

        Read once per paragraph when a question first needs it, and kept: a dict of bytes,
        which the garbage collector does not track.
        """
        places = self.places.get(para)
        if places is None:
            found: dict[str, list[int]] = {}
            for pos, term in enumerate(self.pterms[para].split()):
                at = found.get(term)
                if at is None:
                    found[term] = [pos]
                else:
                    at.append(pos)
            places = {term: array("I", at).tobytes() for term, at in found.items()}
            self.places[para] = places
        return places


def _fold(text: str) -> str:
    """`lexicon.fold`, and "%" read as the word it stands for ("25%" → "25 percent")."""
    text = fold(text)
    return text.replace("%", " percent ") if "%" in text else text


def _english_flags(low: str, words: list[str]) -> int:
    """The answer cues an English sentence offers (MONEY, REASON, CALLED, DATE)."""
    return (
        (MONEY if _MONEY.search(low) else 0)
        | (REASON if _REASON.search(low) else 0)
        | (CALLED if _CALLED.search(low) else 0)
        | (DATE if not _DATE_WORDS.isdisjoint(words) or any(map(_YEAR.match, words)) else 0)
    )


def _flags_with(cues: Cues) -> Callable[[str, list[str]], int]:
    """The answer cues a sentence of another language offers (see `cues.py`)."""

    def flags(low: str, words: list[str]) -> int:
        return (
            (MONEY if _CURRENCY.search(low) else 0)
            | (REASON if cues.offers_reason(low) else 0)
            | (CALLED if _QUOTED.search(low) else 0)
            | (DATE if cues.offers_date(low) else 0)
        )

    return flags


def _capitalised(text: str, lex: Lexicon) -> list[str]:
    """Tokens of the capitalised words of `text` (names, in scripts with capital letters)."""
    if lex.lang == "en":
        return [w for m in CAP.findall(text) for w in _TOKEN.findall(fold(m))]
    return [t for m in _CAPS.findall(text) if m[0].isupper() for t in lex.tokens(m)]


def _head(heading: str | None, lex: Lexicon) -> list[str]:
    """A heading's (or title's) distinct terms."""
    return list(dict.fromkeys(lex.terms(heading))) if heading else []
