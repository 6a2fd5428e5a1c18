"""The engine's data types: what `parse` builds and what the analysis functions return.

Everything here is plain data (frozen dataclasses holding lists, as the public API
documents) so it can cross a thread or process pool, be cached, and be serialised for
storage. Paragraph numbers are 1-based, as users see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph, verbatim, with its sentences (verbatim slices of `text`)."""

    number: int
    text: str
    sentences: list[str]
    heading: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A run of paragraphs under one heading (`None` before the first heading)."""

    heading: str | None
    paragraphs: list[Paragraph]


@dataclass(frozen=True, slots=True)
class Article:
    title: str | None
    sections: list[Section]
    paragraphs: list[Paragraph]
    # ISO 639-1 code of the article's language ("en", "zh", ...), as `parse` detected it (or was
    # told); None when unknown: the engine then detects it from the text when it needs it.
    language: str | None = None
    # True when the text came without paragraph breaks and `parse` cut it into passages of a
    # few sentences (bot/article/passages.py): they are numbered and quoted like paragraphs,
    # but the text is still one block for the summarizer.
    passages: bool = False
    # Engine-private caches (token statistics, index) live here, keyed by module name.
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def text(self) -> str:
        """The article body as paragraphs separated by blank lines."""
        return "\n\n".join(p.text for p in self.paragraphs)

    def paragraph(self, number: int) -> Paragraph:
        """The paragraph with this 1-based number (IndexError when out of range)."""
        if not 1 <= number <= len(self.paragraphs):
            raise IndexError(number)
        return self.paragraphs[number - 1]


@dataclass(frozen=True, slots=True)
class SectionSummary:
    heading: str | None
    sentences: list[str]
    paragraphs: list[int]
    # the 1-based paragraph of each sentence (parallel to `sentences`); empty when read from a
    # digest stored before the engine reported it
    sentence_paragraphs: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "heading": self.heading,
            "sentences": list(self.sentences),
            "paragraphs": list(self.paragraphs),
            "sentence_paragraphs": list(self.sentence_paragraphs),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SectionSummary:
        return cls(
            heading=data.get("heading"),
            sentences=list(data.get("sentences", ())),
            paragraphs=[int(n) for n in data.get("paragraphs", ())],
            sentence_paragraphs=_numbers(data.get("sentence_paragraphs"), data.get("sentences")),
        )


@dataclass(frozen=True, slots=True)
class Summary:
    tldr: list[str]
    sections: list[SectionSummary]
    # the 1-based paragraph of each TL;DR sentence (parallel to `tldr`); empty when read from a
    # digest stored before the engine reported it
    tldr_paragraphs: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tldr": list(self.tldr),
            "tldr_paragraphs": list(self.tldr_paragraphs),
            "sections": [s.to_dict() for s in self.sections],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        return cls(
            tldr=list(data.get("tldr", ())),
            sections=[SectionSummary.from_dict(s) for s in data.get("sections", ())],
            tldr_paragraphs=_numbers(data.get("tldr_paragraphs"), data.get("tldr")),
        )


@dataclass(frozen=True, slots=True)
class Fact:
    text: str
    paragraph: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "paragraph": self.paragraph}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fact:
        return cls(text=str(data["text"]), paragraph=int(data["paragraph"]))


@dataclass(frozen=True, slots=True)
class Passage:
    paragraph: int
    text: str
    score: float
    sentence: str


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything a digest reply shows, computed once and stored with the article."""

    title: str | None
    summary: Summary
    facts: list[Fact]
    paragraph_count: int
    section_count: int
    engine_version: str
    language: str | None = None  # ISO 639-1 code of the article's language; None when unknown

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "summary": self.summary.to_dict(),
            "facts": [f.to_dict() for f in self.facts],
            "paragraph_count": self.paragraph_count,
            "section_count": self.section_count,
            "engine_version": self.engine_version,
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Digest:
        return cls(
            title=data.get("title"),
            summary=Summary.from_dict(data.get("summary", {})),
            facts=[Fact.from_dict(f) for f in data.get("facts", ())],
            paragraph_count=int(data.get("paragraph_count", 0)),
            section_count=int(data.get("section_count", 0)),
            engine_version=str(data.get("engine_version", "")),
            language=data.get("language") or None,
        )


def _numbers(values: Any, parallel: Any) -> list[int]:
    """Paragraph numbers read back from a stored digest: [] unless one per sentence."""
    if not isinstance(values, list) or not isinstance(parallel, list):
        return []
    if len(values) != len(parallel):
        return []
    return [int(n) for n in values]
