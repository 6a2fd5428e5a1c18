"""Sentence features and the learned sentence scorer shared by summaries and key facts.

Every sentence of an article becomes a `Unit` with cheap features: where it stands (position
in the article and in its paragraph), how long it is, how central it is (overlap of its stemmed
content words with the rest of the article, the opening sentences and the title), how concrete
it is (numbers, names) and what kind of sentence it looks like (a quotation, a photo caption,
page furniture, a sentence that leans on the one before).

A logistic model over these features gives each sentence its salience score. Its weights were
fitted offline by `benchmarks/train_scorer.py` on the development split of news summarization
data (sentences labelled by a greedy ROUGE oracle against the reference summaries), which writes
them to `weights.py`; no data ships with the code. There are two weight sets: one for texts
with paragraphs, one for texts that arrive as a single block (pasted or flattened text, where
position in the text carries more of the signal).

The analysis is computed once per article and cached on it (`article._cache`). It is linear in
the article's length except for `degree`, which compares each sentence with at most
`_WINDOW` neighbours on each side.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass
from operator import mul

from . import weights
from .chars import WORD
from .language import language_of
from .lexicon import Lexicon, lexicon
from .linear import aligned
from .model import Article
from .parse import is_list

__all__ = ["FEATURES", "Analysis", "Unit", "analysis", "overlap"]

FEATURES: tuple[str, ...] = (
    "bias",
    "first",  # the article's first sentence
    "second",
    "third",
    "inv_pos",  # 1 / (position + 1)
    "rel_pos",  # position / number of sentences
    "pos_3_5",  # position 3 to 5
    "pos_6_10",
    "para_first",  # first sentence of its paragraph (0 in single-block texts)
    "inv_para",  # 1 / (paragraph index + 1) (0 in single-block texts)
    "log_words",
    "short",  # fewer than 8 words
    "long",  # more than 40 words
    "centrality",  # cosine with the article's term frequencies, itself left out
    "lead_sim",  # share of its terms in the title (or, without a title, the first sentence)
    "lead_overlap",  # share of its terms found in the first five sentences, itself left out
    "bigram_rep",  # share of its term bigrams that occur in another sentence
    "keywords",  # how many of the article's ten most frequent terms it holds (capped at 4) / 4
    "degree",  # share of neighbouring sentences that share a fifth of its terms
    "density",  # content terms / words
    "numbers",  # numbers and amounts (capped at 4) / 4
    "names",  # capitalised words after the first (capped at 8) / 8
    "name_tf",  # mean log frequency in the article of its capitalised words
    "quote",  # opens with a quotation mark
    "first_person",  # I/we/you, outside a leading quotation
    "caption",  # ends with a detached " ." (photo captions in scraped news)
    "label",  # opens with "Label: "
    "furniture",  # links, "scroll down", "pictured", "sign up"
    "question",  # ends with "?"
    "attribution",  # said, told, according to
    "anaphoric",  # opens with a pronoun or connective that needs the sentence before
    "lead_central",  # inv_pos x centrality
    "lead_length",  # inv_pos x log_words
)

# Logistic weights over FEATURES (fitted by benchmarks/train_scorer.py; see the docstring).
WEIGHTS_PARAGRAPHS = aligned(weights.SCORER_PARAGRAPHS, FEATURES, model="SCORER_PARAGRAPHS")
WEIGHTS_BLOCK = aligned(weights.SCORER_BLOCK, FEATURES, model="SCORER_BLOCK")
# Other languages: one set fitted on French and Chinese news (both kinds of text), whose
# English-only features (first person, attribution, pronouns pointing back) read 0.
WEIGHTS_OTHER = aligned(weights.SCORER_OTHER, FEATURES, model="SCORER_OTHER")

_WINDOW = 30
_MASK_TERMS = 4096  # articles of at most this many terms count shared terms with bit masks
_ANY_SHARED = 5  # bags of up to this many terms: a fifth of them (0.2 * 5 == 1.0) is one term
_CAPWORD = re.compile(r"(?<![\w'’])[A-Z][\w'’-]*[a-z][\w'’-]*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTE_OPEN = tuple("\"'“‘«")
_CAPTION_LABEL = re.compile(r"[A-Z][\w'’-]*(?: [\w'’-]+){0,2}: \S")
_FURNITURE = re.compile(
    r"scroll down|click here|read more|follow (?:us|@)|sign up|subscribe|newsletter|"
    r"https?://|www\.|@\w|all rights reserved|image copyright|watch the video|"
    r"download the app|share this|pictured\b"
)  # these three match lower-cased text (much faster than IGNORECASE)
_FIRST_PERSON = frozenset(("i", "me", "my", "we", "our", "us", "you", "your"))
_ATTRIBUTION = re.compile(r"\b(?:said|says|told|according to|added|explained)\b")
_ANAPHORIC = re.compile(
    r"(?:[\"'“‘]\s*)?(?:he|she|it|they|this|that|these|those|his|her|its|their|but|and|so|"
    r"also|however|meanwhile|instead|then|there|such|both)\b"
)


@dataclass(slots=True)
class Unit:
    """One sentence of the article with what the scorers need to know about it."""

    index: int  # position among the article's sentences
    paragraph: int  # 1-based paragraph number
    para_index: int  # 0-based position of the paragraph
    in_para: int  # position inside its paragraph
    text: str
    terms: list[str]  # stemmed content words, in order
    bag: frozenset[str]
    words: int
    features: list[float]
    score: float = 0.0
    listed: bool = False  # an item of a list paragraph ("- item" lines)


@dataclass(slots=True)
class Analysis:
    units: list[Unit]
    tf: Counter[str]
    structured: bool
    eligible: list[Unit] | None = None  # `summarize.eligible(units)`, once asked for


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller set found in the other (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


_WORDS = re.compile(f"{WORD}(?:['’-]{WORD})*")


def _capitalised_words(text: str) -> list[str]:
    """Capitalised words with a lower-case letter, in any script that has capitals."""
    return [w for w in _WORDS.findall(text) if w[0].isupper() and any(c.islower() for c in w[1:])]


def _units(article: Article, lex: Lexicon) -> tuple[list[Unit], list[list[str]]]:
    """The article's sentences as units, and each one's tokens (`lex.tokens`).

    A text met again (a repeated line, a short heading-like paragraph) is read once: its
    tokens, terms and bag are shared by its units (none of them is ever changed).
    """
    units: list[Unit] = []
    token_lists: list[list[str]] = []
    english = lex.lang == "en"
    read: dict[str, tuple[list[str], list[str], frozenset[str], int]] = {}
    for pi, para in enumerate(article.paragraphs):
        listed = is_list(para.text)
        for si, sentence in enumerate(para.sentences):
            known = read.get(sentence)
            if known is None:
                toks = lex.tokens(sentence)
                found = lex.terms_of(toks)
                words = len(toks) if english else lex.count_tokens(toks)
                known = read[sentence] = (toks, found, frozenset(found), words)
            toks, found, bag, words = known
            token_lists.append(toks)
            units.append(
                Unit(
                    index=len(units),
                    paragraph=para.number,
                    para_index=pi,
                    in_para=si,
                    text=sentence,
                    terms=found,
                    bag=bag,
                    words=words,
                    features=[],
                    listed=listed,
                )
            )
    return units, token_lists


def _linked(bags: list[frozenset[str]]) -> list[int]:
    """For each sentence, how many others within _WINDOW of it share a fifth of its terms (0 for
    a sentence without terms).

    For a sentence of at most _ANY_SHARED terms a fifth is one term: its count is the
    neighbours not disjoint from it (all of them when they all hold the same terms, as in a
    text that repeats a line). Each pair of longer sentences has its shared terms counted once,
    for both of them.
    """
    n = len(bags)
    least = [0.2 * len(bag) for bag in bags]
    small = [0 < len(bag) <= _ANY_SHARED for bag in bags]
    masks = _bit_masks(bags) if not all(small) else None
    smalls_before = list(itertools.accumulate(small, initial=0))
    linked = [0] * n
    for i, bag in enumerate(bags):
        if not bag:
            continue
        lo, hi = max(0, i - _WINDOW), min(n, i + _WINDOW + 1)
        if small[i]:  # (itself included, then taken off)
            window = bags[lo:hi]
            if bags[lo] is bag and bags[hi - 1] is bag and window.count(bag) == hi - lo:
                linked[i] = hi - lo - 1
            else:
                linked[i] = hi - lo - sum(map(bag.isdisjoint, window)) - 1
            continue
        least_i = least[i]
        if masks is not None:  # (the same counts, as bits)
            mask = masks[i]
            for j in range(i + 1, hi):
                if bags[j]:
                    shared = (mask & masks[j]).bit_count()
                    if shared >= least_i:
                        linked[i] += 1
                    if not small[j] and shared >= least[j]:
                        linked[j] += 1
        else:
            for j in range(i + 1, hi):
                other = bags[j]
                if other:
                    shared = len(bag) if other is bag else len(bag & other)
                    if shared >= least_i:
                        linked[i] += 1
                    if not small[j] and shared >= least[j]:
                        linked[j] += 1
        if smalls_before[i] > smalls_before[lo]:  # shorter sentences before it
            for j in range(lo, i):
                if small[j] and len(bag & bags[j]) >= least_i:
                    linked[i] += 1
    return linked


def _bit_masks(bags: list[frozenset[str]]) -> list[int] | None:
    """Each bag as an int whose bit k is set when it holds the k-th term met, when the bags
    hold at most _MASK_TERMS terms in all (so that each mask is short); else None. Shared
    terms are then counted by `&` and `bit_count` instead of building an intersection."""
    ids: dict[str, int] = {}
    masks: list[int] = []
    for bag in bags:
        mask = 0
        for term in bag:
            k = ids.get(term)
            if k is None:
                if len(ids) >= _MASK_TERMS:
                    return None
                k = ids[term] = len(ids)
            mask |= 1 << k
        masks.append(mask)
    return masks


def analysis(article: Article) -> Analysis:
    """The article's sentences with features and scores (computed once, cached on the article)."""
    cached = article._cache.get(__name__)
    if isinstance(cached, Analysis):
        return cached
    lex = lexicon(language_of(article))
    english = lex.lang == "en"
    units, token_lists = _units(article, lex)
    n = max(len(units), 1)
    structured = len(article.paragraphs) > 1 and not article.passages
    capitalised = _CAPWORD.findall if english else _capitalised_words

    # Each text is read once (see `_units`): its n-grams and names, then what it says
    # whatever its place (`text_features`); its place adds the rest.
    grams_of: dict[str, set[tuple[str, str]]] = {}
    names_of: dict[str, list[str]] = {}
    gram_sets: list[set[tuple[str, str]]] = []
    names: list[list[str]] = []
    for u in units:
        grams = grams_of.get(u.text)
        if grams is None:
            terms = u.terms
            grams = grams_of[u.text] = set(itertools.pairwise(terms))
            names_of[u.text] = capitalised(u.text)[1:]
        gram_sets.append(grams)
        names.append(names_of[u.text])
    # (the same counts, in the same order of first appearance, as one update per sentence)
    tf: Counter[str] = Counter(itertools.chain.from_iterable(u.terms for u in units))
    bigram_df: Counter[tuple[str, str]] = Counter(itertools.chain.from_iterable(gram_sets))
    lead_df: Counter[str] = Counter(itertools.chain.from_iterable(u.bag for u in units[:5]))
    name_tf: Counter[str] = Counter(itertools.chain.from_iterable(names))
    norm = math.sqrt(sum(c * c for c in tf.values()))
    if article.title:
        lead = frozenset(lex.terms(article.title))
    else:
        lead = units[0].bag if units else frozenset()
    top = frozenset(t for t, _ in tf.most_common(10))
    model = WEIGHTS_OTHER
    if english:
        model = WEIGHTS_PARAGRAPHS if structured else WEIGHTS_BLOCK

    # (terms met in the first five sentences, and met there more than once; bigrams met in
    # more than one sentence: integer counts, whatever the order they are taken in)
    in_lead = frozenset(lead_df)
    in_lead_twice = {t for t, c in lead_df.items() if c > 1}
    repeated = {g for g, c in bigram_df.items() if c > 1}
    tf_of, name_of = tf.__getitem__, name_tf.__getitem__

    def text_features(
        u: Unit, found: list[str], grams: set[tuple[str, str]], toks: list[str]
    ) -> tuple[float, ...]:
        """The features that depend on the sentence's text alone (in the article)."""
        text, bag = u.text, u.bag
        # Σ c·(tf - c) over its terms' counts c: Σ tf over its term occurrences, less Σ c²
        # (Σ c² is the number of terms when none repeats)
        if len(bag) == len(u.terms):
            s_square = len(bag)
        else:
            values = Counter(u.terms).values()
            s_square = sum(map(mul, values, values))
        dot = sum(map(tf_of, u.terms)) - s_square
        s_norm = math.sqrt(s_square)
        low = text.lower()
        opens_quote = text.startswith(_QUOTE_OPEN)
        stripped = text.rstrip()
        return (
            math.log(1 + u.words),
            1.0 if u.words < 8 else 0.0,
            1.0 if u.words > 40 else 0.0,
            dot / (s_norm * norm) if s_norm and norm else 0.0,
            len(bag & lead) / len(bag) if bag and lead else 0.0,
            len(bag & in_lead) / len(bag) if bag else 0.0,  # (lead_overlap after the lead)
            len(grams & repeated) / len(grams) if grams else 0.0,
            min(len(bag & top), 4) / 4,
            len(u.terms) / u.words if u.words else 0.0,
            min(len(_NUMBER.findall(text)), 4) / 4,
            min(len(found), 8) / 8,
            sum(map(math.log, map(name_of, found))) / len(found) if found else 0.0,
            1.0 if opens_quote else 0.0,
            1.0 if english and not opens_quote and not _FIRST_PERSON.isdisjoint(toks) else 0.0,
            1.0 if stripped.endswith(" .") else 0.0,
            1.0 if _CAPTION_LABEL.match(text) else 0.0,
            1.0 if _FURNITURE.search(low) else 0.0,
            1.0 if stripped.endswith("?") else 0.0,
            1.0 if english and _ATTRIBUTION.search(low) else 0.0,
            1.0 if english and _ANAPHORIC.match(low) else 0.0,
        )

    read: dict[str, tuple[float, ...]] = {}
    linked = _linked([u.bag for u in units])
    last = len(units)
    for u, found, grams, toks in zip(units, names, gram_sets, token_lists, strict=True):
        i, bag = u.index, u.bag
        known = read.get(u.text)
        if known is None:
            known = read[u.text] = text_features(u, found, grams, toks)
        (
            log_words,
            short,
            long,
            centrality,
            lead_sim,
            lead_overlap,
            bigram_rep,
            keywords,
            density,
            numbers,
            names_share,
            name_freq,
            quote,
            first_person,
            caption,
            label,
            furniture,
            question,
            attribution,
            anaphoric,
        ) = known
        if i < 5:  # in the lead: shared with another lead sentence, itself left out
            lead_overlap = len(bag & in_lead_twice) / len(bag) if bag else 0.0
        lo, hi = max(0, i - _WINDOW), min(last, i + _WINDOW + 1)
        inv_pos = 1.0 / (i + 1)
        u.features = [
            1.0,
            1.0 if i == 0 else 0.0,
            1.0 if i == 1 else 0.0,
            1.0 if i == 2 else 0.0,
            inv_pos,
            i / n,
            1.0 if 3 <= i <= 5 else 0.0,
            1.0 if 6 <= i <= 10 else 0.0,
            1.0 if structured and u.in_para == 0 else 0.0,
            1.0 / (u.para_index + 1) if structured else 0.0,
            log_words,
            short,
            long,
            centrality,
            lead_sim,
            lead_overlap,
            bigram_rep,
            keywords,
            linked[i] / max(hi - lo - 1, 1),
            density,
            numbers,
            names_share,
            name_freq,
            quote,
            first_person,
            caption,
            label,
            furniture,
            question,
            attribution,
            anaphoric,
            centrality * inv_pos,
            log_words * inv_pos,
        ]
        u.score = sum(map(mul, model, u.features))  # (both of length len(FEATURES))
    result = Analysis(units, tf, structured)
    article._cache[__name__] = result
    return result
