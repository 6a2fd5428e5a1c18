"""Extractive summaries: a TL;DR and a short summary of every section, all verbatim sentences.

Sentences are scored once per article by the learned scorer in `score.py`. The TL;DR takes the
best-scoring sentences of the whole article, skipping any that mostly repeat one already taken,
and returns them in article order. Its length is at most `max_sentences` and at most a third of
the article's sentences (rounded up), so a short article is not padded with all it has.

Lead prior: in a text with paragraphs, the TL;DR (and the summary of the section that holds
it) always opens with the article's lead, the first sentence of its first paragraph, when that
sentence reads as a lede: a statement of six words or more ending in a full stop, not a
question or exclamation, not a quotation, a caption or a "Label: ..." line. Readers expect the
opening claim of a news or analysis piece in its TL;DR. The scorer for texts with paragraphs
cannot learn this from its training data: it is fitted to three-sentence ROUGE oracles
against long extractive references, which favour long sentences, so it picked the lead of only
47% of BBC articles although 74% of the references hold it. The prior costs about 1.5 ROUGE
points on BBC (still well above LexRank; see `benchmarks/train_scorer.py`). Single-block texts
keep their scorer's own judgement: it picks the lead of 85% of CNN/DailyMail articles, and
those it leaves out are mostly teasers ("Living under ISIS.").

What a summary quotes must read whole on its own (`eligible`): no page furniture, photo
captions or bylines, no line that leads into what follows (": "), no piece of a sentence (one
that starts in lower case or stops on "as"), no piece of a quotation whose speaker is named in
another sentence; and a sentence that opens with a pronoun pointing back
("They now run...") or an item of a list is taken only when better ones run out (`pick`).

Sections: each section of the article (under a heading, or the run before the first heading,
or a whole article without headings) is cut into coherent runs of at least two paragraphs, and
each run is one summary section: first at topic shifts, where neighbouring paragraphs share few
content words (cosine of their stemmed word sets under 0.06, about one news paragraph break in
ten) and both sides keep 80 words; then any run over 500 words is halved at its weakest link,
away from its ends. A short section stays whole. No run starts with a paragraph that leans on
the one before it (`tied`: after a lead-in ending in ":", or opening with "They", in lower case,
or with the rest of a quotation). Each section gets 1 to 3 sentences, about one per 120 words
and at most half its sentences (rounded up), chosen among those the TL;DR does not already
quote: a section summarises what the TL;DR did not cover, and a section whose every sentence
worth quoting is in the TL;DR has none of its own (the digest says it is covered above).
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import re
from collections.abc import Sequence

from .language import language_of
from .lexicon import STOP_WORDS
from .model import Article, Paragraph, SectionSummary, Summary
from .parse import is_furniture
from .score import FEATURES, Analysis, Unit, analysis, overlap

__all__ = [
    "candidates",
    "eligible",
    "leans_back",
    "lede",
    "pick",
    "quote_fragment",
    "runs",
    "stands_alone",
    "summarize",
    "tied",
]

_REDUNDANT = 0.6  # a sentence sharing this share of its terms with a chosen one is skipped
_WORDS_PER_SENTENCE = 120
_RUN_WORDS = 250
_MIN_RUN_WORDS = 80  # topic shifts cut runs down to this size, not below
_TOPIC_SHIFT = 0.06  # neighbouring paragraphs this dissimilar start a new run (~1 gap in 10)
_LEDE_WORDS = 6  # a lead sentence shorter than this is a teaser, not a lede
_FULL_STOPS = (".", "。", "．", "।", "۔")  # a statement's end, in the scripts that differ
_DOUBLE_OPEN = '"“„«'
_DOUBLE_CLOSE = '"”»'
_SINGLE_OPEN = "'‘"
_SINGLE_CLOSE = "'’"
_SINGLE_OPENING = re.compile(r"(?:^|(?<=[\s(\[—–-]))['‘](?=\w)")
_UTTERANCE_END = ".,!?…—-"
_PICTURE = re.compile(
    r"\((?:(?:far |second |top |bottom |centre |center )?"
    r"(?:left|right|above|below|centre|center|top|bottom|inset|front|back|l|r)"
    r"|[^()]{0,40}\b(?:pictured|picture|photo|photographed|image)\b[^()]{0,40})\)"
    r"|^(?:pictured|above|below|inset|left|right|top|bottom)\b\s*:",
    re.IGNORECASE,
)
# Openers that point back to the sentence before; "he"/"she" usually name the article's subject,
# whom the TL;DR's lead introduces, so they are left to the scorer.
_POINTS_BACK = re.compile(
    r"""(?:["'“‘(]\s*)?(?:they|it|this|these|those|such|both)\b(?!['’])""", re.I
)
_TERM_WORDS = 6  # a single-quoted stretch this short without end punctuation is a term
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|according to|added|adds|explained|explains|asked|asks|"
    r"insisted|insists|warned|warns|wrote|writes|claimed|claims|admitted|admits|argued|argues|"
    r"replied|replies|recalled|recalls|noted|notes|stated|states|continued|declared|announced|"
    r"revealed|reveals|joked|confirmed|commented|remarked|conceded|suggested|urged|whispered)\b",
    re.IGNORECASE,
)


