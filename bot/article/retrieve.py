"""Question → the paragraphs that answer it, each with the sentence that best answers; [] when none.

How it works (pure Python, no model files):

1. An index (`retrieve_index.Index`) is built once per article and cached on it
   (`article._cache[__name__]`): postings of stemmed terms (`lexicon.terms`) per paragraph and
   per sentence, and of 6-letter prefixes (5 in Turkish, `Lexicon.prefix`: a second, looser
   match for forms the stemmer keeps apart: "religious"/"religions"), each sentence's words for
   phrase matching, and per sentence
   the cues an answer shows: numbers, dates, names. It is a fixed handful of flat arrays and
   strings per article (about 30 objects the garbage collector tracks, whatever the length).
2. The question becomes slots, one per content term. A term the article lacks may be another
   form of the same word ("paid" for "pay", at full weight), or stand for a term one edit away
   (a typo: "seige"/"siege") or an everyday synonym (`retrieve_words`), at a discount. Question
   words pick the expected answer type ("how many" → a number, "when" → a date, "who"/"where"/
   "which city" → a name not in the question, "how is it paid for" → an amount of money).
   Headings and the title are evidence too (BM25F-like): a term in a section's heading counts
   as an occurrence of weight `HEADING` in each of its paragraphs and their sentences, a term in
   the title as one of weight `TITLE` in every paragraph; document frequencies count them the
   same way, and the title's terms, which say what the whole article is about, count as held
   `TITLE_DF` by every paragraph, so they tell paragraphs apart less.
3. Every paragraph that shares a term gets cheap scores (BM25 over stems and over prefixes); the
   best `_POOL` of them get the full features: BM25 of the paragraph and of its best sentence,
   idf-weighted coverage (sentence, window of two sentences, paragraph), term pairs and
   stop-word phrases it repeats from the question, the question's names it holds, the
   answer-type cue, prefix matches, and the best score of a sentence model (a linear scorer over
   per-sentence features, trained to find the sentence that holds the answer among all the
   candidate sentences). A linear model over the paragraph features ranks paragraphs; the
   sentence model names each returned paragraph's best sentence. Weights were fitted offline on
   the SQuAD development split (listwise logistic loss; cross-validated by article: top-1 88.1%,
   top-3 95.8%, answer sentence 84.1%); only the weights ship.
4. Abstention: a logistic model over every feature of the best paragraph and question-level
   evidence (how many of the question's own specific terms and names the article has at all --
   stand-ins do not count here, other forms of the word do --, how topical they are, and how
   many of its word pairs and triples some sentence holds, in every language alike) decides
   whether the article covers the question; below the threshold the answer is `[]`. The
   operating point is chosen by cross-validation (`benchmarks/_qa_train.py`): the threshold
   answers 99.4% of the development questions asked of their own article, the most it can
   while 94% of the next article's questions are still abstained on (cross-validated: 94.5%
   abstained at 99.4% answered; top-1/top-3 through `find_passages` 87.7% / 95.3%).

`rank_passages` is the same ranking without abstention.
"""

from __future__ import annotations

import itertools
import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

from . import weights
from .chars import WORD
from .cues import cues_for
from .language import detect_language
from .lexicon import Lexicon, lexicon, stem
from .linear import aligned, dot
from .model import Article, Passage
from .retrieve_index import (
    CALLED,
    CAP,
    DATE,
    FIRST,
    FUZZY_MIN,
    HEADING,
    MONEY,
    REASON,
    TITLE,
    Index,
)
from .retrieve_words import COMMON_STEMS, FORM_STEMS, SYNONYM_STEMS

__all__ = ["find_passages", "rank_passages"]

_KEY = __name__
_K1, _B = 1.2, 0.75  # paragraph BM25
_SK1, _SB = 1.2, 0.5  # sentence BM25
_ALT = 0.7  # weight of a stand-in term (edit or synonym) relative to the question's own term
_POOL = 15  # paragraphs that get the full features
_MAX_QUESTION = 2000  # characters of a question that are read

_MONEY_Q = re.compile(
    r"\b(?:money|cost|costs|price|paid|pay|pays|invest|invested|investment|spend|spent|worth|"
    r"fund|funding|budget|revenue|salary|earn|earned|raise|raised|sold|sell|charge|fee|fine)\b"
)
_NUM_Q = re.compile(
    r"\b(?:how (?:many|much|long|far|old|large|big|tall|high|often|fast|deep|wide|heavy)|"
    r"what (?:percentage|percent|proportion|number|amount|fraction|share|size))\b"
)
_FUND_Q = re.compile(
    r"\bhow (?:is|was|are|were|will|would|does|do|did|can|could) (?:\w+ ){1,6}?"
    r"(?:paid|funded|financed|afforded|pay|fund|finance|afford)\b"
    r"|\bwho (?:pays|paid|will pay|funds|funded|finances|financed)\b"
)
_CALLED_Q = re.compile(
    r"\b(?:called|known as|named|termed|referred to as|what (?:term|name|word|title|nickname))\b"
)
_WHY_Q = re.compile(r"\b(?:why|what (?:caused|causes|led|leads|was the reason|is the reason))\b")
_DATE_Q = re.compile(
    r"\b(?:when|(?:what|which) (?:year|years|century|date|decade|month|day|era|time period))\b"
)
_NAME_Q = re.compile(
    r"\b(?:who|whom|whose|where|(?:what|which) (?:city|country|state|nation|river|mountain|"
    r"company|organization|organisation|group|team|university|school|church|person|man|woman|"
    r"king|queen|emperor|president|language|region|island|ocean|sea|lake|province|county|town|"
    r"party|book|ship|empire|dynasty|army|battle|war|treaty|family|tribe|ruler|leader|religion|"
    r"newspaper|agency|institution|brand|author|writer|scientist|general|pope))\b"
)
_WORDS = re.compile(f"{WORD}(?:['’-]{WORD})*")
_HEAD = re.compile(r"^(?:in |on |at |from |by |for |to |of |with )?(?:what|which) (\w+)")
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
_CARDINALS = "one two three four five six seven eight nine ten eleven twelve"


def _number_forms() -> dict[str, frozenset[str]]:
    """ "4th" ↔ "fourth", "4" ↔ "four" (as stems): stand-ins for each other."""
    forms: dict[str, frozenset[str]] = {}
    for n, word in enumerate(_ORDINALS.split(), start=1):
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n, "th")
        digits = f"{n}{suffix}"
        forms[digits] = frozenset({stem(word)})
        forms[stem(word)] = frozenset({digits})
    for n, word in enumerate(_CARDINALS.split(), start=1):
        forms[str(n)] = frozenset({stem(word)})
        forms[stem(word)] = frozenset({str(n)})
    return forms


