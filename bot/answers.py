"""Answering questions about stored articles: what the bot and its workers share.

    source = AnswerSource.of(stored)            # what a worker needs of a stored article
    held = source.prepare()                     # in the worker: parsed and indexed, kept
    answer = bot.jobs.answer(held, question)    # an `Answer`: its first page, "More" after

`prepare_article` (parse and index) and `answer_pages_for` (`find_passages`, then the pages
of `bot.render.answer_pages`) are the work; `Answer` is what an answer is once computed: its
first page, and the pages "More" shows after it, pickled. The answer workers
(`bot.workers`, the `answers` pool) keep articles prepared, so an article's text crosses to
a worker once and each question is ~1 ms of work there, none on the event loop.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .article import Article, find_passages, from_paragraphs, parse
from .render import Page, answer_pages, not_covered_text, text_pages

if TYPE_CHECKING:
    from storage import StoredArticle

MAX_PASSAGES = 9  # an answer's passages: the first message and two "More"
Key = tuple[int, int]  # (guild id, article number)


def prepare_article(
    text: str,
    title: str | None,
    language: str | None = None,
    stored: Sequence[tuple[str, str | None]] = (),
) -> Article:
    """Parse a stored article (in the language it was stored with, so it parses as it did when
    posted) and build `find_passages`' index (cached on the Article: the first call builds it).
    When `stored` paragraphs ((text, heading) as the store keeps them) are given and this
    engine divides the text otherwise (an article stored by an engine with other rules), the
    stored paragraphs are used: answers keep citing the ¶ numbers the digest shows.
    Blocking: in a worker."""
    article = parse(text, title=title, language=language)
    if stored and [p.text for p in article.paragraphs] != [t for t, _ in stored]:
        article = from_paragraphs(stored, title=article.title, language=article.language)
    if article.paragraphs:
        find_passages(article, article.paragraphs[0].text, k=1)
    return article


def parse_title(stored: StoredArticle) -> str | None:
    """The title to re-parse `stored` with so that it parses as when it was posted: none when
    the title was taken from the article's first heading (given as a title, that heading
    would be dropped and the first section would lose its name)."""
    first = stored.paragraphs[0].heading if stored.paragraphs else None
    if first and stored.title and first.split() == stored.title.split():
        return None
    return stored.title


@dataclass(frozen=True, slots=True)
class AnswerSource:
    """What answering needs of a stored article (what goes to a worker once)."""

    number: int
    title: str | None
    parse_title: str | None
    text: str
    headings: Mapping[int, str | None]
    language: str | None = None
    paragraphs: tuple[str, ...] = ()  # the stored paragraphs' texts, in order

    @classmethod
    def of(cls, stored: StoredArticle) -> AnswerSource:
        return cls(
            number=stored.number,
            title=stored.title,
            parse_title=parse_title(stored),
            text=stored.text,
            headings={p.number: p.heading for p in stored.paragraphs},
            language=stored.language,
            paragraphs=tuple(p.text for p in stored.paragraphs),
        )

    @property
    def size(self) -> int:
        """What holding it costs, in characters (the workers' bound)."""
        return len(self.text) + sum(len(p) for p in self.paragraphs)

    def prepare(self) -> HeldArticle:
        """Parse and index it (blocking: in a worker)."""
        stored = [(text, self.headings.get(n)) for n, text in enumerate(self.paragraphs, 1)]
        article = prepare_article(self.text, self.parse_title, self.language, stored)
        return HeldArticle(article, self)


@dataclass(frozen=True, slots=True)
class HeldArticle:
    """A stored article as a worker holds it: parsed and indexed, with what it was made of."""

    article: Article
    source: AnswerSource


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer's first page, and the pages "More" shows after it, pickled (`more`): an
    answer's "More" button stays for minutes, and thousands of answers' embeds held that long
    would lengthen every full pass of the garbage collector (bytes are not walked)."""

    first: Page
    more: bytes
    more_count: int

    @classmethod
    def of(cls, pages: Sequence[Page]) -> Answer:
        rest = list(pages[1:])
        more = pickle.dumps(rest, protocol=pickle.HIGHEST_PROTOCOL) if rest else b""
        return cls(pages[0], more, len(rest))

    def more_pages(self) -> list[Page]:
        pages: list[Page] = pickle.loads(self.more) if self.more_count else []
        return pages


def answer_pages_for(
    article: Article,
    question: str,
    *,
    number: int,
    title: str | None,
    headings: Mapping[int, str | None],
) -> list[Page]:
    """The pages answering `question` from article `number` (parsed: `article`); one plain
    page when the article does not cover it."""
    passages = find_passages(article, question, k=MAX_PASSAGES)
    if not passages:
        return text_pages(not_covered_text(number, title))
    return answer_pages(passages, number=number, title=title, question=question, headings=headings)