def _closing(text: str, start: int, marks: str, single: bool) -> int:
    """Index of the first closing quotation mark in `marks` at or after `start`, else -1.

    A single mark closes only after a word and before a non-letter ("didn't" does not close),
    and, unless it ends an utterance (`,'`), only a short quoted term: after a longer stretch
    it is a plural possessive ("the Prostitutes' Rights sheet").
    """
    for i in range(start, len(text)):
        if text[i] not in marks:
            continue
        if not single:
            return i
        after_word = i > start and not text[i - 1].isspace()
        if (
            after_word
            and not text[i + 1 : i + 2].isalnum()
            and (text[i - 1] in _UTTERANCE_END or len(text[start:i].split()) <= _TERM_WORDS)
        ):
            return i
    return -1


def quote_fragment(text: str) -> bool:
    """Whether `text` is part of a quotation that does not name its speaker.

    Two shapes: a sentence that opens a quotation and either never closes it (the quote runs
    on into the next sentence) or closes an utterance (`,"` `."`) with no "said" or the like
    after it; and the last sentence of a quotation opened in an earlier one (it ends with a
    closing mark and opens none). A quoted title ("Star Wars" fans...) is not an utterance.
    """
    body = text.rstrip(" .") if text.endswith(" .") else text.rstrip()
    if not body:
        return False
    first = body[0]
    if first in _DOUBLE_OPEN or (first in _SINGLE_OPEN and body[1:2].isalnum()):
        single = first in _SINGLE_OPEN
        end = _closing(body, 1, _SINGLE_CLOSE if single else _DOUBLE_CLOSE, single)
        if end < 0:
            return True
        if body[end - 1] not in _UTTERANCE_END:
            return False  # a quoted title or term, not speech
        return not _ATTRIBUTION.search(body[end + 1 :])
    if body[-1] in _DOUBLE_CLOSE + _SINGLE_CLOSE and body[-2:-1] in _UTTERANCE_END:
        opened = any(c in _DOUBLE_OPEN for c in body[:-1]) or bool(_SINGLE_OPENING.search(body))
        return not opened
    return False


def _caption(text: str) -> bool:
    """A photo caption or byline: it ends in a detached " ." and has no full stop of its own,
    or it points at a picture the reader of a digest does not see ("Falcao (right)",
    "Pictured: ...")."""
    if _PICTURE.search(text):
        return True
    if not text.endswith(" ."):
        return False
    body = text[:-2].rstrip().rstrip("\"'”’)]")
    return not body.endswith((".", "!", "?", "…"))


