"""What is an article: a text with a sentence of real words, in any script."""

from __future__ import annotations

import pytest

from bot.article import parse
from bot.errors import EmptyArticle
from bot.jobs import analyze_text
from bot.posting import NO_PARAGRAPHS, NO_PROSE, check_postable, has_prose


@pytest.mark.parametrize(
    "text",
    [
        "Amazon invests $5 billion in Anthropic.",
        "Bonjour 🙂 tout le monde",
        "Москва приняла план.",
        "今日は東京で会議がありました。",  # no spaces between words
        "北京",
        "ภาษาไทย",
        "مرحبا بالعالم",
        "नमस्ते दुनिया",
        "2024: the year prices rose",
    ],
)
def test_words_in_any_script_are_prose(text: str) -> None:
    article = parse(text)
    assert has_prose(article)
    check_postable(analyze_text(text, None))


@pytest.mark.parametrize(
    "text",
    ["🙂", "--- *** ...", "🙂 🙂 🙂", "2024 — 2025 !!!", "$5 000 000", "a", "→ → →", "#1 #2"],
)
def test_emoji_rules_numbers_and_lone_letters_are_not(text: str) -> None:
    article = parse(text)
    assert not has_prose(article)
    with pytest.raises(EmptyArticle) as refused:
        check_postable(analyze_text(text, None))
    assert refused.value.user_message in (NO_PROSE, NO_PARAGRAPHS)


@pytest.mark.parametrize("text", ["# Title only", "Read original article →"])
def test_headings_and_page_furniture_alone_have_no_paragraphs(text: str) -> None:
    with pytest.raises(EmptyArticle) as refused:
        check_postable(analyze_text(text, None))
    assert refused.value.user_message == NO_PARAGRAPHS


def test_one_sentence_of_words_among_junk_is_enough() -> None:
    assert has_prose(parse("🙂🙂🙂\n\n--- *** ---\n\nThe council met on Monday.\n\n🙂"))
