"""Sentence splitting and word tokens shared by the engine (first version; to be refined)."""

from __future__ import annotations

import re

_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"\w+(?:['’.-]\w+)*", re.UNICODE)


def split_sentences(text: str) -> list[str]:
    """Split `text` into sentences that are verbatim slices of it (stripped)."""
    out: list[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        piece = text[start : m.start()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower() for w in _WORD.findall(text)]