_NUMBER_FORMS = _number_forms()


def _index(article: Article) -> Index:
    idx = article._cache.get(_KEY)
    if not isinstance(idx, Index):
        idx = Index(article)
        article._cache[_KEY] = idx
    return idx


def _span(seq: Sequence[str], matched: frozenset[str]) -> float:
    """Distinct matched terms of `seq` / the length of the shortest run holding them all."""
    first = next((j for j, t in enumerate(seq) if t in matched), -1)
    if first < 0:
        return 0.0
    last = next(j for j in range(len(seq) - 1, first - 1, -1) if seq[j] in matched)
    return len(matched.intersection(seq)) / (last - first + 1)


class _Query:
    """A question, analysed against one article's index (in the article's language)."""

    def __init__(self, idx: Index, question: str) -> None:
        question = question[:_MAX_QUESTION]
        lex = idx.lex
        english = lex.lang == "en"
        forms_of = FORM_STEMS if english else _NONE
        synonyms = SYNONYM_STEMS if english else _NONE
        number_forms = _NUMBER_FORMS if english else _NONE
        common = COMMON_STEMS if english else frozenset()
        stop = lex.stop_words
        read = lex.question(question)  # without its interrogatives where words run together
        words = lex.tokens(read)
        own = list(dict.fromkeys(lex.terms_of(words)))
        vocab, pidf, held = idx.vocab, idx.pidf, idx.held
        # one slot per question term: (term, weight) alternatives that the article holds
        self.slots: list[list[tuple[str, float]]] = []
        self.held: list[str] = []  # question terms the article holds (or another form of)
        self.typos = 0
        loose: list[str] = []  # what the 6-letter prefix match reads for each term
        for t in own:
            loose.append(t)
            if held(t):
                self.slots.append([(t, 1.0)])
                self.held.append(t)
                continue
            if not english and len(t) < FUZZY_MIN:  # no other forms, stand-ins or typos
                self.slots.append([])
                continue
            forms = sorted(a for a in forms_of.get(t, ()) if held(a))
            if forms:  # the same word ("paid" for "pay"): as good as the term itself
                self.slots.append([(a, 1.0) for a in forms])
                self.held.append(t)
                loose[-1] = forms[0]
                continue
            alts = [a for a in number_forms.get(t, ()) if held(a)]
            alts += [a for a in synonyms.get(t, ()) if held(a)]
            if len(t) >= FUZZY_MIN:
                near = idx.near(t)
                alts += near
                if near and len(t) > FUZZY_MIN and t not in common:
                    self.typos += 1  # a specific word one edit from the article's: a typo?
            # most specific first (the slot's representative), then by name: stable across runs
            ranked = sorted(set(alts), key=lambda a: (-pidf[vocab[a]], a))
            self.slots.append([(a, _ALT) for a in ranked])
        self.own = own
        self.stop = stop
        self.rare = [t for t in own if t not in common]
        self.words = frozenset(words)
        text = " ".join(words)
        self.want_num = self.want_money = self.want_fund = self.want_why = False
        self.want_called = self.want_date = self.want_name = False
        self._wants(question, lex.lang, text)
        if not self.wants_anything():  # asked in another language than the article's?
            asked = detect_language(question)
            if asked and asked != lex.lang:
                self._wants(question, asked, " ".join(lexicon(asked).tokens(question)))
        first = [alts[0][0] if alts else t for t, alts in zip(own, self.slots, strict=True)]
        # the question's phrases, as " a b " (" a b c ") strings, and each one's words
        self.phrases: dict[str, tuple[str, ...]] = {}
        self.big = self._phrases(list(itertools.pairwise(first)))
        st = lex.stems(words)
        self.big_all = self._phrases(
            [(a, b) for a, b in itertools.pairwise(st) if not (a in stop and b in stop)]
        )
        self.tri_all = self._phrases(
            [
                (a, b, c)
                for a, b, c in zip(st, st[1:], st[2:], strict=False)
                if (a in stop) + (b in stop) + (c in stop) < 2
            ]
        )
        self.big_terms = [
            f" {a} {b} " for a, b in itertools.pairwise(st) if a not in stop and b not in stop
        ]
        # phrases of `big_all` and `tri_all` that a sentence of the ranked paragraphs holds
        # (`_Features._phrases`): held by the article without a search of its own
        self.seen: set[str] = set()
        names = _names(question, lex)
        self.ents = [t for t in own if t in names]
        self.trunc = list(dict.fromkeys(t[: idx.trunc] for t in loose))
        head = ""
        if english:
            lead = _HEAD.match(" ".join(words[:3]))
            head = lex.stem(lead.group(1)) if lead else ""
        self.head = head if head in own else ""

    def _phrases(self, grams: Sequence[tuple[str, ...]]) -> list[str]:
        out = [f" {' '.join(gram)} " for gram in grams]
        self.phrases.update(zip(out, grams, strict=True))
        return out

    def _wants(self, question: str, lang: str | None, text: str) -> None:
        """What the question asks for, read with the question words of `lang`."""
        cues = cues_for(lang)
        if cues is not None:
            self.want_num, self.want_date, self.want_name, self.want_why = cues.asks(question)
            return
        self.want_num = bool(_NUM_Q.search(text))
        self.want_money = self.want_num and bool(_MONEY_Q.search(text))
        # "how is it paid for", "how was the war funded": money answers, not a count
        self.want_fund = not self.want_num and bool(_FUND_Q.search(text))
        self.want_why = bool(_WHY_Q.search(text))
        self.want_called = bool(_CALLED_Q.search(text))
        self.want_date = bool(_DATE_Q.search(text))
        self.want_name = bool(_NAME_Q.search(text))

    def wants_anything(self) -> bool:
        return (
            self.want_num
            or self.want_date
            or self.want_name
            or self.want_why
            or self.want_fund
            or self.want_called
        )


_NONE: dict[str, frozenset[str]] = {}


def _names(question: str, lex: Lexicon) -> set[str]:
    """Terms of the question's names, in scripts with capitals: its capitalised words after the
    first, and acronyms anywhere ("IPCC başkanı kimdir?")."""
    ents: set[str] = set()
    finder = CAP.finditer if lex.lang == "en" else _WORDS.finditer
    for m in finder(question):
        word = m.group()
        if (m.start() > 0 and word[0].isupper()) or (len(word) > 1 and word.isupper()):
            ents.update(lex.terms(word))
    return ents


