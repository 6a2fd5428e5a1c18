"""Sentence splitting: tricky boundaries, and every sentence a verbatim slice."""

from __future__ import annotations

import pytest

from bot.article.text import MAX_SENTENCE, split_sentences

CASES = [
    (
        "Mr. Smith met Dr. Jones at 5 p.m. on Friday. They talked.",
        ["Mr. Smith met Dr. Jones at 5 p.m. on Friday.", "They talked."],
    ),
    (
        "The U.S. economy grew. Sales rose in the U.S. But not in the U.K. for long.",
        ["The U.S. economy grew.", "Sales rose in the U.S.", "But not in the U.K. for long."],
    ),
    (
        "The U.S. Attorney spoke. Prices rose 2.5% to $5.5 billion. Acme Inc. agreed.",
        ["The U.S. Attorney spoke.", "Prices rose 2.5% to $5.5 billion.", "Acme Inc. agreed."],
    ),
    ("It paid Acme Inc. The deal closed.", ["It paid Acme Inc.", "The deal closed."]),
    (
        "Use fruit, e.g. apples. See No. 5 and Fig. 2 for details.",
        ["Use fruit, e.g. apples.", "See No. 5 and Fig. 2 for details."],
    ),
    ("J. K. Rowling wrote it. It sold.", ["J. K. Rowling wrote it.", "It sold."]),
    (
        'He said, "I am done." Then he left. "Why?" she asked.',
        ['He said, "I am done."', "Then he left.", '"Why?" she asked.'],
    ),
    (
        "'I hope we make it,' Ramsey said. 'It is exciting.' Wales won.",
        ["'I hope we make it,' Ramsey said.", "'It is exciting.'", "Wales won."],
    ),
    (
        "It was a recovery... much patchier than hoped. Wait... The end came.",
        ["It was a recovery... much patchier than hoped.", "Wait...", "The end came."],
    ),
    ("Steps:\n1. Mix the flour.\n2. Bake it.", ["Steps:", "Mix the flour.", "Bake it."]),
    ("- first point\n- second point", ["first point", "second point"]),
    (
        "(CNN)The poll finds 57% agree. Washington (CNN) -- Congress left.",
        ["The poll finds 57% agree.", "Congress left."],
    ),
    (
        "His wages. . The club wants it . Scroll down for video . He left.",
        ["His wages. .", "The club wants it .", "Scroll down for video .", "He left."],
    ),
    ("Version 3.10.2 shipped on 1.2.2024 in v2.", ["Version 3.10.2 shipped on 1.2.2024 in v2."]),
    ("東京は大きい。本当？", ["東京は大きい。", "本当？"]),
    ("no end punctuation here", ["no end punctuation here"]),
    ("", []),
    ("   \n ", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(("text", "_"), CASES)
def test_sentences_are_slices_in_order(text: str, _: list[str]) -> None:
    at = 0
    for sentence in split_sentences(text):
        found = text.find(sentence, at)
        assert found >= 0
        at = found + len(sentence)


def test_run_on_text_is_cut_at_clause_breaks() -> None:
    caption = "Best sound design - The Woman in White designed by Mick Potter at the Palace - "
    text = caption * 20 + "The end."
    pieces = split_sentences(text)
    assert len(pieces) > 1
    assert all(len(p) <= MAX_SENTENCE for p in pieces)
    assert all(p in text and not p.startswith("-") and not p.endswith("-") for p in pieces)
    unbroken = "x" * (2 * MAX_SENTENCE + 10)
    assert [len(p) for p in split_sentences(unbroken)] == [MAX_SENTENCE, MAX_SENTENCE, 10]


def test_long_real_sentences_are_kept_whole() -> None:
    sentence = "The committee, " + "after hearing from many witnesses, " * 12 + "voted to act."
    assert len(sentence) < MAX_SENTENCE
    assert split_sentences(sentence) == [sentence]
