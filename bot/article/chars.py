"""Character classes for words in every script, as regular-expression fragments.

Python's `\\w` leaves out combining marks (Unicode category M): the vowel signs of Devanagari,
Thai and other Brahmic scripts, Arabic and Hebrew points, and combining accents. A word of
those scripts is letters *and* marks ("हैं" is ह + ै + ं), so word patterns here accept a mark
anywhere after a word's first character.
"""

from __future__ import annotations

import unicodedata

__all__ = ["MARK", "WORD", "WORD_CHAR", "WORD_CHARS"]


def _mark_class() -> str:
    """A character class of every combining mark of the Basic Multilingual Plane."""
    ranges: list[tuple[int, int]] = []
    start = -1
    for cp in range(0x0300, 0x10000):
        is_mark = unicodedata.category(chr(cp)).startswith("M")
        if is_mark and start < 0:
            start = cp
        elif not is_mark and start >= 0:
            ranges.append((start, cp - 1))
            start = -1
    parts = [f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges]
    return "[" + "".join(parts) + "]"


MARK = _mark_class()
# A character that may continue a word: a letter, a digit or a combining mark.
WORD_CHAR = f"(?:[^\\W_]|{MARK})"
# One or more such characters, matched run by run and possessively: the same text as
# `{WORD_CHAR}+` (a run of them is always taken whole), which the regex engine reads several
# times faster than one character at a time, and never backtracks into.
WORD_CHARS = f"(?:[^\\W_]++|{MARK}++)++"
# A word: a letter or digit, then letters, digits and marks.
WORD = f"[^\\W_](?:[^\\W_]++|{MARK}++)*+"