# Paragraph features (the order of _RANK_W) and sentence features (the order of _SENT_W).
PARA_FEATURES = (
    "bm25",  # paragraph BM25 / best paragraph's
    "sent_bm25",  # its best sentence's BM25 / best sentence's in the article
    "sent_cov",  # idf share of the question held by its best sentence
    "win_cov",  # ... by its best two adjacent sentences
    "pair",  # share of adjacent question-term pairs found adjacent in the paragraph
    "type_sent",  # best sentence BM25 (relative) among sentences with the expected answer type
    "type_para",  # the paragraph holds the expected answer type
    "count",  # share of question terms in the paragraph
    "sent_count",  # ... in its best sentence
    "near_pairs",  # share of question-term pairs within 3 terms of each other
    "bm25_abs",  # paragraph BM25 / the question's total idf
    "phrase",  # share of the question's word bigrams (stop words kept) in its best sentence
    "ents",  # idf share of the question's names that the paragraph holds
    "bm25_sidf",  # paragraph BM25 with sentence-level idf / best paragraph's
    "phrase3",  # share of the question's word trigrams in its best sentence
    "phrase_para",  # share of the question's word bigrams anywhere in the paragraph
    "length",  # log(1 + paragraph length / mean length)
    "prefix_bm25",  # BM25 over 6-letter prefixes / best paragraph's
    "prefix_sent",  # best sentence's prefix BM25 / best in the article
    "prefix_cov",  # idf share of the question's prefixes in the paragraph
    "cov",  # idf share of the question's terms in the paragraph
    "bm25_nohead",  # paragraph BM25 without the wh-word's head noun ("what *river*") / best
    "pair_bm25",  # best two adjacent sentences' BM25 / best in the article
    "span",  # matched terms of the best sentence / the span (in terms) they cover
    "sent_model",  # the sentence model's best score in the paragraph
    "bm25_rare",  # paragraph BM25 over the question's terms outside everyday words / best
    "numbers",  # share of the question's numbers (years, amounts) in the paragraph
    "rare_cov",  # idf share of the question's terms outside everyday words in the paragraph
    "prev_cov",  # the previous paragraph's "cov" (a question may name what it introduced)
    "next_cov",  # the next paragraph's "cov"
    "lead",  # the article's first paragraph
    "position",  # paragraph index / paragraphs
)
SENT_FEATURES = (
    "bm25",  # sentence BM25 / best in the article
    "cov",  # idf share of the question
    "count",  # share of question terms
    "phrase",  # share of word bigrams
    "phrase3",  # share of word trigrams
    "type",  # holds the expected answer type
    "prefix_bm25",  # prefix BM25 / best in the article
    "first",  # first sentence of its paragraph
    "length",  # log(1 + terms)
    "last",  # last sentence of its paragraph (not its only one)
    "ents",  # idf share of the question's names
    "prev_cov",  # the previous sentence's "cov"
    "next_cov",  # the next sentence's "cov"
    "para_bm25",  # its paragraph's BM25 / best paragraph's
    "rare_bm25",  # BM25 over the question's terms outside everyday words / best sentence's
)
_PREV = SENT_FEATURES.index("prev_cov")
_NEXT = SENT_FEATURES.index("next_cov")
# abstention reads every feature of the best paragraph, then evidence about the question
ABSTAIN_ROW = PARA_FEATURES
ABSTAIN_FEATURES = (
    *ABSTAIN_ROW,
    "in_article",  # share of the question's terms found anywhere in the article
    "in_article_idf",  # ... weighted by idf (a term the article lacks weighs the most)
    "in_article_prefix",  # share held at least as a 6-letter prefix (another inflection)
    "missing_max",  # the largest idf share of one term the article lacks (one specific miss)
    "numbers_missing",  # share of the question's numbers (years, amounts) the article lacks
    "names_gone",  # the article has none of the question's names: 1 - in_article_idf (else 0)
    "paragraphs",  # log(paragraphs) / log(100): short articles share fewer terms by chance
    "rare_in_article",  # ... of its terms outside everyday vocabulary
    "rare_missing",  # how many such terms the article lacks (0..4)/4
    "rare_typo",  # share of those it lacks but holds one edit away
    "names_missing",  # share of the question's names the article lacks
    "has_names",
    "topical_max",  # largest share of paragraphs holding one of the question's terms
    "topical_mean",
    "length",  # question terms (0..10)/10
    "pairs_in_article",  # share of the question's adjacent term pairs found adjacent in a sentence
    "triples_in_article",  # ... of its word triples (`_Query.big_terms`, `tri_all`)
)


Row = tuple[int, list[float], list[tuple[int, list[float]]]]


class _Matches:
    """What phase 1 (`_match_terms`) and phase 2 (`_match_prefixes`) find: per paragraph and per
    sentence, sums over the question's slots, and the totals the features are shares of."""

    __slots__ = (
        "bm",
        "bms",
        "cnt",
        "cov",
        "firsts_in",
        "head_bm",
        "rare_bm",
        "rare_cov",
        "rare_sbm",
        "rare_total",
        "sbm",
        "scnt",
        "scov",
        "stotal",
        "tbm",
        "tcov",
        "total",
        "tsbm",
        "ttotal",
    )

    def __init__(self) -> None:
        self.bm: dict[int, float] = {}  # paragraph BM25
        self.head_bm: dict[int, float] = {}  # ... of the wh-word's head noun alone
        self.rare_bm: dict[int, float] = {}  # ... over the question's terms outside everyday words
        self.rare_sbm: dict[int, float] = {}  # sentence BM25 over those
        self.rare_cov: dict[int, float] = {}
        self.bms: dict[int, float] = {}  # paragraph BM25 with sentence-level idf
        self.cov: dict[int, float] = {}  # idf of the question's terms held
        self.cnt: dict[int, float] = {}  # question terms held
        self.sbm: dict[int, float] = {}  # sentence BM25
        self.scov: dict[int, float] = {}
        self.scnt: dict[int, float] = {}
        self.firsts_in: dict[int, int] = {}  # slots whose representative term the paragraph holds
        self.tbm: dict[int, float] = {}  # paragraph BM25 over 6-letter prefixes
        self.tcov: dict[int, float] = {}
        self.tsbm: dict[int, float] = {}  # sentence BM25 over prefixes
        self.total = self.stotal = self.rare_total = self.ttotal = 0.0


def _analyse(idx: Index, q: _Query) -> list[Row]:
    """For each paragraph sharing a term: (index, paragraph features, [(sentence id, features)]).

    Phases: match the question's terms (`_match_terms`) and their prefixes (`_match_prefixes`)
    against the index; keep the paragraphs a cheap score ranks best (`_pool`); then compute
    each kept paragraph's sentence features and its own (`_Features.paragraph`).
    """
    if not q.slots or not idx.n:
        return []
    m = _Matches()
    _match_terms(idx, q, m)
    _match_prefixes(idx, q, m)
    if not m.tbm and not m.bm:
        return []
    pool = sorted(_pool(m))
    features = _Features(idx, q, m, pool)
    return [features.paragraph(i) for i in pool]