def _cut(u: Unit) -> bool:
    """A piece of a sentence: it starts in lower case ("delivered a powerful performance...",
    where a scraper dropped the name before it) or stops on a function word without end
    punctuation ("...went to form in Sheffield as"). List items are exempt."""
    if u.listed:
        return False
    text = u.text
    first = text.split(None, 1)[0]
    if first[0].islower() and first.islower():
        return True
    last = text.rsplit(None, 1)[-1]
    return last.isalpha() and last.lower() in STOP_WORDS


def stands_alone(u: Unit) -> bool:
    """Whether a sentence reads whole when quoted alone: not a photo caption or byline, not a
    line that leads into what follows (ends with ":" or ","), not a piece of a sentence, not a
    quotation fragment."""
    text = u.text.rstrip()
    return not (_caption(text) or text.endswith((":", ",", ";")) or _cut(u) or quote_fragment(text))


def candidates(units: Sequence[Unit]) -> list[Unit]:
    """Sentences with content: not page furniture, not bare fragments (what the scorer is
    trained on; see `benchmarks/train_scorer.py`)."""
    furniture: dict[str, bool] = {}  # (a text met again is looked at once)
    good = []
    for u in units:
        if u.words >= 3:
            found = furniture.get(u.text)
            if found is None:
                found = furniture[u.text] = is_furniture(u.text.rstrip(" ."))
            if not found:
                good.append(u)
    return good or [u for u in units if u.words] or list(units)


def eligible(units: Sequence[Unit]) -> list[Unit]:
    """Sentences that may be quoted as a summary or a fact: `candidates` that stand alone
    (`stands_alone`), unless none of the article's does."""
    good = candidates(units)
    alone: dict[tuple[str, bool], bool] = {}  # (it depends on the text and `listed` alone)
    out = []
    for u in good:
        found = alone.get((u.text, u.listed))
        if found is None:
            found = alone[u.text, u.listed] = stands_alone(u)
        if found:
            out.append(u)
    return out or good


def eligible_of(found: Analysis) -> list[Unit]:
    """`eligible(found.units)`, computed once per article (summaries and facts both ask)."""
    if found.eligible is None:
        found.eligible = eligible(found.units)
    return found.eligible


# Texts already looked at, for the tests that depend on a sentence's text alone (a hostile
# text repeats one line many times); emptied when they grow past _MEMO_LIMIT.
_MEMO_LIMIT = 50_000
_POINTING_BACK: dict[str, bool] = {}
_SQUASHED: dict[str, str] = {}


def _points_back(text: str) -> bool:
    found = _POINTING_BACK.get(text)
    if found is None:
        if len(_POINTING_BACK) >= _MEMO_LIMIT:
            _POINTING_BACK.clear()
        found = _POINTING_BACK[text] = bool(_POINTS_BACK.match(text))
    return found


def squashed(text: str) -> str:
    """`text` with its white space runs made single spaces, stripped (how repeats are told)."""
    found = _SQUASHED.get(text)
    if found is None:
        if len(_SQUASHED) >= _MEMO_LIMIT:
            _SQUASHED.clear()
        found = _SQUASHED[text] = " ".join(text.split())
    return found


def leans_back(u: Unit) -> bool:
    """Whether the sentence opens with a pronoun that needs the sentence before it."""
    return u.index > 0 and _points_back(u.text)


def lede(units: Sequence[Unit], structured: bool) -> Unit | None:
    """The article's lead sentence when the lead prior applies to it (see the module docstring)."""
    if not structured or not units:
        return None
    u = units[0]
    text = u.text.rstrip("\"'”’)]")
    f = dict(zip(FEATURES, u.features, strict=True))
    if (
        u.in_para != 0
        or u.words < _LEDE_WORDS
        or not text.endswith(_FULL_STOPS)
        or text.endswith((" .", "..."))
        or f["quote"]
        or f["label"]
        or f["furniture"]
    ):
        return None
    return u


