"""Question → the paragraphs that answer it, each with the sentence that best answers; [] when none.

How it works (pure Python, no model files):

1. An index is built once per article and cached on it (`article._cache[__name__]`): stemmed
   terms (`lexicon.terms`) per paragraph and per sentence, their document frequencies, term
   pairs, 6-letter prefixes (a second, looser match for forms the stemmer keeps apart:
   "religious"/"religions"), and per sentence the cues an answer shows: numbers, dates, names.
2. The question becomes slots, one per content term. A term the article lacks may stand for a
   term one edit away (a typo: "seige"/"siege") or an everyday synonym (`retrieve_words`), at a
   discount. Question words pick the expected answer type ("how many" → a number, "when" → a
   date, "who"/"where"/"which city" → a name not in the question).
3. Every paragraph that shares a term gets cheap scores (BM25 over stems and over prefixes); the
   best `_POOL` of them get the full features: BM25 of the paragraph and of its best sentence,
   idf-weighted coverage (sentence, window of two sentences, paragraph), term pairs and
   stop-word phrases it repeats from the question, the question's names it holds, the
   answer-type cue, prefix matches, and the best score of a sentence model (a linear scorer over
   per-sentence features, trained to find the sentence that holds the answer among all the
   candidate sentences). A linear model over the paragraph features ranks paragraphs; the
   sentence model names each returned paragraph's best sentence. Weights were fitted offline on
   the SQuAD development split (listwise logistic loss; cross-validated by article: top-1 87.9%,
   top-3 95.6%, answer sentence 84.1%); only the weights ship.
4. Abstention: a logistic model over the best paragraph's absolute coverage and question-level
   evidence (how many of the question's own specific terms and names the article has at all --
   stand-ins do not count here -- and how topical they are) decides whether the article covers
   the question; below the threshold the answer is `[]`. The threshold answers 99% of the
   development questions asked of their own article (cross-validated: 95.5% of the next
   article's questions abstained at 98.9% answered).

`rank_passages` is the same ranking without abstention.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

from .lexicon import STOP_WORDS, stem, terms, tokens
from .model import Article, Passage
from .retrieve_words import COMMON_STEMS, SYNONYM_STEMS

__all__ = ["find_passages", "rank_passages"]

_KEY = __name__
_K1, _B = 1.2, 0.75  # paragraph BM25
_SK1, _SB = 1.2, 0.5  # sentence BM25
_TRUNC = 6  # prefix length of the loose match
_FUZZY_MIN = 4  # shortest stem that may be matched one edit away
_ALT = 0.7  # weight of a stand-in term (edit or synonym) relative to the question's own term
_POOL = 15  # paragraphs that get the full features
_MAX_QUESTION = 2000  # characters of a question that are read

_NUM_TEXT = """
one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
ninety hundred hundreds thousand thousands million millions billion billions trillion
dozen dozens half quarter third twice double triple several
"""
_NUM_WORDS = frozenset(_NUM_TEXT.split())
_DATE_TEXT = """
january february march april may june july august september october november december
century centuries decade decades bc ad bce ce
"""
_DATE_WORDS = frozenset(_DATE_TEXT.split())
_MONEY = re.compile(
    r"[$€£¥]\s?\d|\d\s?(?:dollars?|euros?|pounds?|yen|yuan|rupees?|francs?|marks?|usd|eur|gbp)\b"
    r"|\d\s?(?:million|billion|trillion|bn|m)\s(?:dollars?|euros?|pounds?)",
    re.IGNORECASE,
)
_MONEY_Q = re.compile(
    r"\b(?:money|cost|costs|price|paid|pay|pays|invest|invested|investment|spend|spent|worth|"
    r"fund|funding|budget|revenue|salary|earn|earned|raise|raised|sold|sell|charge|fee|fine)\b"
)
_YEAR = re.compile(r"^(?:1[0-9]{3}|20[0-9]{2})s?$")
_CAP = re.compile(r"\b[A-Z][\w'’-]*")
_NUM_Q = re.compile(
    r"\b(?:how (?:many|much|long|far|old|large|big|tall|high|often|fast|deep|wide|heavy)|"
    r"what (?:percentage|percent|proportion|number|amount|fraction|share|size))\b"
)
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


def _idf(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _stems(words: Sequence[str]) -> list[str]:
    return [w if w in STOP_WORDS else stem(w) for w in words]


def _count(items: Sequence[str]) -> dict[str, int]:
    tf: dict[str, int] = {}
    for t in items:
        tf[t] = tf.get(t, 0) + 1
    return tf


def _span(seq: Sequence[str], matched: frozenset[str]) -> float:
    """Distinct matched terms of `seq` / the length of the shortest run holding them all."""
    pos = [j for j, t in enumerate(seq) if t in matched]
    if not pos:
        return 0.0
    distinct = len({seq[j] for j in pos})
    return distinct / (pos[-1] - pos[0] + 1)


def _deletes(word: str) -> list[str]:
    return [word] + [word[:j] + word[j + 1 :] for j in range(len(word))]


class _Sentence:
    __slots__ = (
        "big",
        "caps",
        "date",
        "first",
        "length",
        "money",
        "nums",
        "para",
        "seq",
        "text",
        "tf",
        "tri",
        "ttf",
    )

    def __init__(self, para: int, text: str, first: bool) -> None:
        self.para = para
        self.text = text
        self.first = first
        toks = terms(text)
        self.seq = toks
        self.tf = _count(toks)
        self.ttf = _count([t[:_TRUNC] for t in toks])
        self.length = len(toks)
        words = tokens(text)
        self.nums = frozenset(w for w in words if w[0].isdigit() or w in _NUM_WORDS)
        self.money = bool(_MONEY.search(text))
        self.date = any(w in _DATE_WORDS or _YEAR.match(w) for w in words)
        self.caps = frozenset(w for m in _CAP.findall(text) for w in tokens(m))
        st = _stems(words)
        self.big = frozenset(itertools.pairwise(st))
        self.tri = frozenset(zip(st, st[1:], st[2:], strict=False))


class _Index:
    """Everything about one article that questions need, computed once."""

    def __init__(self, article: Article) -> None:
        paras = article.paragraphs
        self.n = n = len(paras)
        self.numbers = [p.number for p in paras]
        self.texts = [p.text for p in paras]
        self.plen: list[int] = []
        self.ptf: list[dict[str, int]] = []
        self.pbig: list[frozenset[tuple[str, str]]] = []
        self.ptoks: list[list[str]] = []
        self._skip: dict[int, frozenset[tuple[str, str]]] = {}
        self.post: dict[str, list[tuple[int, int]]] = {}
        self.tpost: dict[str, list[tuple[int, int]]] = {}
        self.sents: list[_Sentence] = []
        self.spost: dict[str, list[tuple[int, int]]] = {}
        self.tspost: dict[str, list[tuple[int, int]]] = {}
        self.psents: list[range] = []
        for i, p in enumerate(paras):
            toks = terms(p.text)
            tf = _count(toks)
            self.plen.append(len(toks))
            self.ptf.append(tf)
            for t, c in tf.items():
                self.post.setdefault(t, []).append((i, c))
            for t, c in _count([t[:_TRUNC] for t in toks]).items():
                self.tpost.setdefault(t, []).append((i, c))
            self.pbig.append(frozenset(itertools.pairwise(toks)))
            self.ptoks.append(toks)
            start = len(self.sents)
            for j, text in enumerate(p.sentences or [p.text]):
                s = _Sentence(i, text, j == 0)
                sid = len(self.sents)
                self.sents.append(s)
                for t, c in s.tf.items():
                    self.spost.setdefault(t, []).append((sid, c))
                for t, c in s.ttf.items():
                    self.tspost.setdefault(t, []).append((sid, c))
            self.psents.append(range(start, len(self.sents)))
        ns = len(self.sents)
        self.avg = (sum(self.plen) / n if n else 0.0) or 1.0
        self.savg = (sum(s.length for s in self.sents) / ns if ns else 0.0) or 1.0
        self.idf = {t: _idf(n, len(v)) for t, v in self.post.items()}
        self.sidf = {t: _idf(ns, len(v)) for t, v in self.spost.items()}
        self.tidf = {t: _idf(n, len(v)) for t, v in self.tpost.items()}
        self.tsidf = {t: _idf(ns, len(v)) for t, v in self.tspost.items()}
        self.maxidf = _idf(n, 0)
        self.smaxidf = _idf(ns, 0)
        self._near: dict[str, list[str]] | None = None

    def skip(self, i: int) -> frozenset[tuple[str, str]]:
        """Pairs of terms of paragraph `i` at most 3 terms apart, both orders (built on demand)."""
        pairs = self._skip.get(i)
        if pairs is None:
            toks = self.ptoks[i]
            found: set[tuple[str, str]] = set()
            for d in (1, 2, 3):
                for a, b in zip(toks, toks[d:], strict=False):
                    found.add((a, b))
                    found.add((b, a))
            pairs = self._skip[i] = frozenset(found)
        return pairs

    def near(self, term: str) -> list[str]:
        """Article terms one edit (insertion, deletion, substitution, swap) from `term`."""
        if self._near is None:
            table: dict[str, list[str]] = {}
            for t in self.post:
                if len(t) >= _FUZZY_MIN:
                    for d in _deletes(t):
                        table.setdefault(d, []).append(t)
            self._near = table
        found: dict[str, None] = {}
        for d in _deletes(term):
            for t in self._near.get(d, ()):
                found[t] = None
        return list(found)


def _index(article: Article) -> _Index:
    idx = article._cache.get(_KEY)
    if not isinstance(idx, _Index):
        idx = _Index(article)
        article._cache[_KEY] = idx
    return idx


class _Query:
    """A question, analysed against one article's index."""

    def __init__(self, idx: _Index, question: str) -> None:
        question = question[:_MAX_QUESTION]
        own = list(dict.fromkeys(terms(question)))
        # one slot per question term: (term, weight) alternatives that the article holds
        self.slots: list[list[tuple[str, float]]] = []
        for t in own:
            if t in idx.post:
                self.slots.append([(t, 1.0)])
                continue
            alts = [a for a in _NUMBER_FORMS.get(t, ()) if a in idx.post]
            alts += [a for a in SYNONYM_STEMS.get(t, ()) if a in idx.post]
            if len(t) >= _FUZZY_MIN:
                alts += idx.near(t)
            # most specific first (the slot's representative), then by name: stable across runs
            ranked = sorted(set(alts), key=lambda a: (-idx.idf[a], a))
            self.slots.append([(a, _ALT) for a in ranked])
        self.own = own
        self.rare = [t for t in own if t not in COMMON_STEMS]
        words = tokens(question)
        self.words = frozenset(words)
        text = " ".join(words)
        self.want_num = bool(_NUM_Q.search(text))
        self.want_money = self.want_num and bool(_MONEY_Q.search(text))
        self.want_date = bool(_DATE_Q.search(text))
        self.want_name = bool(_NAME_Q.search(text))
        first = [alts[0][0] if alts else t for t, alts in zip(own, self.slots, strict=True)]
        self.big = list(itertools.pairwise(first))
        st = _stems(words)
        self.big_all = [
            b for b in itertools.pairwise(st) if not (b[0] in STOP_WORDS and b[1] in STOP_WORDS)
        ]
        self.tri_all = [
            b
            for b in zip(st, st[1:], st[2:], strict=False)
            if sum(1 for x in b if x in STOP_WORDS) < 2
        ]
        ents: set[str] = set()
        for m in _CAP.finditer(question):
            if m.start() > 0:
                ents.update(terms(m.group()))
        self.ents = [t for t in own if t in ents]
        self.trunc = list(dict.fromkeys(t[:_TRUNC] for t in own))
        lead = _HEAD.match(" ".join(words[:3]))
        head = stem(lead.group(1)) if lead else ""
        self.head = head if head in own else ""


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
    "ents",  # idf share of the question's names
    "prev_cov",  # the previous sentence's "cov"
    "next_cov",  # the next sentence's "cov"
    "para_bm25",  # its paragraph's BM25 / best paragraph's
    "rare_bm25",  # BM25 over the question's terms outside everyday words / best sentence's
)
_PREV = SENT_FEATURES.index("prev_cov")
_NEXT = SENT_FEATURES.index("next_cov")
# the best paragraph's features that abstention reads, then evidence about the question
ABSTAIN_ROW = (
    "cov",
    "sent_cov",
    "count",
    "sent_count",
    "bm25_abs",
    "ents",
    "phrase",
    "prefix_cov",
    "rare_cov",
)
ABSTAIN_FEATURES = (
    *ABSTAIN_ROW,
    "in_article",  # share of the question's terms found anywhere in the article
    "rare_in_article",  # ... of its terms outside everyday vocabulary
    "rare_missing",  # how many such terms the article lacks (0..4)/4
    "names_missing",  # share of the question's names the article lacks
    "has_names",
    "topical_max",  # largest share of paragraphs holding one of the question's terms
    "topical_mean",
    "length",  # question terms (0..10)/10
)