def _norms(idx: Index) -> tuple[array[float], array[float]]:
    """BM25's length normalisers of the article's paragraphs and sentences, `k1 * (1 - b + b *
    length / mean length)` (computed once per article; the same floats as computed in place)."""
    if idx.norms is None:
        plen, slen, avg, savg = idx.plen, idx.slen, idx.avg, idx.savg
        idx.norms = (
            array("d", [_K1 * (1 - _B + _B * plen[i] / avg) for i in range(len(plen))]),
            array("d", [_SK1 * (1 - _SB + _SB * slen[s] / savg) for s in range(len(slen))]),
        )
    return idx.norms


def _match_terms(idx: Index, q: _Query, m: _Matches) -> None:
    """Phase 1: BM25, coverage and counts per paragraph and sentence over the question's slots.

    A slot's alternatives (the term, or its stand-ins) each match; per paragraph (sentence) the
    slot counts once, through its strongest alternative there.
    """
    vocab, pidf, sidf = idx.vocab, idx.pidf, idx.sidf
    p_off, p_doc, p_cnt = idx.p_off, idx.p_doc, idx.p_cnt
    s_off, s_doc, s_cnt = idx.s_off, idx.s_doc, idx.s_cnt
    pnorm, snorm = _norms(idx)
    k1, sk1 = _K1 + 1, _SK1 + 1
    bm, head_bm, rare_bm, rare_sbm, rare_cov = m.bm, m.head_bm, m.rare_bm, m.rare_sbm, m.rare_cov
    bms, cov, cnt, sbm, scov, scnt = m.bms, m.cov, m.cnt, m.sbm, m.scov, m.scnt
    firsts_in = m.firsts_in
    # When every term of the question is rare (as in languages without a list of everyday
    # words), the sums over rare terms are the sums over all terms: added up once, below.
    every = len(q.rare) == len(q.own)
    rare = frozenset() if every else frozenset(q.rare)
    context = idx.context
    total = stotal = rare_total = 0.0
    for own_term, alts in zip(q.own, q.slots, strict=True):
        if not alts:
            total += idx.maxidf
            if own_term in rare:
                rare_total += idx.maxidf
            stotal += idx.smaxidf
            continue
        if len(alts) == 1:  # (the max of one)
            a, f = vocab[alts[0][0]], alts[0][1]
            ids = [(a, f)]
            best_w, best_sw = pidf[a] * f, sidf[a] * f
        else:
            ids = [(vocab[a], f) for a, f in alts]
            best_w = max(pidf[a] * f for a, f in ids)
            best_sw = max(sidf[a] * f for a, f in ids)
        total += max(best_w, 1e-9)
        if own_term in rare:
            rare_total += max(best_w, 1e-9)
        stotal += max(best_sw, 1e-9)
        is_head = bool(q.head) and alts[0][0] == q.head
        is_rare = own_term in rare
        if len(alts) == 1 and not (context and _in_context(idx, alts[0][0])):
            # One alternative, in the paragraphs' own text only: each paragraph (sentence) is
            # met once, and adds to the sums what the general case below would add.
            name, f = alts[0]
            a = vocab[name]
            w = pidf[a] * f
            sw = sidf[a] * f
            o, e = p_off[a], p_off[a + 1]
            for i, times in zip(p_doc[o:e], p_cnt[o:e], strict=True):
                sat = times * k1 / (times + pnorm[i])
                v = w * sat
                bm[i] = bm.get(i, 0.0) + v
                if is_rare:
                    rare_bm[i] = rare_bm.get(i, 0.0) + v
                    rare_cov[i] = rare_cov.get(i, 0.0) + w
                if is_head:
                    head_bm[i] = v
                bms[i] = bms.get(i, 0.0) + sw * sat
                cov[i] = cov.get(i, 0.0) + w
                cnt[i] = cnt.get(i, 0.0) + f
                firsts_in[i] = firsts_in.get(i, 0) + 1
            o, e = s_off[a], s_off[a + 1]
            for sid, times in zip(s_doc[o:e], s_cnt[o:e], strict=True):
                v = sw * times * sk1 / (times + snorm[sid])
                sbm[sid] = sbm.get(sid, 0.0) + v
                if is_rare:
                    rare_sbm[sid] = rare_sbm.get(sid, 0.0) + v
                scov[sid] = scov.get(sid, 0.0) + sw
                scnt[sid] = scnt.get(sid, 0.0) + f
            continue
        # per paragraph (sentence) the slot's strongest alternative there: (BM25, BM25 with
        # sentence idf, coverage, count) ((BM25, coverage, count) per sentence)
        pslot: dict[int, tuple[float, float, float, float]] = {}
        sslot: dict[int, tuple[float, float, float]] = {}
        for name, f in alts:
            a = vocab[name]
            w = pidf[a] * f
            sw = sidf[a] * f
            o, e = p_off[a], p_off[a + 1]
            ptf: Iterable[tuple[int, float]] = zip(p_doc[o:e], p_cnt[o:e], strict=True)
            o, e = s_off[a], s_off[a + 1]
            stf: Iterable[tuple[int, float]] = zip(s_doc[o:e], s_cnt[o:e], strict=True)
            pm = sm = None
            if context:
                heads = idx.h_doc[idx.h_off[a] : idx.h_off[a + 1]]
                in_title = bool(idx.title) and f" {name} " in idx.title
                ptf, pm, stf, sm = _with_context(idx, heads, in_title, ptf, stf)
            for i, c in ptf:
                sat = c * k1 / (c + pnorm[i])
                old = pslot.get(i)
                if old is None or w * sat > old[0]:
                    mi = 1.0 if pm is None else pm[i]
                    pslot[i] = (w * sat, sw * sat, w * mi, f * mi)
            for sid, c in stf:
                v = sw * c * sk1 / (c + snorm[sid])
                olds = sslot.get(sid)
                if olds is None or v > olds[0]:
                    ms = 1.0 if sm is None else sm[sid]
                    sslot[sid] = (v, sw * ms, f * ms)
        first = ids[0][0]
        for i in p_doc[p_off[first] : p_off[first + 1]]:
            firsts_in[i] = firsts_in.get(i, 0) + 1
        for i, (v, vs, w, f) in pslot.items():
            bm[i] = bm.get(i, 0.0) + v
            if is_rare:
                rare_bm[i] = rare_bm.get(i, 0.0) + v
                rare_cov[i] = rare_cov.get(i, 0.0) + w
            if is_head:
                head_bm[i] = v
            bms[i] = bms.get(i, 0.0) + vs
            cov[i] = cov.get(i, 0.0) + w
            cnt[i] = cnt.get(i, 0.0) + f
        for sid, (v, sw, f) in sslot.items():
            sbm[sid] = sbm.get(sid, 0.0) + v
            if is_rare:
                rare_sbm[sid] = rare_sbm.get(sid, 0.0) + v
            scov[sid] = scov.get(sid, 0.0) + sw
            scnt[sid] = scnt.get(sid, 0.0) + f
    m.total, m.stotal, m.rare_total = total, stotal, rare_total
    if every:
        m.rare_bm, m.rare_cov, m.rare_sbm, m.rare_total = bm, cov, sbm, total