def pick(
    units: Sequence[Unit],
    k: int,
    scores: Sequence[float] | None = None,
    *,
    first: Unit | None = None,
) -> list[Unit]:
    """The `k` best units by score (default: their own), without near-repeats, in text order.

    `first`, when given (and among `units`), is taken before any other. A sentence that opens
    with a pronoun pointing back ("They now run...", "This means...") and an item of a list are
    taken only after all others: quoted alone they do not say what they are about.
    """
    if k <= 0 or not units:
        return []
    values = [u.score for u in units] if scores is None else list(scores)
    back = [u.listed or leans_back(u) for u in units]
    order = sorted(
        range(len(units)),
        key=lambda j: (units[j] is not first, back[j], -values[j], units[j].index),
    )
    chosen: list[Unit] = []
    seen: set[str] = set()
    for j in order:
        u = units[j]
        key = squashed(u.text)
        if key in seen or any(overlap(u.bag, c.bag) > _REDUNDANT for c in chosen):
            continue
        chosen.append(u)
        seen.add(key)
        if len(chosen) == k:
            break
    return sorted(chosen, key=lambda u: u.index)


def tldr_length(n_sentences: int, max_sentences: int) -> int:
    return max(0, min(max_sentences, math.ceil(n_sentences / 3)))


def tied(units: Sequence[Unit]) -> frozenset[int]:
    """Numbers of the paragraphs that lean on the paragraph before them, so that no run may
    start with them: the one before ends with a lead-in (":"), or they open with a pronoun
    pointing back, in lower case, or with a quotation whose speaker came before."""
    first: dict[int, Unit] = {}
    last: dict[int, Unit] = {}
    for u in units:
        first.setdefault(u.paragraph, u)
        last[u.paragraph] = u
    out = set()
    opening = _DOUBLE_OPEN + _SINGLE_OPEN
    for number, u in first.items():
        before = last.get(number - 1)
        if before is None:
            continue
        if (
            before.text.rstrip().endswith(":")
            or leans_back(u)
            or (u.text[:1].islower() and not u.listed)
            or (u.text[:1] in opening and quote_fragment(u.text))
        ):
            out.add(number)
    return frozenset(out)


