"""Paragraph references as users read them — "¶4", "¶1–3, ¶5" — the one formatter that the
bot's replies (`bot.render`) and the offline CLI (`bot.cli`) share. No discord import here, so
the CLI starts without loading discord.py.

Which paragraph a summary sentence comes from is the engine's answer
(`Summary.tldr_paragraphs`, `SectionSummary.sentence_paragraphs`); `sentence_paragraphs`
uses it, and only for a digest stored before the engine gave it falls back to finding the
sentence in the article's paragraphs (the first that holds it).
"""

from __future__ import annotations

from collections.abc import Sequence


def para_ref(numbers: Sequence[int]) -> str:
    """`[1, 2, 3, 5]` → "¶1–3, ¶5"; `[]` → ""."""
    nums = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        parts.append(f"¶{nums[i]}" if i == j else f"¶{nums[i]}–{nums[j]}")
        i = j + 1
    return ", ".join(parts)


def sentence_ref(paragraph: int | None) -> str:
    """What follows a quoted sentence: " (¶4)", or "" when its paragraph is unknown."""
    return f" (¶{paragraph})" if paragraph is not None else ""


def _norm(text: str) -> str:
    return " ".join(text.split())


def locate_paragraph(
    sentence: str, paragraphs: Sequence[tuple[int, str]], among: Sequence[int] = ()
) -> int | None:
    """The number of the first paragraph (of `among`, if given) holding `sentence` verbatim,
    whitespace aside."""
    wanted = _norm(sentence)
    allowed = set(among)
    for number, text in paragraphs:
        if (not allowed or number in allowed) and wanted in _norm(text):
            return number
    return None


def sentence_paragraphs(
    sentences: Sequence[str],
    numbers: Sequence[int],
    paragraphs: Sequence[tuple[int, str]] = (),
    among: Sequence[int] = (),
) -> list[int | None]:
    """The paragraph of each sentence: the engine's `numbers` when it gave one per sentence;
    else (a digest stored before it did) the first of `paragraphs` (of `among`, if given)
    that holds the sentence, or None."""
    if len(numbers) == len(sentences):
        return list(numbers)
    return [locate_paragraph(s, paragraphs, among) for s in sentences]
