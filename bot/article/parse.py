"""Text or Markdown in, `Article` out (first version; to be refined)."""

from __future__ import annotations

import re

from .model import Article, Paragraph, Section
from .text import split_sentences

_FURNITURE = re.compile(
    r"^(read (the )?original article.*|advertisement|share this.*|subscribe.*)$", re.IGNORECASE
)


def _is_heading(line: str) -> bool:
    if line.startswith("#"):
        return True
    return len(line) <= 80 and not re.search(r"[.!?:;,\"')\]]$", line) and len(line.split()) <= 12


def parse(text: str, *, title: str | None = None) -> Article:
    blocks = [b for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    lines: list[str] = []
    for block in blocks:
        lines.extend(ln.strip() for ln in block.split("\n") if ln.strip())
    sections: list[Section] = []
    heading: str | None = None
    current: list[Paragraph] = []
    paragraphs: list[Paragraph] = []
    for line in lines:
        if _FURNITURE.match(line):
            continue
        if _is_heading(line):
            if current:
                sections.append(Section(heading, current))
                current = []
            heading = line.lstrip("#").strip() or None
            continue
        para = Paragraph(len(paragraphs) + 1, line, split_sentences(line), heading)
        paragraphs.append(para)
        current.append(para)
    if current:
        sections.append(Section(heading, current))
    return Article(title=title, sections=sections, paragraphs=paragraphs)
