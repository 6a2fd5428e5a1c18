"""The article engine: text in, structured results out. No Discord, no database, no network."""

from .digest import ENGINE_VERSION, analyze
from .facts import key_facts
from .language import language_name
from .model import Article, Digest, Fact, Paragraph, Passage, Section, SectionSummary, Summary
from .parse import from_paragraphs, parse
from .retrieve import find_passages
from .summarize import summarize

__all__ = [
    "ENGINE_VERSION",
    "Article",
    "Digest",
    "Fact",
    "Paragraph",
    "Passage",
    "Section",
    "SectionSummary",
    "Summary",
    "analyze",
    "find_passages",
    "from_paragraphs",
    "key_facts",
    "language_name",
    "parse",
    "summarize",
]
