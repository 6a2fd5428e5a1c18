"""The answer process: the same pages as answering in place, an article sent once, a child
that dropped an article gets it again, and a dead child fails pending answers so that the
caller answers in place."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.answers import (
    Answer,
    AnswerProcess,
    AnswerProcessGone,
    AnswerSource,
    answer_pages_for,
    prepare_article,
)
from bot.render import Page
from storage import StoredArticle, StoredParagraph

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()
QUESTIONS = [
    "How much did Amazon invest in Anthropic?",
    "Which chips does Anthropic rely on?",
    "Will Claude come to Alexa?",
    "What is the weather in Paris tomorrow?",  # not covered: one plain page
]


def _stored(number: int, guild: int = 1, text: str = SAMPLE) -> StoredArticle:
    article = prepare_article(text, None)
    return StoredArticle(
        guild_id=guild,
        number=number,
        channel_id=None,
        author_id=1,
        title="Amazon and Anthropic",
        source_kind="text",
        source_ref=None,
        created_at=datetime.now(UTC),
        text=text,
        paragraphs=[StoredParagraph(p.number, p.heading, p.text) for p in article.paragraphs],
        analysis={},
        engine_version="",
        meta={},
    )


def _here(stored: StoredArticle, question: str) -> list[Page]:
    source = AnswerSource.of(stored)
    return answer_pages_for(
        prepare_article(source.text, source.parse_title),
        question,
        number=source.number,
        title=source.title,
        headings=source.headings,
    )


def _dicts(answer: Answer | list[Page]) -> list[tuple[str | None, list[object]]]:
    pages = [answer.first, *answer.more_pages()] if isinstance(answer, Answer) else answer
    return [(p.content, [e.to_dict() for e in p.embeds]) for p in pages]


def test_an_answer_keeps_the_pages_after_the_first_pickled() -> None:
    pages = _here(_stored(1), QUESTIONS[0])
    answer = Answer.of(pages)
    assert len(pages) > 1 and answer.more_count == len(pages) - 1
    assert isinstance(answer.more, bytes) and _dicts(answer) == _dicts(pages)
    single = Answer.of(pages[:1])
    assert single.more_count == 0 and single.more == b"" and single.more_pages() == []


@pytest.fixture
async def answers() -> AsyncIterator[AnswerProcess]:
    process = AnswerProcess(max_articles=2)
    try:
        assert await process.start()
        assert process.ready
        yield process
    finally:
        await process.close()
    assert not process.ready


async def test_the_child_answers_as_in_place(answers: AnswerProcess) -> None:
    stored = _stored(1)
    together = await asyncio.gather(*(answers.answer(stored, q) for q in QUESTIONS))
    for question, pages in zip(QUESTIONS, together, strict=True):
        assert _dicts(pages) == _dicts(_here(stored, question))
    assert "doesn't seem to cover that" in (together[-1].first.content or "")
    # the article went over once: later requests carry only the question
    assert list(answers._known) == [(1, 1)]


async def test_a_dropped_article_is_sent_again(answers: AnswerProcess) -> None:
    first, second, third = _stored(1), _stored(2), _stored(3)
    for stored in (first, second, third):  # the child keeps two: #1 is dropped
        await answers.answer(stored, QUESTIONS[0])
    answers._known.clear()
    answers._known.put((1, 1), True)  # as if the parent still thought it there
    pages = await answers.answer(first, QUESTIONS[1])
    assert _dicts(pages) == _dicts(_here(first, QUESTIONS[1]))
    answers.forget(1, 1)
    assert (1, 1) not in answers._known
    # guilds are separate keys: the same number in another guild is another article
    other = _stored(1, guild=2, text="Paris hosted 12 city council meetings in 2024.")
    answer = await answers.answer(other, "How many meetings did Paris host?")
    assert "12 city council meetings" in answer.first.embeds[0].description  # type: ignore[operator]


async def test_a_dead_child_fails_what_is_pending(answers: AnswerProcess) -> None:
    stored = _stored(1)
    await answers.answer(stored, QUESTIONS[0])
    process = answers._process
    assert process is not None
    process.kill()
    await process.wait()
    with pytest.raises(AnswerProcessGone):
        await answers.answer(stored, QUESTIONS[1])
    assert not answers.ready
    answers.start_soon()  # too soon after the last start: nothing happens
    assert not answers.ready and answers._starting is None
    answers.restart_after = 0.0
    answers.start_soon()
    assert answers._starting is not None and await answers._starting
    pages = await answers.answer(stored, QUESTIONS[1])  # the new child gets the article again
    assert _dicts(pages) == _dicts(_here(stored, QUESTIONS[1]))


async def test_not_started_means_gone() -> None:
    process = AnswerProcess()
    with pytest.raises(AnswerProcessGone):
        await process.answer(_stored(1), QUESTIONS[0])
    await process.close()