def _analyse(
    idx: _Index, q: _Query
) -> list[tuple[int, list[float], list[tuple[int, list[float]]]]]:
    """For each paragraph sharing a term: (index, paragraph features, [(sentence id, features)])."""
    slots = q.slots
    nslots = len(slots)
    if not nslots or not idx.n:
        return []
    plen, avg, savg, sents = idx.plen, idx.avg, idx.savg, idx.sents
    bm: dict[int, float] = {}
    head_bm: dict[int, float] = {}
    rare_bm: dict[int, float] = {}
    rare_sbm: dict[int, float] = {}
    rare_cov: dict[int, float] = {}
    rare_total = 0.0
    rare = frozenset(q.rare)
    qnums = [t for t in q.own if t[0].isdigit()]
    bms: dict[int, float] = {}
    cov: dict[int, float] = {}
    cnt: dict[int, float] = {}
    sbm: dict[int, float] = {}
    scov: dict[int, float] = {}
    scnt: dict[int, float] = {}
    total = stotal = 0.0
    for own_term, alts in zip(q.own, slots, strict=True):
        if not alts:
            total += idx.maxidf
            if own_term in rare:
                rare_total += idx.maxidf
            stotal += idx.smaxidf
            continue
        best_w = max(idx.idf[a] * f for a, f in alts)
        best_sw = max(idx.sidf[a] * f for a, f in alts)
        total += max(best_w, 1e-9)
        if own_term in rare:
            rare_total += max(best_w, 1e-9)
        stotal += max(best_sw, 1e-9)
        pslot: dict[int, tuple[float, float, float, float]] = {}
        sslot: dict[int, tuple[float, float, float]] = {}
        for a, f in alts:
            w = idx.idf[a] * f
            sw = idx.sidf[a] * f
            for i, c in idx.post[a]:
                sat = c * (_K1 + 1) / (c + _K1 * (1 - _B + _B * plen[i] / avg))
                old = pslot.get(i)
                if old is None or w * sat > old[0]:
                    pslot[i] = (w * sat, sw * sat, w, f)
            for sid, c in idx.spost[a]:
                ln = sents[sid].length
                v = sw * c * (_SK1 + 1) / (c + _SK1 * (1 - _SB + _SB * ln / savg))
                olds = sslot.get(sid)
                if olds is None or v > olds[0]:
                    sslot[sid] = (v, sw, f)
        is_head = bool(q.head) and alts[0][0] == q.head
        is_rare = own_term in rare
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
    tbm: dict[int, float] = {}
    tcov: dict[int, float] = {}
    ttotal = 0.0
    tsbm: dict[int, float] = {}
    for t in q.trunc:
        tw = idx.tidf.get(t)
        if tw is None:
            ttotal += idx.maxidf
            continue
        ttotal += tw
        for i, c in idx.tpost[t]:
            tbm[i] = tbm.get(i, 0.0) + tw * c * (_K1 + 1) / (
                c + _K1 * (1 - _B + _B * plen[i] / avg)
            )
            tcov[i] = tcov.get(i, 0.0) + tw
        sw = idx.tsidf[t]
        for sid, c in idx.tspost[t]:
            ln = sents[sid].length
            tsbm[sid] = tsbm.get(sid, 0.0) + sw * c * (_SK1 + 1) / (
                c + _SK1 * (1 - _SB + _SB * ln / savg)
            )
    if not tbm and not bm:
        return []
    rare_total = rare_total or 1.0
    maxbm = max(bm.values(), default=0.0) or 1.0
    maxbms = max(bms.values(), default=0.0) or 1.0
    maxsbm = max(sbm.values(), default=0.0) or 1.0
    maxtbm = max(tbm.values(), default=0.0) or 1.0
    maxtsbm = max(tsbm.values(), default=0.0) or 1.0
    total = total or 1.0
    stotal = stotal or 1.0
    ttotal = ttotal or 1.0
    want_num, want_date, want_name = q.want_num, q.want_date, q.want_name
    want_money = q.want_money
    qwords = q.words
    big_all, tri_all, qbig = q.big_all, q.tri_all, q.big
    nbig, ntri = len(big_all), len(tri_all)
    firsts = [alts[0][0] for alts in slots if alts]
    npairs = len(firsts) * (len(firsts) - 1) / 2
    matched = frozenset(a for alts in slots for a, _ in alts)
    ents = [alts[0][0] for t, alts in zip(q.own, slots, strict=True) if alts and t in q.ents]
    etotal = sum(idx.idf[t] for t in ents) + idx.maxidf * (len(q.ents) - len(ents))
    out: list[tuple[int, list[float], list[tuple[int, list[float]]]]] = []
    pool = set(bm) | set(tbm)
    if len(pool) > _POOL:  # the full features only for the paragraphs a cheap score keeps
        cheap = {i: bm.get(i, 0.0) / maxbm + tbm.get(i, 0.0) / maxtbm for i in pool}
        pool = set(sorted(pool, key=lambda i: (-cheap[i], i))[:_POOL])
    for i in sorted(pool):
        sfeats: list[tuple[int, list[float]]] = []
        best_v = best_c = best_n = best_p = best_p3 = best_t = 0.0
        win = prev = type_s = type_p = 0.0
        pair_best = prev_b = span = 0.0
        seen_big: set[tuple[str, str]] = set()
        for sid in idx.psents[i]:
            s = sents[sid]
            v = sbm.get(sid, 0.0) / maxsbm
            sc = scov.get(sid, 0.0) / stotal
            sn = scnt.get(sid, 0.0) / nslots
            p = p3 = 0.0
            if sn > 0 and nbig:
                hits = [b for b in big_all if b in s.big]
                seen_big.update(hits)
                p = len(hits) / nbig
                if ntri:
                    p3 = sum(1 for b in tri_all if b in s.tri) / ntri
            hit = (
                (want_num and not s.nums <= qwords and (s.money or not want_money))
                or (want_date and s.date)
                or (want_name and not s.caps <= qwords)
            )
            tv = tsbm.get(sid, 0.0) / maxtsbm
            if hit:
                type_p = 1.0
                type_s = max(type_s, v)
            best_v = max(best_v, v)
            best_c = max(best_c, sc)
            best_n = max(best_n, sn)
            best_p = max(best_p, p)
            best_p3 = max(best_p3, p3)
            best_t = max(best_t, tv)
            win = max(win, sc + prev)
            pair_best = max(pair_best, sbm.get(sid, 0.0) + prev_b)
            prev_b = sbm.get(sid, 0.0)
            if v >= best_v and v > 0:
                span = _span(s.seq, matched)
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
                        1.0 if s.first else 0.0,
                        math.log1p(s.length),
                        sum(idx.idf[t] for t in ents if t in s.tf) / etotal if etotal else 0.0,
                        0.0,  # prev_cov, filled in below
                        0.0,  # next_cov
                        bm.get(i, 0.0) / maxbm,
                        rare_sbm.get(sid, 0.0) / maxsbm,
                    ],
                )
            )
        for j in range(1, len(sfeats)):
            sfeats[j][1][_PREV] = sfeats[j - 1][1][1]
            sfeats[j - 1][1][_NEXT] = sfeats[j][1][1]
        sent_model = max(_dot(_SENT_W, f) for _, f in sfeats) if sfeats else 0.0
        pair = near = 0.0
        if qbig:
            pb = idx.pbig[i]
            pair = sum(1 for b in qbig if b in pb) / len(qbig)
        if npairs:
            ps = idx.skip(i)
            close = 0
            for x in range(len(firsts)):
                for y in range(x + 1, len(firsts)):
                    if (firsts[x], firsts[y]) in ps:
                        close += 1
            near = close / npairs
        ent = 0.0
        if q.ents and etotal:
            ptf = idx.ptf[i]
            ent = sum(idx.idf[t] for t in ents if t in ptf) / etotal
        para_bm = bm.get(i, 0.0)
        out.append(
            (
                i,
                [
                    para_bm / maxbm,
                    best_v,
                    best_c,
                    min(1.0, win),
                    pair,
                    type_s,
                    type_p,
                    cnt.get(i, 0.0) / nslots,
                    best_n,
                    near,
                    para_bm / total,
                    best_p,
                    ent,
                    bms.get(i, 0.0) / maxbms,
                    best_p3,
                    len(seen_big) / nbig if nbig else 0.0,
                    math.log1p(plen[i] / avg),
                    tbm.get(i, 0.0) / maxtbm,
                    best_t,
                    tcov.get(i, 0.0) / ttotal,
                    cov.get(i, 0.0) / total,
                    (para_bm - head_bm.get(i, 0.0)) / maxbm,
                    pair_best / maxsbm,
                    span,
                    sent_model,
                    rare_bm.get(i, 0.0) / maxbm,
                    sum(1 for t in qnums if t in idx.ptf[i]) / len(qnums) if qnums else 0.0,
                    rare_cov.get(i, 0.0) / rare_total,
                ],
                sfeats,
            )
        )
    return out