def runs(
    paragraphs: list[Paragraph],
    bags: dict[int, frozenset[str]],
    ties: frozenset[int] = frozenset(),
    words_of: dict[int, int] | None = None,
) -> list[list[Paragraph]]:
    """Cut heading-less paragraphs into coherent runs (see the module docstring); never
    before a paragraph in `ties` (see `tied`)."""
    m = len(paragraphs)
    if m < 4:
        return [paragraphs]
    if words_of is None:
        sizes = [len(p.text.split()) for p in paragraphs]
    else:  # words as the sentence analysis counts them (in every script)
        sizes = [words_of.get(p.number, 0) for p in paragraphs]
    before = list(itertools.accumulate(sizes, initial=0))  # words before paragraph i
    numbers = [p.number for p in paragraphs]
    own = [bags[number] for number in numbers]
    similarity: dict[int, float] = {}  # cosine of neighbouring paragraphs' word sets
    for g in range(1, m):
        if numbers[g] not in ties:
            x, y = own[g - 1], own[g]
            similarity[g] = len(x & y) / math.sqrt(len(x) * len(y)) if x and y else 0.0

    def words(a: int, b: int) -> int:
        return before[b] - before[a]

    # Topic shifts first, most abrupt first, keeping runs of two paragraphs and 80 words.
    cuts: list[int] = []
    for g, value in sorted(similarity.items(), key=operator.itemgetter(1, 0)):
        if value >= _TOPIC_SHIFT:
            break
        at = bisect.bisect(cuts, g)
        left = cuts[at - 1] if at else 0
        right = cuts[at] if at < len(cuts) else m
        if (
            g - left >= 2
            and right - g >= 2
            and before[g] - before[left] >= _MIN_RUN_WORDS
            and before[right] - before[g] >= _MIN_RUN_WORDS
        ):
            cuts.insert(at, g)
    # Then halve long runs at their weakest link, away from their ends: the least similar
    # link, of those leaving a quarter of the run's words on each side, nearest the middle
    # (the first of two as near).
    similar_at = [similarity.get(g) for g in range(m)]  # None before a tied paragraph
    edges = [0, *cuts, m]
    out: list[tuple[int, int]] = []
    pending = list(itertools.pairwise(edges))
    while pending:
        a, b = pending.pop()
        total = words(a, b)
        if total <= 2 * _RUN_WORDS:
            out.append((a, b))
            continue
        # the links g with 4 * words(a, g) >= total and 4 * words(g, b) >= total (words
        # before g grow with g: a range)
        quarter = -(-total // 4)
        lo = max(a + 2, bisect.bisect_left(before, before[a] + quarter))
        hi = min(b - 1, bisect.bisect_right(before, before[b] - quarter))
        inner = [g for g in range(lo, hi) if similar_at[g] is not None]
        if not inner:
            out.append((a, b))
            continue
        values = [similarity[g] for g in inner]
        lowest = min(values)
        weakest = [g for g, x in zip(inner, values, strict=True) if x == lowest]
        g = _nearest_middle(weakest, before, a, total)
        pending += [(a, g), (g, b)]
    return [paragraphs[a:b] for a, b in sorted(out)]


def _nearest_middle(links: list[int], before: list[int], a: int, total: int) -> int:
    """Of `links` (ascending), the one whose words before it (from `a`) are nearest half of
    `total`, the first of those as near: `min(links, key=lambda g: abs(2 * (before[g] -
    before[a]) - total))`, found by bisection (that distance falls, then rises)."""
    at = [before[g] for g in links]
    r = bisect.bisect_left(at, before[a] + (total + 1) // 2)  # the first at or past the middle
    if r == 0:
        return links[0]
    left = bisect.bisect_left(at, at[r - 1])  # the first of those as near on the left
    if r == len(at):
        return links[left]
    below = total - 2 * (at[left] - before[a])
    above = 2 * (at[r] - before[a]) - total
    return links[left] if below <= above else links[r]


def summarize(article: Article, *, max_sentences: int = 3) -> Summary:
    """TL;DR and section summaries of `article` (see the module docstring)."""
    found = analysis(article)
    units = found.units
    candidates = eligible_of(found)
    lead = lede(candidates, found.structured)
    k = tldr_length(len(candidates), max_sentences)
    chosen = pick(candidates, k, first=lead)
    tldr = [u.text for u in chosen]
    said = {squashed(u.text) for u in chosen}

    by_paragraph: dict[int, list[Unit]] = {}
    for u in candidates:
        by_paragraph.setdefault(u.paragraph, []).append(u)
    everything: dict[int, list[Unit]] = {}
    for u in units:
        everything.setdefault(u.paragraph, []).append(u)
    vocab: dict[int, set[str]] = {}
    for u in units:
        vocab.setdefault(u.paragraph, set()).update(u.bag)
    bags = {number: frozenset(found) for number, found in vocab.items()}

    ties = tied(units)
    words_of: dict[int, int] | None = None
    if language_of(article) != "en":  # p.text.split() does not count words in every script
        words_of = {n: sum(u.words for u in us) for n, us in everything.items()}
    sections: list[SectionSummary] = []
    for section in article.sections:
        for group in runs(section.paragraphs, bags, ties, words_of):
            whole = [u for p in group for u in by_paragraph.get(p.number, [])]
            whole = whole or [u for p in group for u in everything.get(p.number, [])]
            words = sum(u.words for u in whole)
            k = min(3, max(1, round(words / _WORDS_PER_SENTENCE)), math.ceil(len(whole) / 2))
            # what the TL;DR (or a section before) did not already say: never a sentence twice
            pool = [u for u in whole if squashed(u.text) not in said]
            picked = pick(pool, k)
            said.update(squashed(u.text) for u in picked)
            sections.append(
                SectionSummary(
                    heading=section.heading,
                    sentences=[u.text for u in picked],
                    paragraphs=[p.number for p in group],
                    sentence_paragraphs=[u.paragraph for u in picked],
                )
            )
    return Summary(tldr=tldr, sections=sections, tldr_paragraphs=[u.paragraph for u in chosen])
