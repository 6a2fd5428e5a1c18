"""Key facts: a few compact verbatim sentences that carry the article's concrete content.

A fact is worth what it newly carries: its salience from the learned sentence scorer
(`score.py`), plus the concrete items it brings that no chosen fact carries yet — numbers and
amounts ("$5 billion", "76%", "2016") and names: runs of two or more capitalised words ("Chris
Coleman", "Wall Street Journal"; leading function words are not part of a name, so "For
Anthropic" is not one), and, at a fifth of the weight, a lone capitalised word inside a
sentence ("Trainium"). An item weighs more when the article mentions it early and often.

Facts are chosen greedily by worth per character, so a short sentence dense with figures and
names beats a long one, and a sentence that mostly repeats a chosen fact is skipped. Only a
sentence that brings a new item makes a further fact, so the list ends early rather than fill
up with vague sentences ("None paid enough."); an article with no items at all gets its most
salient sentence (brevity is a virtue of a dense fact, not of a vague one). Candidates are the
sentences `summarize.eligible` allows (no captions, no unattributed quotation fragments), and
one that opens with a pronoun pointing back ("They then took charge...") is taken only when the
sentence before it is a fact too (or shown in the TL;DR), or when nothing else is left. Facts
are returned in article order, each with its paragraph number, so such a fact follows the one
it leans on.

`exclude` names sentences the reader already sees next to the facts (`analyze` passes the
TL;DR, so the digest never shows a sentence twice). None of them is returned, the numbers and
names they carry count as already told, and a sentence that mostly repeats one of them is
skipped, so the facts add to what is excluded. In a short article that can leave fewer facts,
or none when the excluded sentences hold every sentence worth a fact: the digest then shows
the key number once, in its TL;DR, rather than twice.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Collection

from .chars import WORD
from .language import language_of
from .lexicon import STOP_WORDS, lexicon
from .model import Article, Fact
from .score import Unit, analysis, overlap
from .summarize import eligible_of, leans_back, squashed

__all__ = ["key_facts"]

_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d+(?:[.,]\d+)*")  # "1943年": digits glued to Han count
_WORDS = re.compile(f"{WORD}(?:['’-]{WORD})*")
_CAPS = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*)*")
_OPENERS = " \t\"'“‘(["
_SINGLE_WEIGHT = 0.2  # a lone capitalised word is weaker evidence of a name than a run
_POSSESSIVE = re.compile(r"['’]s?$")

_SALIENCE = 1.0  # weight of the scorer's probability against one new early item
_EARLY = 3.0  # an item first met at sentence i weighs 1 / (1 + i / _EARLY) ...
_OFTEN = 0.3  # ... plus _OFTEN * log(mentions)
_CHARS = 150.0  # worth is divided by len(text) / _CHARS
_REDUNDANT = 0.5


def items(text: str, lang: str | None = "en") -> set[str]:
    """The numbers and names in `text`: runs of capitalised words, without leading function
    words ("For Anthropic" is "Anthropic"). A lone capitalised word is a name only inside the
    sentence (its first word is capitalised anyway); it is marked with a leading "~". In
    scripts without capitals (Chinese, Arabic, Hindi...) the numbers are the items."""
    found = {m.group().rstrip(".,") for m in _NUMBER.finditer(text)}
    if lang == "en":
        runs = [(m.start(), m.group().split()) for m in _CAPS.finditer(text)]
        stop = STOP_WORDS
    else:
        runs = _capitalised_runs(text)
        stop = lexicon(lang).stop_words
    opening = len(text) - len(text.lstrip(_OPENERS))  # where the sentence's first word starts
    for start, words in runs:
        at_start = start <= opening
        while words and words[0].lower() in stop:
            words.pop(0)
            at_start = False
        if len(words) > 1:
            found.add(_POSSESSIVE.sub("", " ".join(words)))
        elif words and not at_start:
            found.add("~" + _POSSESSIVE.sub("", words[0]))
    return found


def _capitalised_runs(text: str) -> list[tuple[int, list[str]]]:
    """Runs of capitalised words separated by spaces, in any script with capital letters."""
    runs: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = end = 0
    for m in _WORDS.finditer(text):
        word = m.group()
        if word[0].isupper():
            if current and text[end : m.start()].strip(" \t") == "":
                current.append(word)
            else:
                if current:
                    runs.append((start, current))
                current, start = [word], m.start()
            end = m.end()
        elif current:
            runs.append((start, current))
            current = []
    if current:
        runs.append((start, current))
    return runs


def key_facts(article: Article, *, limit: int = 5, exclude: Collection[str] = ()) -> list[Fact]:
    """Up to `limit` facts of `article` (see the module docstring), in article order; none of
    them is a sentence in `exclude`, nor mostly repeats one."""
    if limit <= 0:
        return []
    units: list[Unit] = eligible_of(analysis(article))
    shown = {" ".join(text.split()) for text in exclude}
    known = [j for j, u in enumerate(units) if shown and squashed(u.text) in shown]
    lang = language_of(article)
    read: dict[str, set[str]] = {}  # (a text met again is read once; its set is only read)
    carried = []
    for u in units:
        found = read.get(u.text)
        if found is None:
            found = read[u.text] = items(u.text, lang)
        carried.append(found)
    first: dict[str, int] = {}
    mentions: dict[str, int] = {}
    for position, found in enumerate(carried):
        for item in found:
            first.setdefault(item, position)
            mentions[item] = mentions.get(item, 0) + 1
    weight = {
        item: (1.0 / (1.0 + first[item] / _EARLY) + _OFTEN * math.log(mentions[item]))
        * (_SINGLE_WEIGHT if item[0] == "~" else 1.0)
        for item in first
    }
    salience = [1.0 / (1.0 + math.exp(-max(min(u.score, 30.0), -30.0))) for u in units]
    weight_of = weight.__getitem__
    salient = [_SALIENCE * x for x in salience]  # (the same products, once per sentence)
    sizes = [max(len(u.text), 1) for u in units]

    back = [leans_back(u) for u in units]
    place = {u.index: j for j, u in enumerate(units)}
    before = [place.get(u.index - 1, -1) for u in units]
    chosen: list[int] = []
    taken: set[int] = set(known)
    known_set = frozenset(known)
    known_bags = list(dict.fromkeys(units[k].bag for k in known))  # a repeated sentence once
    covered: set[str] = set().union(*(carried[j] for j in known))
    texts: set[str] = set()
    turns = limit * 10  # a bound: skipped repeats also take a turn
    while turns > 0 and len(chosen) < limit:
        # Each sentence's value until the next fact is chosen (it depends on `covered` and
        # `chosen` only), best first (ties: the earlier sentence): a skipped repeat costs a
        # pop, not another pass over the article.
        ranked: list[tuple[float, int]] = []
        for j in range(len(units)):
            if j in taken:
                continue
            new = carried[j] - covered
            if new:
                gain = salient[j] + sum(map(weight_of, new))
                value = gain * _CHARS / sizes[j]
            elif chosen:
                continue  # once there are facts, only a new item makes another
            else:  # an article without items: its most salient sentence, not its shortest
                value = salient[j] * _CHARS / max(len(units[j].text), _CHARS)
            if back[j] and before[j] not in chosen and before[j] not in known_set:
                value = 0.0  # "They then took charge...": only after its antecedent, or last
            ranked.append((-value, j))
        heapq.heapify(ranked)
        best = -1
        while ranked and turns > 0:
            turns -= 1
            j = heapq.heappop(ranked)[1]
            taken.add(j)
            u = units[j]
            key = squashed(u.text)
            if (
                key in texts
                or any(overlap(u.bag, units[c].bag) > _REDUNDANT for c in chosen)
                or any(overlap(u.bag, bag) > _REDUNDANT for bag in known_bags)
            ):
                continue  # it repeats a chosen fact or an excluded sentence
            best = j
            break
        if best < 0:
            break
        texts.add(" ".join(units[best].text.split()))
        chosen.append(best)
        covered |= carried[best]
    return [Fact(units[j].text, units[j].paragraph) for j in sorted(chosen)]
