"""Walls of text: a text without paragraph breaks is divided into passages (passages.py)."""

from __future__ import annotations

import pytest

from bot.article import find_passages, parse
from bot.article.passages import MAX_PASSAGE, divide, leading_heading, refers_back


def _flat(text: str) -> str:
    """The text as a moderator pastes it into `text:`: every line break lost."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def test_the_flattened_sample_is_divided_into_passages(sample_text: str) -> None:
    flat = _flat(sample_text)
    article = parse(flat)
    assert article.passages
    assert 3 <= len(article.paragraphs) <= 8
    assert [s.heading for s in article.sections] == ["Detailed Analysis"]
    # verbatim slices of the text, in order, never mid-sentence, covering it all
    body = flat[len("Detailed Analysis ") :].removesuffix(" Read original article →")
    assert " ".join(p.text for p in article.paragraphs) == body
    for p in article.paragraphs:
        inside = 1 < p.number < len(article.paragraphs)
        assert p.text.startswith(p.sentences[0]) and p.text.endswith(p.sentences[-1])
        assert p.text[-1] in ".!?\"'”’)"
        assert len(p.text) <= MAX_PASSAGE or len(p.sentences) == 1
        assert len(p.sentences) >= 2 or not inside  # a lone sentence only at an end


def test_an_answer_quotes_a_passage_not_the_whole_text(sample_text: str) -> None:
    article = parse(_flat(sample_text))
    found = find_passages(article, "How much did Amazon invest in Anthropic?")
    assert found
    whole = sum(len(p.text) for p in article.paragraphs)
    assert len(found[0].text) <= MAX_PASSAGE < whole
    assert "$5 billion" in found[0].text


def test_text_with_paragraph_breaks_or_short_is_not_divided(sample_text: str) -> None:
    assert not parse(sample_text).passages
    short = parse("One sentence here. Another one there. A third to end.")
    assert not short.passages and len(short.paragraphs) == 1


_VOLCANO = [
    "The volcano on the island erupted on Monday morning after weeks of small earthquakes.",
    "Lava from the volcano flowed down the eastern slopes of the island toward the sea.",
    "Scientists at the volcano observatory said the eruption could last for several weeks.",
    "Ash from the eruption closed the island's airport and covered villages near the volcano.",
    "Residents of the island were moved to shelters away from the lava and the falling ash.",
    "The volcano last erupted on the island in 1998, when its lava reached the sea as well.",
]
_FOOTBALL = [
    "In football, the city's club won the national cup final with a late penalty goal.",
    "The club's coach praised the players and the supporters who travelled to the final.",
    "It was the club's first cup title in twenty years, and the goal came in extra time.",
    "Thousands of supporters celebrated the cup win in the city's main square that night.",
    "The club will now play in the continental cup competition next season, the coach said.",
    "The final was played in front of a full stadium of the club's supporters and its rivals.",
]


def test_the_cut_falls_at_the_topic_shift() -> None:
    article = parse(" ".join(_VOLCANO + _FOOTBALL))
    assert article.passages
    assert [p.sentences for p in article.paragraphs] == [_VOLCANO, _FOOTBALL]


def test_refers_back() -> None:
    assert refers_back("However, the plan failed.", "en")
    assert refers_back("He said it was over.", "en")
    assert not refers_back("Hector said it was over.", "en")
    assert not refers_back("Er sagte, es sei vorbei.", "de")  # no list for German yet
    assert not refers_back("", "en")


def test_a_cut_before_a_sentence_that_refers_back_is_avoided() -> None:
    sentences = [f"Sentence number {k} tells its own thing about topic {k}." for k in range(12)]
    sentences = [s + " " + "x" * 100 for s in sentences]  # ~160 characters each
    terms = [[f"topic{k}"] for k in range(12)]  # no cohesion anywhere: lengths alone decide
    free = divide(sentences, terms)
    assert len(free) > 1
    cut = free[1]
    continues = [k == cut for k in range(12)]
    moved = divide(sentences, terms, continues)
    assert cut not in moved and len(moved) > 1


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        (
            "Detailed Analysis Anthropic and Amazon formalized a deal. Anthropic grew.",
            "Detailed Analysis",
        ),
        ("Market Outlook The shares rose sharply on Monday after the results.", "Market Outlook"),
        ("New Delhi, India (CNN) The monsoon arrived early this year in the capital.", ""),
        ("The Quick Brown Fox jumps over the lazy dog every morning.", ""),
        ("Short text.", ""),
    ],
)
def test_leading_heading(text: str, heading: str) -> None:
    assert text[: leading_heading(text)] == heading