def _match_prefixes(idx: Index, q: _Query, m: _Matches) -> None:
    """Phase 2: BM25 and coverage over the 6-letter prefixes of the question's terms."""
    pnorm, snorm = _norms(idx)
    k1, sk1 = _K1 + 1, _SK1 + 1
    tbm, tcov, tsbm = m.tbm, m.tcov, m.tsbm
    tp_off, tp_doc, tp_cnt = idx.tp_off, idx.tp_doc, idx.tp_cnt
    ts_off, ts_doc, ts_cnt = idx.ts_off, idx.ts_doc, idx.ts_cnt
    ttotal = 0.0
    for t in q.trunc:
        tid = idx.held_prefix(t)
        if tid is None:
            ttotal += idx.maxidf
            continue
        tw = idx.tpidf[tid]
        ttotal += tw
        o, e = tp_off[tid], tp_off[tid + 1]
        tptf: Iterable[tuple[int, float]] = zip(tp_doc[o:e], tp_cnt[o:e], strict=True)
        o, e = ts_off[tid], ts_off[tid + 1]
        tstf: Iterable[tuple[int, float]] = zip(ts_doc[o:e], ts_cnt[o:e], strict=True)
        pm = None
        if idx.context:
            heads = idx.th_doc[idx.th_off[tid] : idx.th_off[tid + 1]]
            tptf, pm, tstf, _ = _with_context(idx, heads, f" {t} " in idx.ttitle, tptf, tstf)
        for i, c in tptf:
            tbm[i] = tbm.get(i, 0.0) + tw * c * k1 / (c + pnorm[i])
            tcov[i] = tcov.get(i, 0.0) + tw * (1.0 if pm is None else pm[i])
        sw = idx.tsidf[tid]
        for sid, c in tstf:
            tsbm[sid] = tsbm.get(sid, 0.0) + sw * c * sk1 / (c + snorm[sid])
    m.ttotal = ttotal


def _pool(m: _Matches) -> set[int]:
    """Phase 3: the paragraphs that get the full features, the best `_POOL` by a cheap score."""
    pool = set(m.bm) | set(m.tbm)
    if len(pool) > _POOL:
        maxbm = max(m.bm.values(), default=0.0) or 1.0
        maxtbm = max(m.tbm.values(), default=0.0) or 1.0
        cheap = {i: m.bm.get(i, 0.0) / maxbm + m.tbm.get(i, 0.0) / maxtbm for i in pool}
        pool = set(sorted(pool, key=lambda i: (-cheap[i], i))[:_POOL])
    return pool


