"""Walls of text into readable passages: where a text gives no paragraph breaks, make some.

A moderator who pastes an article into a slash command's `text:` option, or copies one from a
page that loses its line breaks, gives the engine one long line. Quoting that "paragraph" whole
answers every question with the whole article. So a block longer than `MAX_PASSAGE` characters
is divided into passages of a few sentences, numbered and quoted like paragraphs:

- **Never mid-sentence**: passages are runs of the block's sentences (verbatim slices of it).
- **At topic shifts where the text shows one**: each gap between sentences gets a cohesion
  score, the cosine between the content terms of the three sentences before it and the three
  after it, each term counted once per sentence (a TextTiling-like window); cutting at a gap
  costs its cohesion, so low-cohesion gaps are preferred; so does cutting before a sentence
  that opens by referring back ("He said", "However,": `refers_back`, English so far).
- **A bounded length**: a passage aims at `TARGET` characters and holds at most `MAX_PASSAGE`
  (a single longer sentence is a passage by itself); every passage but a lone one holds two
  sentences or more. Each passage costs the squared relative distance of its length from the
  target, so lengths stay even where cohesion says nothing.

The cuts are chosen by dynamic programming over sentences, each passage spanning at most
`MAX_SENTENCES` of them: linear in the number of sentences.

`leading_heading` recognises a heading glued onto the first sentence of such a block ("Detailed
Analysis Anthropic and Amazon formalized..."), only where the evidence is clear: a run of two to
ten title-cased words at the very start, followed by a word that begins a sentence — a
capitalised word the text uses again later (a name: "Anthropic") or a usual sentence opener
("The") — and then a lower-case word, with no word of the run recurring in the rest of the text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

__all__ = ["MAX_PASSAGE", "TARGET", "divide", "leading_heading", "refers_back"]

TARGET = 600  # characters a passage aims at (about four news sentences, a Wikipedia paragraph)
MAX_PASSAGE = 900  # characters a passage of several sentences may hold
MAX_SENTENCES = 12  # sentences a passage may span (bounds the search)
_COHESION = 3.0  # weight of a cut gap's cohesion against one unit of length cost
_WINDOW = 3  # sentences on each side of a gap that its cohesion compares
_REFERS_BACK = 1.0  # cost of cutting before a sentence that opens by referring back

# Words that open a sentence continuing the one before ("He said...", "However, ..."): a cut
# before them separates a statement from its subject. Per language; English only so far.
_BACK_REFERENCES: dict[str | None, frozenset[str]] = {
    "en": frozenset(
        {
            "he",
            "she",
            "it",
            "they",
            "this",
            "these",
            "those",
            "however",
            "but",
            "also",
            "his",
            "her",
            "its",
            "their",
            "such",
            "there",
            "then",
            "thus",
            "moreover",
            "furthermore",
            "although",
            "yet",
            "instead",
            "meanwhile",
            "later",
            "after",
        }
    ),
}


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    shared = sum(count * b[t] for t, count in a.items() if t in b)
    if not shared:
        return 0.0
    norm = math.sqrt(sum(c * c for c in a.values()) * sum(c * c for c in b.values()))
    return shared / norm


def refers_back(sentence: str, language: str | None) -> bool:
    """Whether `sentence` opens with a word that refers to what came before (see
    `_BACK_REFERENCES`); never in a language without a list."""
    words = _BACK_REFERENCES.get(language)
    if not words:
        return False
    first = sentence[:40].split(maxsplit=1)
    return bool(first) and first[0].strip(",;:\"'“‘").lower() in words


def divide(
    sentences: Sequence[str],
    terms: Sequence[Sequence[str]],
    continues: Sequence[bool] | None = None,
) -> list[int]:
    """Start indexes of the passages `sentences` are cut into (the first is 0); `terms` are
    each sentence's content terms (for cohesion); `continues[i]` says that sentence i refers back
    to the one before (`refers_back`), which makes a cut before it cost more."""
    n = len(sentences)
    if n <= 1 or sum(len(s) + 1 for s in sentences) <= MAX_PASSAGE:
        return [0]
    lengths = [len(s) + 1 for s in sentences]
    before = [0]
    for size in lengths:
        before.append(before[-1] + size)
    bags = [set(t) for t in terms]
    # cohesion of the gap before sentence g: the window before it against the window after it,
    # each a count of the sentences that hold each term
    cohesion = [0.0] * (n + 1)
    for g in range(1, n):
        left: Counter[str] = Counter()
        right: Counter[str] = Counter()
        for k in range(max(0, g - _WINDOW), g):
            left.update(bags[k])
        for k in range(g, min(n, g + _WINDOW)):
            right.update(bags[k])
        cohesion[g] = _cosine(left, right)
    inf = float("inf")
    best = [inf] * (n + 1)  # best[j]: cost of cutting sentences[:j] into passages
    back = [0] * (n + 1)
    best[0] = 0.0
    for j in range(1, n + 1):
        for i in range(max(0, j - MAX_SENTENCES), j):
            if best[i] == inf:
                continue
            chars = before[j] - before[i]
            count = j - i
            if count > 1 and chars > MAX_PASSAGE:
                continue  # too long (a single long sentence is allowed alone)
            if count == 1 and i > 0 and j < n and chars < TARGET:
                continue  # a lone short sentence is not a passage, except at an end
            cost = best[i] + ((chars - TARGET) / TARGET) ** 2
            if i > 0:
                cost += _COHESION * cohesion[i]
                if continues is not None and continues[i]:
                    cost += _REFERS_BACK
            if cost < best[j]:
                best[j], back[j] = cost, i
    if best[n] == inf:  # nothing fits the rules: fall back to passages filled up to the bound
        return _greedy(lengths)
    starts = []
    j = n
    while j > 0:
        starts.append(back[j])
        j = back[j]
    return sorted(starts)


def _greedy(lengths: list[int]) -> list[int]:
    starts = [0]
    chars = 0
    for k, size in enumerate(lengths):
        if chars and chars + size > MAX_PASSAGE:
            starts.append(k)
            chars = 0
        chars += size
    return starts


_TITLE_WORD = re.compile(r"[A-Z][\w'’&-]*|[0-9][\w'’-]*")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# words a title-cased heading may hold in lower case
_SMALL = _set("a an and as at but by for from in of on or the to vs with via & -")
_OPENERS = _set(
    "the a an this that these those in on at after before when while as for it he she they we "
    "i but and yet so if although according"
)


def leading_heading(text: str) -> int:
    """The length of a heading glued onto the start of `text` (see the module docstring), or 0."""
    words = list(re.finditer(r"\S+", text[:400]))
    if len(words) < 4:
        return 0
    run = 0  # title-cased words from the start (small words allowed inside)
    for m in words:
        w = m.group()
        if _TITLE_WORD.fullmatch(w.strip(",:")) or (run and w.lower() in _SMALL):
            run += 1
            continue
        break
    if run < 3 or run >= len(words):
        return 0
    # the heading ends before the capitalised word that starts the sentence
    for split in range(min(run - 1, 10), 1, -1):
        head = words[:split]
        opener = words[split].group()
        if head[-1].group().lower() in _SMALL or not opener[:1].isupper():
            continue
        if head[-1].group().endswith((",", ";")):
            return 0  # "New Delhi, India (CNN) ...": a dateline, not a heading
        if opener.lower() in _OPENERS or _recurs(opener, text[words[split].end() :]):
            later = text[words[split].start() :]
            if any(_recurs(h.group(), later) for h in head if h.group().lower() not in _SMALL):
                return 0  # a heading word the text goes on using: probably part of the sentence
            return head[-1].end()
    return 0


def _recurs(word: str, text: str) -> bool:
    """Whether `word` (a capitalised word) occurs again in `text`, as a word."""
    word = word.strip(",:.;'’\"")
    if len(word) < 3:
        return False
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None
