"""Answers: an article prepared once answers every question as the engine would, pickled
"More" pages, and the same in an answer worker (real processes) as here; a worker that
dropped an article gets it again, and a deleted one is forgotten."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import jobs
from bot.answers import Answer, AnswerSource, HeldArticle, answer_pages_for, prepare_article
from bot.article import find_passages
from bot.render import Page
from bot.workers import Limits, WorkerPool, Zygote
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


def test_a_held_article_answers_as_the_engine() -> None:
    stored = _stored(1)
    source = AnswerSource.of(stored)
    assert source.size == len(SAMPLE) + sum(len(p.text) for p in stored.paragraphs)
    assert source.headings[1] == "Detailed Analysis"
    held = pickle.loads(pickle.dumps(source)).prepare()  # as a worker receives it
    assert isinstance(held, HeldArticle) and held.source == source
    for question in QUESTIONS:
        assert _dicts(jobs.answer(held, question)) == _dicts(_here(stored, question))


def test_an_article_stored_by_an_older_engine_keeps_its_paragraph_numbers() -> None:
    # an engine before walls of text were divided stored the flattened sample as one ¶1; this
    # one would divide it into passages, but answers must cite the ¶ numbers the digest shows
    flat = " ".join(line for line in SAMPLE.splitlines() if line.strip())
    stored = _stored(1, text=flat)
    assert len(stored.paragraphs) > 1  # this engine divides it
    whole = flat.removeprefix("Detailed Analysis ").removesuffix(" Read original article →")
    stored = replace(stored, paragraphs=[StoredParagraph(1, "Detailed Analysis", whole)])
    held = AnswerSource.of(stored).prepare()
    assert [(p.number, p.text, p.heading) for p in held.article.paragraphs] == [
        (1, whole, "Detailed Analysis")
    ]
    assert held.article.paragraphs[0].sentences[0].startswith("Anthropic and Amazon")
    found = find_passages(held.article, QUESTIONS[0])
    assert [p.paragraph for p in found] == [1] and found[0].text == whole


@pytest.fixture
async def answers(zygote: Zygote) -> AsyncIterator[WorkerPool]:
    pool = WorkerPool("answers", zygote, size=1, deadline=30.0, limits=Limits(max_articles=2))
    try:
        yield pool
    finally:
        await pool.close()
    assert pool.pids == []


def _ask(pool: WorkerPool, stored: StoredArticle, question: str) -> asyncio.Future[Answer]:
    return asyncio.ensure_future(
        pool.run(
            stored.guild_id,
            jobs.answer,
            question,
            key=(stored.guild_id, stored.number),
            source=lambda: AnswerSource.of(stored),
        )
    )


async def test_a_worker_answers_as_here(answers: WorkerPool) -> None:
    stored = _stored(1)
    together = await asyncio.gather(*(_ask(answers, stored, q) for q in QUESTIONS))
    for question, pages in zip(QUESTIONS, together, strict=True):
        assert _dicts(pages) == _dicts(_here(stored, question))
    assert "doesn't seem to cover that" in (together[-1].first.content or "")
    assert answers.holders((1, 1)) == answers.pids  # the article went over once, and stays


async def test_a_dropped_article_is_sent_again_and_a_deleted_one_forgotten(
    answers: WorkerPool,
) -> None:
    first, second, third = _stored(1), _stored(2), _stored(3)
    for stored in (first, second, third):  # the worker keeps two: #1 is dropped
        await _ask(answers, stored, QUESTIONS[0])
    assert answers.holders((1, 1)) == []
    (worker,) = answers._workers
    worker.known.put((1, 1), None)  # as if the pool still thought it there: the worker misses
    pages = await _ask(answers, first, QUESTIONS[1])
    assert _dicts(pages) == _dicts(_here(first, QUESTIONS[1]))
    answers.forget((1, 1))
    assert answers.holders((1, 1)) == []
    # guilds are separate keys: the same number in another guild is another article
    other = _stored(1, guild=2, text="Paris hosted 12 city council meetings in 2024.")
    answer = await _ask(answers, other, "How many meetings did Paris host?")
    assert "12 city council meetings" in answer.first.embeds[0].description  # type: ignore[operator]