class _Features:
    """Phase 4: the features of a kept paragraph and of its sentences (PARA_FEATURES and
    SENT_FEATURES, in order), from the matches and what the question asks for."""

    def __init__(self, idx: Index, q: _Query, m: _Matches, pool: Sequence[int]) -> None:
        self.idx, self.q, self.m = idx, q, m
        self.maxbm = max(m.bm.values(), default=0.0) or 1.0
        self.maxbms = max(m.bms.values(), default=0.0) or 1.0
        self.maxsbm = max(m.sbm.values(), default=0.0) or 1.0
        self.maxtbm = max(m.tbm.values(), default=0.0) or 1.0
        self.maxtsbm = max(m.tsbm.values(), default=0.0) or 1.0
        self.total = m.total or 1.0
        self.stotal = m.stotal or 1.0
        self.ttotal = m.ttotal or 1.0
        self.rare_total = m.rare_total or 1.0
        self.firsts = [alts[0][0] for alts in q.slots if alts]
        self.npairs = len(self.firsts) * (len(self.firsts) - 1) / 2
        self.first_times = Counter(self.firsts)
        self.wants = q.wants_anything() or q.want_money  # (else no sentence is of the type)
        self.matched = frozenset(a for alts in q.slots for a, _ in alts)
        self._names()
        self._numbers()
        self._phrases(pool)

    def _phrases(self, pool: Sequence[int]) -> None:
        """Where the question's phrases are: per sentence of the pool, the entries of `big_all`
        (with repeats) and how many of `tri_all` its words hold; per paragraph of the pool, how
        many of `big` its terms hold."""
        idx, q, psent = self.idx, self.q, self.idx.psent
        sids = {sid for i in pool for sid in range(psent[i], psent[i + 1])}
        in_sents = _Phrases(idx, (idx.s_off, idx.s_doc), idx.words, sids, q.stop)
        self.big_in: dict[int, list[str]] = {}
        places = in_sents.places(q.big_all, q.phrases)
        q.seen.update(gram for gram, where in places.items() if where)
        for gram in q.big_all:  # (a phrase the question repeats counts each time)
            for sid in places[gram]:
                self.big_in.setdefault(sid, []).append(gram)
        self.tri_in: dict[int, int] = {}
        places = in_sents.places(q.tri_all, q.phrases)
        q.seen.update(gram for gram, where in places.items() if where)
        for gram in q.tri_all:
            for sid in places[gram]:
                self.tri_in[sid] = self.tri_in.get(sid, 0) + 1
        self.pair_in: dict[int, int] = {}
        # (a paragraph's terms hold no stop word: every word of `big` is in the table)
        in_paras = _Phrases(idx, (idx.p_off, idx.p_doc), idx.pterms, set(pool), frozenset())
        places = in_paras.places(q.big, q.phrases)
        for gram in q.big:
            for i in places[gram]:
                self.pair_in[i] = self.pair_in.get(i, 0) + 1

    def _names(self) -> None:
        """The question's names (as matched), their idf per paragraph and per sentence."""
        idx, q = self.idx, self.q
        vocab, pidf = idx.vocab, idx.pidf
        p_off, p_doc, s_off, s_doc = idx.p_off, idx.p_doc, idx.s_off, idx.s_doc
        ents = [alts[0][0] for t, alts in zip(q.own, q.slots, strict=True) if alts and t in q.ents]
        self.etotal = sum(pidf[vocab[t]] for t in ents) + idx.maxidf * (len(q.ents) - len(ents))
        ent_p: dict[int, float] = {}
        ent_s: dict[int, float] = {}
        for t in ents:
            a = vocab[t]
            for i in p_doc[p_off[a] : p_off[a + 1]]:
                ent_p[i] = ent_p.get(i, 0.0) + pidf[a]
            for sid in s_doc[s_off[a] : s_off[a + 1]]:
                ent_s[sid] = ent_s.get(sid, 0.0) + pidf[a]
        self.ent_p, self.ent_s = ent_p, ent_s

    def _numbers(self) -> None:
        """The question's numbers, and how many of them each paragraph holds."""
        idx = self.idx
        self.qnums = [t for t in self.q.own if t[0].isdigit()]
        num_p: dict[int, int] = {}
        for t in self.qnums:
            a = idx.vocab.get(t, -1)
            if a >= 0:
                for i in idx.p_doc[idx.p_off[a] : idx.p_off[a + 1]]:
                    num_p[i] = num_p.get(i, 0) + 1
        self.num_p = num_p

    def answer_type(self, sid: int) -> bool:
        """Sentence `sid` holds what the question asks for (a number, a date, a name...)."""
        q, idx = self.q, self.idx
        flag = idx.flags[sid]
        return bool(
            (
                q.want_num
                and (flag & MONEY or not q.want_money)
                and any(w not in q.words for w in idx.nums[sid].split())
            )
            or (q.want_fund and flag & MONEY)
            or (q.want_why and flag & REASON)
            or (q.want_called and flag & CALLED)
            or (q.want_date and flag & DATE)
            or (q.want_name and any(w not in q.words for w in idx.caps[sid].split()))
        )

    def paragraph(self, i: int) -> Row:
        """Paragraph `i`'s features and its sentences'."""
        idx, q, m = self.idx, self.q, self.m
        sbm, scov, scnt, tsbm, rare_sbm = m.sbm, m.scov, m.scnt, m.tsbm, m.rare_sbm
        maxsbm, maxtsbm, stotal = self.maxsbm, self.maxtsbm, self.stotal
        nslots = len(q.slots)
        nbig, ntri = len(q.big_all), len(q.tri_all)
        big_in, tri_in = self.big_in, self.tri_in
        flags, slen, sterms = idx.flags, idx.slen, idx.sterms
        etotal, ent_s = self.etotal, self.ent_s
        para_bm_rel = m.bm.get(i, 0.0) / self.maxbm
        sfeats: list[tuple[int, list[float]]] = []
        best_v = best_c = best_n = best_p = best_p3 = best_t = 0.0
        win = prev = type_s = type_p = 0.0
        pair_best = prev_b = 0.0
        best_sid = -1  # the sentence of `best_v` (the last of equals)
        seen_big: set[str] = set()
        answer_type = self.answer_type if self.wants else None
        log1p = math.log1p
        first_sid, last_sid = idx.psent[i], idx.psent[i + 1] - 1
        for sid in range(first_sid, last_sid + 1):
            v = sbm.get(sid, 0.0) / maxsbm
            sc = scov.get(sid, 0.0) / stotal
            sn = scnt.get(sid, 0.0) / nslots
            p = p3 = 0.0
            if sn > 0 and nbig:
                hits = big_in.get(sid, ())
                seen_big.update(hits)
                p = len(hits) / nbig
                if ntri:
                    p3 = tri_in.get(sid, 0) / ntri
            hit = answer_type is not None and answer_type(sid)
            tv = tsbm.get(sid, 0.0) / maxtsbm
            if hit:
                type_p = 1.0
                if v > type_s:
                    type_s = v
            if v > 0 and v >= best_v:
                best_v = v
                best_sid = sid
            if sc > best_c:
                best_c = sc
            if sn > best_n:
                best_n = sn
            if p > best_p:
                best_p = p
            if p3 > best_p3:
                best_p3 = p3
            if tv > best_t:
                best_t = tv
            if sc + prev > win:
                win = sc + prev
            raw = sbm.get(sid, 0.0)
            if raw + prev_b > pair_best:
                pair_best = raw + prev_b
            prev_b = raw
            prev = sc
            sfeats.append(
                (
                    sid,
                    [
                        v,
                        sc,
                        sn,
                        p,
                        p3,
                        1.0 if hit else 0.0,
                        tv,
                        1.0 if flags[sid] & FIRST else 0.0,
                        log1p(slen[sid]),
                        1.0 if sid == last_sid and sid != first_sid else 0.0,
                        ent_s.get(sid, 0.0) / etotal if etotal else 0.0,
                        0.0,  # prev_cov, filled in below
                        0.0,  # next_cov
                        para_bm_rel,
                        rare_sbm.get(sid, 0.0) / maxsbm,
                    ],
                )
            )
        for j in range(1, len(sfeats)):
            sfeats[j][1][_PREV] = sfeats[j - 1][1][1]
            sfeats[j - 1][1][_NEXT] = sfeats[j][1][1]
        span = _span(sterms[best_sid].split(), self.matched) if best_sid >= 0 else 0.0
        sent_model = max(dot(_SENT_W, f) for _, f in sfeats) if sfeats else 0.0
        pair = near = 0.0
        if q.big:
            pair = self.pair_in.get(i, 0) / len(q.big)
        if self.npairs and m.firsts_in.get(i, 0) >= 2:
            near = _near_pairs(idx, i, self.firsts, self.first_times) / self.npairs
        ent = self.ent_p.get(i, 0.0) / etotal if q.ents and etotal else 0.0
        para_bm = m.bm.get(i, 0.0)
        total, maxbm = self.total, self.maxbm
        cov = m.cov
        return (
            i,
            [
                para_bm / maxbm,
                best_v,
                best_c,
                min(1.0, win),
                pair,
                type_s,
                type_p,
                m.cnt.get(i, 0.0) / nslots,
                best_n,
                near,
                para_bm / total,
                best_p,
                ent,
                m.bms.get(i, 0.0) / self.maxbms,
                best_p3,
                len(seen_big) / nbig if nbig else 0.0,
                math.log1p(idx.plen[i] / idx.avg),
                m.tbm.get(i, 0.0) / self.maxtbm,
                best_t,
                m.tcov.get(i, 0.0) / self.ttotal,
                cov.get(i, 0.0) / total,
                (para_bm - m.head_bm.get(i, 0.0)) / maxbm,
                pair_best / maxsbm,
                span,
                sent_model,
                m.rare_bm.get(i, 0.0) / maxbm,
                self.num_p.get(i, 0) / len(self.qnums) if self.qnums else 0.0,
                m.rare_cov.get(i, 0.0) / self.rare_total,
                cov.get(i - 1, 0.0) / total,
                cov.get(i + 1, 0.0) / total,
                1.0 if i == 0 else 0.0,
                i / idx.n,
            ],
            sfeats,
        )


