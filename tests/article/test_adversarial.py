"""Hostile input: every engine path stays linear in its input.

The plain tests are regressions: each runs an input on which the old quadratic (or worse) code
spent from 20 s to hours of CPU, or ran out of memory, and the linear code well under a second,
under a CPU-time limit (`tests.cpu.cpu_limit`, steady on a busy machine, unlike a wall clock).
The property test repeats small random units (runs of marks, abbreviations, markup, scripts,
invisible characters) to 8-24 KB: a path that turns quadratic again fails it. Times and memory
at 64-512 KB: `benchmarks/adversarial.py`.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article import Article, Paragraph, find_passages, key_facts, parse, summarize
from bot.article.retrieve_index import FUZZY_MAX, Index
from bot.article.text import split_sentences
from tests.cpu import cpu_limit

LIMIT = 5.0  # seconds of CPU: the linear code needs a tenth of it, the old code 4 to 1,000 times


@pytest.mark.parametrize("mark", ["?", "!", ".", "…", "?!", "!…?"])
def test_runs_of_end_marks_split_in_linear_time(mark: str) -> None:
    text = mark * (200_000 // len(mark))  # a pattern that backtracks: ~35 s for 40,000 marks
    with cpu_limit(LIMIT):
        sentences = split_sentences(text)
    assert "".join(sentences) == text


@pytest.mark.parametrize("word", ["Mr. ", "U.S. ", "e.g. ", "No. ", "A. ", "Inc. "])
def test_abbreviation_runs_split_in_linear_time(word: str) -> None:
    # one sentence that never ends: the old code sliced it whole at every abbreviation (~50 s)
    text = word * (1_000_000 // len(word))
    with cpu_limit(LIMIT):
        sentences = split_sentences(text)
    assert " ".join(sentences) == text.strip()


def test_one_huge_token_splits_in_linear_time() -> None:
    text = "A" * 1_000_000  # run-on pieces: the old dateline pattern rescanned the rest (~36 s)
    with cpu_limit(LIMIT):
        assert "".join(split_sentences(text)) == text


def test_a_heading_with_a_long_run_of_spaces_parses_in_linear_time() -> None:
    line = "## a" + " " * 200_000 + "b"  # the old heading pattern: ~9 s for 20,000 spaces
    with cpu_limit(LIMIT):
        article = parse(line + "\n\nSome text under it.")
    assert article.sections[0].heading == line[3:]


def test_the_fuzzy_table_is_linear_in_the_article() -> None:
    text = "Earnings grew strongly this year. " + "a" * 3000
    idx = Index(parse(text))
    assert "earn" in idx.near("earn")  # terms are stems
    size = sum(len(k) + len(v) for table in idx.nearby.values() for k, v in table.items())
    assert 0 < size < 20 * len(text)  # the old table held 3,001 variants of 3,000 letters


def test_numbers_one_digit_off_are_near_and_read_only_for_number_like_terms() -> None:
    idx = Index(parse("Founded in 1984 by 2500 growers. Earnings grew."))
    assert idx.near("earn") == ["earn"]
    assert list(idx.nearby) == [False]  # a word: the table of numbers is never built
    assert idx.near("1985") == ["1984"]
    assert sorted(idx.near("250x")) == ["2500"]  # one other character: still one edit away
    assert list(idx.nearby) == [False, True]


def test_long_terms_are_never_fuzzy() -> None:
    word = "b" * (FUZZY_MAX + 1)
    idx = Index(parse(f"The {word} grew. The {word[:-1]} grew."))
    assert idx.near(word) == []
    assert idx.near(word[:-1]) == [word[:-1]]
    assert idx.near(word[:-2]) == [word[:-1]]  # one letter short: still one edit away


def test_a_long_word_does_not_slow_questions() -> None:
    article = parse("Earnings grew strongly this year.\n\n" + "a" * 6000)  # old: ~30 s a question
    with cpu_limit(LIMIT):
        for _ in range(20):
            found = find_passages(article, "what about earnings growth")
            assert [p.paragraph for p in found] in ([], [1])


def test_term_positions_in_a_long_paragraph() -> None:
    text = "growth " * 100_000  # one paragraph (parse would cut a wall of text into passages)
    idx = Index(Article(None, [], [Paragraph(1, text, [text])], language="en"))
    with cpu_limit(LIMIT):  # each position used to count the spaces from the start (~3 min)
        positions = idx.positions(0, "growth")
    assert positions == list(range(100_000))


def test_nearby_question_terms_in_a_long_paragraph() -> None:
    # two question terms repeated all over one paragraph: comparing every position of one with
    # every position of the other was quadratic (4 * 10^10 comparisons)
    text = "growth margin " * 100_000
    article = Article(None, [], [Paragraph(1, text, [text])], language="en")
    with cpu_limit(LIMIT):
        found = find_passages(article, "what about growth and margin")
    assert found and found[0].paragraph == 1


def test_facts_with_many_excluded_copies_and_repeats() -> None:
    # every other paragraph is the excluded sentence, the others repeat one fact: the old loop
    # made a pass over the article for each skipped repeat (50), checking every sentence that
    # leans back ("They paid...") against a list of all the excluded copies (~20 s)
    shown = "Acme Corp paid $5 billion."
    text = "".join(f"{shown}\n\nThey paid $7 billion in {i}.\n\n" for i in range(10_000))
    article = parse(text)
    with cpu_limit(LIMIT):
        facts = key_facts(article, exclude=[shown])
    assert [f.text for f in facts] == ["They paid $7 billion in 0."]


# --- the property: any small unit repeated stays linear ----------------------------------------

_PIECES = [
    *"?!.…。！？\"'“”«»()[]#>-*•|:;,",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "a",
    "Z",
    "7",
    "Mr.",
    "U.S.",
    "e.g.",
    "No.",
    "J.",
    "Inc.",
    "(CNN)",
    "## ",
    "> ",
    "- ",
    "1. ",
    "===",
    "Read more",
    "photo:",
    "cookies",
    "said",
    "$5",
    "2024",
    "東京",
    "السوق",
    "หุ้น",
    "e\u0301",
    "\u200b",
    "\u200f",
    "\ufeff",
    "Short Line",
    "The council approved the budget",
]
_UNITS = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6).map("".join)


@settings(
    max_examples=25,
    deadline=20_000,  # ms of wall time, for a very busy machine; the CPU limit is the real bound
    suppress_health_check=[HealthCheck.too_slow],
)
@given(unit=_UNITS, size=st.integers(8_000, 24_000), prefix=st.sampled_from(["", "Acme grew.\n\n"]))
def test_any_repeated_unit_is_processed_in_linear_time(unit: str, size: int, prefix: str) -> None:
    text = prefix + unit * (size // len(unit))
    with cpu_limit(LIMIT):
        article = parse(text)
        tldr = summarize(article).tldr
        key_facts(article, exclude=tldr)
        find_passages(article, "what about earnings growth in 2024")
        find_passages(article, "who said U.S. sales rose")
