"""Paragraph references: one format for the bot and the CLI, the engine's numbers first."""

from __future__ import annotations

from bot.refs import locate_paragraph, para_ref, sentence_paragraphs, sentence_ref

PARAGRAPHS = [(1, "Prices rose.  Then calm."), (2, "Another point."), (3, "Later: Prices rose.")]


def test_para_ref() -> None:
    assert para_ref([1, 2, 3, 5, 7, 8]) == "¶1–3, ¶5, ¶7–8"
    assert para_ref([4, 4, 2]) == "¶2, ¶4"
    assert para_ref([]) == ""


def test_sentence_ref() -> None:
    assert sentence_ref(4) == " (¶4)"
    assert sentence_ref(None) == ""


def test_the_engines_numbers_win_and_stored_digests_fall_back() -> None:
    sentences = ["Prices rose.", "Another point."]
    assert sentence_paragraphs(sentences, [3, 2], PARAGRAPHS) == [3, 2]
    assert sentence_paragraphs(sentences, [], PARAGRAPHS) == [1, 2]  # the first that holds it
    assert sentence_paragraphs(sentences, [3], PARAGRAPHS, among=[3]) == [3, None]
    assert locate_paragraph("Then   calm.", PARAGRAPHS) == 1  # whitespace aside
    assert locate_paragraph("Nowhere.", PARAGRAPHS) is None