_UNSEEN: set[int] = set()  # (a marker: a word not looked up yet)


class _Phrases:
    """Where phrases (" a b ", " a b c ") occur among some texts (sentences or paragraphs, whose
    words are separated by single spaces: " w1 w2 ... "), found through a posting table.

    A text holds a phrase only if it holds each of its words, so only the texts that the table
    lists for all of its words (other than stop words, which the table does not hold) are
    searched.
    """

    def __init__(
        self,
        idx: Index,
        postings: tuple[array[int], array[int]],
        texts: Sequence[str],
        among: set[int],
        stop: frozenset[str],
    ) -> None:
        self.vocab, (self.off, self.doc) = idx.vocab, postings
        self.texts, self.among, self.stop = texts, among, stop
        self.held: dict[str, set[int] | None] = {}  # word -> the texts among `among` holding it

    def _holding(self, word: str) -> set[int] | None:
        found: set[int] | None = None
        if word not in self.stop:
            a = self.vocab.get(word)
            found = set()
            if a is not None:
                found = self.among.intersection(self.doc[self.off[a] : self.off[a + 1]])
        self.held[word] = found
        return found

    def places(
        self, grams: Sequence[str], words_of: dict[str, tuple[str, ...]]
    ) -> dict[str, list[int]]:
        """For each distinct phrase of `grams` (its words in `words_of`), the texts among
        `among` that hold it."""
        held, texts, holding = self.held.get, self.texts, self._holding
        out: dict[str, list[int]] = {}
        for gram in dict.fromkeys(grams):
            candidates: set[int] | None = None
            for word in words_of[gram]:
                ids = held(word, _UNSEEN)
                if ids is _UNSEEN:
                    ids = holding(word)
                if ids is not None:
                    candidates = ids if candidates is None else candidates & ids
                    if not candidates:
                        break
            if candidates is None:  # stop words only
                candidates = self.among
            out[gram] = [t for t in candidates if gram in texts[t]] if candidates else []
        return out


def _in_context(idx: Index, term: str) -> bool:
    """Whether a heading or the title holds `term` (so that `_with_context` adds to its counts)."""
    a = idx.vocab[term]
    return idx.h_off[a] < idx.h_off[a + 1] or (bool(idx.title) and f" {term} " in idx.title)


def _with_context(
    idx: Index,
    heads: Sequence[int],
    in_title: bool,
    ptf: Iterable[tuple[int, float]],
    stf: Iterable[tuple[int, float]],
) -> tuple[
    Iterable[tuple[int, float]],
    dict[int, float] | None,
    Iterable[tuple[int, float]],
    dict[int, float] | None,
]:
    """Term counts with a heading's and the title's occurrences added at their weights, and each
    paragraph's (sentence's) strength of match: 1 in its own text, else the heading's or title's.

    A heading holding the term counts for every paragraph under it and their sentences; the
    title counts for every paragraph (not sentence), more weakly.
    """
    if not heads and not in_title:
        return ptf, None, stf, None
    pc: dict[int, float] = dict(ptf)
    sc: dict[int, float] = dict(stf)
    pm = dict.fromkeys(pc, 1.0)
    sm = dict.fromkeys(sc, 1.0)
    psent = idx.psent
    for i in heads:
        pc[i] = pc.get(i, 0.0) + HEADING
        pm.setdefault(i, HEADING)
        for sid in range(psent[i], psent[i + 1]):
            sc[sid] = sc.get(sid, 0.0) + HEADING
            sm.setdefault(sid, HEADING)
    if in_title:
        for i in range(idx.n):
            pc[i] = pc.get(i, 0.0) + TITLE
            pm.setdefault(i, TITLE)
    return pc.items(), pm, sc.items(), sm


