"""Hostile input: every engine path stays linear in its input.

The plain tests are regressions, each on an input where the old quadratic (or worse) code
took tens of seconds or ran out of memory and the linear code takes milliseconds; the timeout
(pytest-timeout, which interrupts a running regular expression too) turns a regression into a
clear failure instead of a hung suite. Sizes and times: `benchmarks/adversarial.py`.
"""

from __future__ import annotations

import pytest

from bot.article import find_passages, parse
from bot.article.retrieve_index import FUZZY_MAX, Index
from bot.article.text import split_sentences

# Inputs where the old code took 20 s or more and the linear code well under a second.
_SLOW = 10


@pytest.mark.timeout(_SLOW)
@pytest.mark.parametrize("mark", ["?", "!", ".", "…", "?!", ". ", "!…?"])
def test_runs_of_end_marks_split_in_linear_time(mark: str) -> None:
    text = mark * (40_000 // len(mark))  # the old pattern backtracked: ~35 s for "?" here
    sentences = split_sentences(text)
    assert "".join(sentences).replace(" ", "") == text.replace(" ", "")


@pytest.mark.timeout(_SLOW)
@pytest.mark.parametrize("word", ["Mr. ", "U.S. ", "e.g. ", "No. ", "A. ", "Inc. "])
def test_abbreviation_runs_split_in_linear_time(word: str) -> None:
    # one sentence that never ends: the old code sliced it whole at every abbreviation
    text = word * (1_000_000 // len(word))
    sentences = split_sentences(text)
    assert sentences
    assert sum(len(s) for s in sentences) >= len(text.strip()) - len(sentences)


@pytest.mark.timeout(_SLOW)
def test_one_huge_token_splits_in_linear_time() -> None:
    text = "A" * 1_000_000  # run-on pieces: the old dateline pattern rescanned the rest each time
    assert "".join(split_sentences(text)) == text


def test_the_fuzzy_table_is_linear_in_the_article() -> None:
    text = "Earnings grew strongly this year. " + "a" * 3000
    idx = Index(parse(text))
    assert "earn" in idx.near("earn")  # terms are stems
    assert idx.nearby is not None
    size = sum(len(k) + len(v) for k, v in idx.nearby.items())
    assert size < 20 * len(text)  # the old table held 3,001 variants of 3,000 letters


def test_long_terms_are_never_fuzzy() -> None:
    word = "b" * (FUZZY_MAX + 1)
    idx = Index(parse(f"The {word} grew. The {word[:-1]} grew."))
    assert idx.near(word) == []
    assert idx.near(word[:-1]) == [word[:-1]]
    assert idx.near(word[:-2]) == [word[:-1]]  # one letter short: still one edit away


@pytest.mark.timeout(_SLOW)
def test_a_long_word_does_not_slow_questions() -> None:
    article = parse("Earnings grew strongly this year.\n\n" + "a" * 6000)  # old: ~30 s
    for _ in range(20):
        found = find_passages(article, "what about earnings growth")
        assert [p.paragraph for p in found] in ([], [1])