def _abstain_features(idx: _Index, q: _Query, best: Sequence[float]) -> list[float]:
    """Evidence that the article covers the question at all (see ABSTAIN_FEATURES)."""
    f = PARA_FEATURES.index
    # only the question's own terms count as present here: stand-ins help ranking, not coverage
    present = [t for t in q.own if t in idx.post]
    n = len(q.own) or 1
    rare_present = [t for t in q.rare if t in idx.post]
    names_missing = [t for t in q.ents if t not in idx.post]
    share = [max(len(idx.post[a]) for a, _ in alts) / idx.n for alts in q.slots if alts]
    return [
        *(best[f(name)] for name in ABSTAIN_ROW),
        len(present) / n,
        len(rare_present) / len(q.rare) if q.rare else 1.0,
        min(4, len(q.rare) - len(rare_present)) / 4,
        len(names_missing) / len(q.ents) if q.ents else 0.0,
        1.0 if q.ents else 0.0,
        max(share, default=0.0),
        sum(share) / n,
        min(len(q.own), 10) / 10,
    ]


# Weights fitted offline (see the module docstring); the last abstention weight is the bias.
# The threshold answers 99% of the development split's own questions.
_RANK_W = (
    -0.3716,  # bm25
    -0.0153,  # sent_bm25
    -0.0533,  # sent_cov
    0.1258,  # win_cov
    1.2173,  # pair
    0.0436,  # type_sent
    0.5112,  # type_para
    0.0630,  # count
    0.1674,  # sent_count
    0.2521,  # near_pairs
    -0.3887,  # bm25_abs
    1.1394,  # phrase
    0.9565,  # ents
    -0.3227,  # bm25_sidf
    0.2526,  # phrase3
    1.4241,  # phrase_para
    -0.6164,  # length
    0.8232,  # prefix_bm25
    0.8151,  # prefix_sent
    0.5831,  # prefix_cov
    -0.4600,  # cov
    0.2593,  # bm25_nohead
    0.0010,  # pair_bm25
    0.1504,  # span
    0.5927,  # sent_model
    1.0503,  # bm25_rare
    0.8743,  # numbers
    1.1165,  # rare_cov
)
_SENT_W = (
    0.9203,  # bm25
    1.7695,  # cov
    1.2175,  # count
    2.2755,  # phrase
    -0.0095,  # phrase3
    1.9216,  # type
    1.4503,  # prefix_bm25
    0.2140,  # first
    0.0532,  # length
    -0.3683,  # ents
    1.5290,  # prev_cov
    0.5408,  # next_cov
    3.7432,  # para_bm25
    1.0845,  # rare_bm25
)
_ABSTAIN_W = (
    0.0863,  # cov
    0.5554,  # sent_cov
    0.9529,  # count
    1.4353,  # sent_count
    1.5940,  # bm25_abs
    1.5052,  # ents
    1.6522,  # phrase
    1.0391,  # prefix_cov
    0.7220,  # rare_cov
    0.2353,  # in_article
    1.2441,  # rare_in_article
    -2.1741,  # rare_missing
    -1.5690,  # names_missing
    -0.3258,  # has_names
    2.7674,  # topical_max
    0.7016,  # topical_mean
    0.0054,  # length
    -4.0866,  # bias
)
_ABSTAIN_AT = -0.7105


def _dot(w: Sequence[float], x: Sequence[float]) -> float:
    return sum(a * b for a, b in zip(w, x, strict=False))


_Ranked = tuple[float, int, list[float], list[tuple[int, list[float]]]]


def _ranked(article: Article, question: str) -> tuple[_Index, _Query, list[_Ranked]]:
    """Paragraphs sharing a term, best first: (score, index, features, sentence features)."""
    idx = _index(article)
    q = _Query(idx, question)
    ranked = [(_dot(_RANK_W, f), i, f, sf) for i, f, sf in _analyse(idx, q)]
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return idx, q, ranked


def _best_sentence(sfeats: list[tuple[int, list[float]]]) -> int:
    return max(sfeats, key=lambda s: _dot(_SENT_W, s[1]))[0]


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
        if _dot(_ABSTAIN_W, [*evidence, 1.0]) < _ABSTAIN_AT:
            return []
    return [
        Passage(idx.numbers[i], idx.texts[i], round(score, 6), idx.sents[_best_sentence(sf)].text)
        for score, i, _, sf in ranked[:k]
    ]