def _near_pairs(idx: Index, i: int, firsts: list[str], times: Counter[str] | None = None) -> int:
    """Pairs of `firsts` (x before y in the list) within 3 terms of each other in paragraph i.

    Linear in the occurrences: the question terms' positions (`Index.term_places`), merged in
    order, are compared only with the few occurrences up to 3 positions before them.
    """
    places = idx.term_places(i)
    times = Counter(firsts) if times is None else times  # (its keys: `firsts` once each)
    wanted = [t for t in times if t in places]
    if not wanted:
        return 0
    occurrences = sorted((pos, t) for t in wanted for pos in memoryview(places[t]).cast("I"))
    close: set[tuple[str, str]] = set()  # (t, u) with t <= u
    for k, (pos, t) in enumerate(occurrences):
        j = k - 1
        while j >= 0 and pos - occurrences[j][0] <= 3:
            u = occurrences[j][1]
            close.add((t, u) if t <= u else (u, t))
            j -= 1
    if not close:
        return 0
    # The pairs of positions x < y of `firsts` whose terms are close: a close pair of two terms
    # counts the product of their multiplicities, a term close to itself its pairs with itself.
    return sum(times[t] * times[u] if t < u else times[t] * (times[t] - 1) // 2 for t, u in close)


def _abstain_features(idx: Index, q: _Query, best: Sequence[float]) -> list[float]:
    """Evidence that the article covers the question at all (see ABSTAIN_FEATURES)."""
    f = PARA_FEATURES.index
    # only the question's own terms count as present here: stand-ins help ranking, not coverage
    present = q.held
    n = len(q.own) or 1
    rare_present = [t for t in q.rare if t in present]
    names_missing = [t for t in q.ents if t not in present]
    vocab = idx.vocab
    share = [
        (idx.df(vocab[alts[0][0]]) if len(alts) == 1 else max(idx.df(vocab[a]) for a, _ in alts))
        / idx.n
        for alts in q.slots
        if alts
    ]
    pidf, held_set = idx.pidf, set(present)
    held_idf = weight = 0.0
    for t, alts in zip(q.own, q.slots, strict=True):
        if t in held_set:  # the term itself, or another form of it: its idf in the article
            w = pidf[vocab[alts[0][0]]] if len(alts) == 1 else max(pidf[vocab[a]] for a, _ in alts)
            held_idf += w
            weight += w
        else:  # missing: as specific as a term can be
            weight += idx.maxidf
    weight = weight or 1.0
    trunc = idx.trunc
    loose = sum(1 for t in q.own if t in held_set or idx.held_prefix(t[:trunc]) is not None)
    missing_max = idx.maxidf / weight if len(held_set) < len(q.own) else 0.0
    numbers = [t for t in q.own if t[0].isdigit()]
    return [
        *(best[f(name)] for name in ABSTAIN_ROW),
        len(present) / n,
        held_idf / weight,
        loose / n,
        missing_max,
        sum(1 for t in numbers if t not in held_set) / len(numbers) if numbers else 0.0,
        1.0 - held_idf / weight if q.ents and len(names_missing) == len(q.ents) else 0.0,
        math.log(idx.n) / math.log(100),
        len(rare_present) / len(q.rare) if q.rare else 1.0,
        min(4, len(q.rare) - len(rare_present)) / 4,
        q.typos / (len(q.rare) - len(rare_present)) if len(q.rare) > len(rare_present) else 0.0,
        len(names_missing) / len(q.ents) if q.ents else 0.0,
        1.0 if q.ents else 0.0,
        max(share, default=0.0),
        sum(share) / n,
        min(len(q.own), 10) / 10,
        *_phrases_in_article(idx, q),
    ]


def _phrases_in_article(idx: Index, q: _Query) -> tuple[float, float]:
    """Shares of the question's pairs of adjacent terms (stems, no stop word) and of its word
    triples (stop words kept whole, at most one) that some sentence of the article holds in that
    order: a phrase evidence that is the same in every language. Words that each occur somewhere
    in an article by chance seldom occur together: in Vietnamese, written syllable by syllable,
    a pair of syllables is most often a word; in Thai, adjacent character trigrams are a longer
    run of letters."""
    if not q.big_terms and not q.tri_all:
        return 1.0, 1.0
    seen = q.seen  # (held by a sentence of the ranked paragraphs: no search needed)
    found = [
        sum(1 for b in phrases if b in seen or _in_a_sentence(idx, b))
        for phrases in (q.big_terms, q.tri_all)
    ]
    pairs = found[0] / len(q.big_terms) if q.big_terms else 1.0
    triples = found[1] / len(q.tri_all) if q.tri_all else pairs
    return pairs, triples


def _in_a_sentence(idx: Index, phrase: str) -> bool:
    """Some sentence holds `phrase` (" a b ", stems and stop words): searched only in the
    sentences holding its rarest term (none when the article lacks a term)."""
    vocab, s_off, s_doc, words = idx.vocab, idx.s_off, idx.s_doc, idx.words
    stop = idx.lex.stop_words
    best = -1
    for w in phrase.split():
        if w in stop:  # kept whole in `words`, not a term
            continue
        tid = vocab.get(w)
        if tid is None:
            return False
        if best < 0 or s_off[tid + 1] - s_off[tid] < s_off[best + 1] - s_off[best]:
            best = tid
    if best < 0:  # stop words only (no question phrase is): every sentence
        return any(phrase in w for w in words)
    return any(phrase in words[sid] for sid in s_doc[s_off[best] : s_off[best + 1]])


# Weights fitted offline (see the module docstring), in `weights.py`; the last abstention weight
# is the bias. The threshold answers 99.4% of the development split's own questions (chosen by CV).
_RANK_W = aligned(weights.RANK, PARA_FEATURES, model="RANK")
_SENT_W = aligned(weights.SENTENCE, SENT_FEATURES, model="SENTENCE")
_ABSTAIN_W = aligned(weights.ABSTAIN, (*ABSTAIN_FEATURES, "bias"), model="ABSTAIN")
_ABSTAIN_AT = weights.ABSTAIN_AT  # languages without a threshold of their own
_ABSTAIN_AT_LANG = weights.ABSTAIN_AT_LANG
# The kind of answer a question asks for (a date, a number, a name) counts beyond the fitted
# weights, in the order of paragraphs and in the bold sentence (see benchmarks/_qa_train.py).
_TYPE_RANK = weights.TYPE_RANK
_TYPE_SENT = weights.TYPE_SENTENCE
_TYPE_P = PARA_FEATURES.index("type_para")
_TYPE_S = SENT_FEATURES.index("type")


def _threshold(idx: Index) -> float:
    """The abstention threshold for this article: its language's, for short articles (up to
    SHORT paragraphs) the one calibrated on short articles when there is one."""
    lang = idx.lex.lang or ""
    if idx.n <= SHORT:
        short = _ABSTAIN_AT_LANG.get(f"{lang}.short")
        if short is not None:
            return short
    return _ABSTAIN_AT_LANG.get(lang, _ABSTAIN_AT)


# Articles of at most this many paragraphs are "short" for abstention's thresholds.
SHORT = 10
_Ranked = tuple[float, int, list[float], list[tuple[int, list[float]]]]


def _ranked(article: Article, question: str) -> tuple[Index, _Query, list[_Ranked]]:
    """Paragraphs sharing a term, best first: (score, index, features, sentence features)."""
    idx = _index(article)
    q = _Query(idx, question)
    ranked = [
        (dot(_RANK_W, f) + _TYPE_RANK * f[_TYPE_P], i, f, sf) for i, f, sf in _analyse(idx, q)
    ]
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return idx, q, ranked


def _best_sentence(sfeats: list[tuple[int, list[float]]]) -> int:
    return max(sfeats, key=lambda s: dot(_SENT_W, s[1]) + _TYPE_SENT * s[1][_TYPE_S])[0]


def find_passages(article: Article, question: str, *, k: int = 3) -> list[Passage]:
    """The `k` paragraphs that best answer `question`, best first; [] when none is relevant."""
    return _passages(article, question, k, abstain=True)


def rank_passages(article: Article, question: str, *, k: int = 3) -> list[Passage]:
    """`find_passages` without abstention: the `k` best paragraphs sharing a term, best first.

    For measuring the ranker alone, and for callers that want the nearest paragraphs even when
    the article does not seem to cover the question.
    """
    return _passages(article, question, k, abstain=False)


def _passages(article: Article, question: str, k: int, *, abstain: bool) -> list[Passage]:
    if k <= 0 or not question or not question.strip():
        return []
    idx, q, ranked = _ranked(article, question)
    if not ranked:
        return []
    if abstain:
        evidence = _abstain_features(idx, q, ranked[0][2])
        threshold = _threshold(idx)
        if dot(_ABSTAIN_W, [*evidence, 1.0]) < threshold:
            return []
    return [
        Passage(idx.numbers[i], idx.texts[i], round(score, 6), idx.sents[_best_sentence(sf)])
        for score, i, _, sf in ranked[:k]
    ]
