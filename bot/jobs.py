"""What the worker processes run (`bot.workers`): module-level functions of plain, picklable
data, each the CPU-heavy part of a command.

The zygote imports this module (and through it the engine, the renderer and the HTML
extractor) before it forks a worker, so a worker starts with all of it loaded.

- for the `articles` pool: `analyze_text` (a posted article), `extract_file` (an uploaded
  .html/.md/.txt), `extract_fetched` (a fetched web page), `reanalyse` (a digest stored by an
  older engine);
- for the `answers` pool, on an article the worker holds (`bot.answers.HeldArticle`):
  `answer`, `summary`, `facts`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .answers import Answer, HeldArticle, answer_pages_for
from .article import Digest, Fact, Summary, analyze, key_facts, parse, summarize
from .feeds.parse import ParsedFeed, discover_feeds, parse_feed
from .posting import refusal
from .web import ExtractedPage, FetchedPage, extract_page, extract_text


@dataclass(frozen=True, slots=True)
class Analysed:
    """A posted article, parsed and analysed: what the bot stores and shows of it, in plain
    tuples and strings. (The `Article` itself does not cross back: unpickling one of 100,000
    paragraphs took 1.4 s of the bot's event loop; these tuples take a tenth of that.)"""

    paragraphs: list[tuple[int, str | None, str]]  # (number, heading, text)
    title: str | None  # the article's own title (a "# Title" first line), if any
    opening_heading: str | None  # the first section's heading, when it starts at ¶1
    opening: str | None  # the first sentence (else the first paragraph), as written
    language: str | None  # ISO 639-1, as the engine detected it (or was told)
    refusal: str | None  # why it is not an article (`bot.posting.refusal`), or None
    digest: Digest | None  # None when refused


def analyze_text(text: str, title: str | None) -> Analysed:
    """Parse and analyse a posted article. One that is not an article is not analysed (seconds
    saved for 100,000 paragraphs of "Ab.") and comes back without its paragraphs (which would
    cost the bot's event loop tens of milliseconds to receive; nothing of it is stored)."""
    article = parse(text, title=title)
    refused = refusal(article)
    digest = None if refused else analyze(article)
    first = article.sections[0] if article.sections else None
    starts = first is not None and bool(first.paragraphs) and first.paragraphs[0].number == 1
    lead = article.paragraphs[0] if article.paragraphs else None
    return Analysed(
        paragraphs=[] if refused else [(p.number, p.heading, p.text) for p in article.paragraphs],
        title=article.title,
        opening_heading=first.heading if first is not None and starts else None,
        opening=(lead.sentences[0] if lead.sentences else lead.text) if lead else None,
        language=article.language,
        refusal=refused,
        digest=digest,
    )


def extract_file(data: bytes, content_type: str | None, filename: str) -> ExtractedPage:
    """The article in an uploaded file (`bot.web.extract_text`)."""
    return extract_text(data, content_type, filename=filename)


def extract_fetched(page: FetchedPage) -> ExtractedPage:
    """The article of a fetched web page (`bot.web.extract_page`)."""
    return extract_page(page)


def reanalyse(text: str, title: str | None, language: str | None) -> tuple[list[str], Digest]:
    """A stored article analysed again by this engine, in the language it was stored with: its
    paragraphs' texts (to check they are the stored ones) and its digest."""
    article = parse(text, title=title, language=language)
    return [p.text for p in article.paragraphs], analyze(article)


def answer(held: HeldArticle, question: str) -> Answer:
    """The answer to `question` (one plain page when the article does not cover it)."""
    source = held.source
    pages = answer_pages_for(
        held.article, question, number=source.number, title=source.title, headings=source.headings
    )
    return Answer.of(pages)


def summary(held: HeldArticle, max_sentences: int) -> Summary:
    return summarize(held.article, max_sentences=max_sentences)


def facts(held: HeldArticle, limit: int, exclude: Collection[str]) -> list[Fact]:
    return key_facts(held.article, limit=limit, exclude=exclude)


def read_feed(body: bytes, content_type: str, url: str) -> ParsedFeed:
    """A fetched feed, parsed (`bot.feeds.parse.parse_feed`)."""
    return parse_feed(body, content_type, url)


def discover(body: bytes, url: str, content_type: str) -> list[str]:
    """The feeds a fetched page links to (`bot.feeds.parse.discover_feeds`)."""
    return discover_feeds(body, url, content_type)
