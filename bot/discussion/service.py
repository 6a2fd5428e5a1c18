"""`Discussion`: what talking about stored articles needs, built once by the bot.

    discussion = Discussion(store, executor)        # `DigestBot.discussion`
    stored = await discussion.resolve(guild_id, "#12")          # or a title
    stored = await discussion.current_article(guild_id, Location.of(channel))
    answer = await discussion.answer(stored, "which chips?")    # an `Answer`: pages to send
    summary = await discussion.summarize(stored, max_sentences=3)
    discussion.link(guild_id, message_id, stored.number)        # replying to it asks again
    await discussion.close()

Which article, when a command names none (`current_article`): the one whose discussion
thread this is, else the one whose digest or answer the command replies to, else the newest
posted in this channel (or the thread's channel), else the server's newest.

Fast paths (`benchmarks/ask_load.py` measures /ask with 1 and 50 askers at once):
- What the store said about an article number or "the latest article here" is kept
  (`StoredCache`, invalidated exactly by `added` / `deleted`, which the bot calls when its
  store adds or deletes an article), so asking about a known article reads nothing.
- Answers are computed by the answer process (`bot.answers`, on another core) when there is
  one; otherwise here, one per turn of the event loop (`TurnQueue`), on articles parsed once
  in the executor and cached per (guild, number) (`ArticleCache`).
- Every answer message is linked to its article (`Store.link_message`), written once no
  answer is being computed (`PendingLinks`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Collection
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TypeVar

import discord

from storage import Store, StoredArticle

from ..answers import Answer, AnswerProcess, AnswerProcessGone, answer_pages_for
from ..article import Article, Fact, Summary, key_facts, summarize
from ..article_option import parse_article_number, resolve_article
from ..errors import NoArticle
from ..interactions import Location
from .caches import ArticleCache, StoredCache
from .flow import Busy, PendingLinks, TurnQueue
from .manners import Manners

log = logging.getLogger(__name__)

T = TypeVar("T")

NO_ARTICLES = (
    "There are no articles in this server yet. A moderator posts one with `/article post` "
    "(text, a file or a link) or the “Save as article” message menu."
)


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A plain message that asks the bot something: the question without the bot's mention."""

    question: str
    mentioned: bool


def follow_up_of(content: str, me: int) -> FollowUp | None:
    """The question in a message's text, when it asks (mentions the bot, whose id is `me`, or
    ends with "?"), else None."""
    mentions = (f"<@{me}>", f"<@!{me}>")
    mentioned = any(m in content for m in mentions)
    text = content
    for m in mentions:
        text = text.replace(m, " ")
    text = " ".join(text.split())
    if not text or not asks(text, mentioned):
        return None
    return FollowUp(text, mentioned)


def asks(text: str, mentioned: bool) -> bool:
    """Whether a message asks the bot something: it mentions the bot or ends with "?"."""
    return mentioned or text.rstrip().endswith(("?", "？"))


def _answer(stored: StoredArticle, article: Article, question: str) -> Answer:
    headings = {p.number: p.heading for p in stored.paragraphs}
    return Answer.of(
        answer_pages_for(
            article, question, number=stored.number, title=stored.title, headings=headings
        )
    )


class Discussion:
    """Article resolution, the caches, answer routing and message links (module docstring)."""

    def __init__(self, store: Store, executor: Executor) -> None:
        self.store = store
        self.executor = executor
        self.manners = Manners()
        self.defer_after = 1.0  # seconds of work before a slash reply is deferred
        # Answer in a child process (`bot.answers`) when there is a core for it; else (or
        # until it is up, or if it dies) in this one.
        self.use_answer_process = _cores() > 1
        self.cache = ArticleCache(executor)
        self.stored = StoredCache()
        self.turns = TurnQueue()
        self.busy = Busy()
        self.answers = AnswerProcess(
            max_articles=self.cache.max_articles, max_chars=self.cache.max_chars
        )
        self.links = PendingLinks(store, self.busy.quiet)

    async def close(self) -> None:
        """Write the pending links and stop the answer process."""
        await self.links.close()
        await self.answers.close()
        self.cache.clear()
        self.stored.clear()

    # --- what changed in the store ----------------------------------------------------------

    def added(self, stored: StoredArticle) -> None:
        """A new article: the newest of its channel and server changed."""
        self.stored.added(stored)

    def deleted(self, guild_id: int, number: int) -> None:
        self.stored.deleted(guild_id, number)
        self.cache.discard(guild_id, number)
        self.answers.forget(guild_id, number)

    # --- which article ----------------------------------------------------------------------

    async def get_article(self, guild_id: int, number: int) -> StoredArticle | None:
        """`Store.get_article`, through the cache."""
        stored = self.stored.get(guild_id, number)
        if stored is None:
            generation = self.stored.generation
            stored = await self.store.get_article(guild_id, number)
            if stored is not None:
                self.stored.put(stored, generation)
        return stored

    async def latest_article(self, guild_id: int, channel_id: int | None) -> StoredArticle | None:
        """`Store.latest_article` of a channel (None: of the server), through the cache."""
        known, stored = self.stored.latest(guild_id, channel_id)
        if not known:
            generation = self.stored.generation
            stored = await self.store.latest_article(guild_id, channel_id=channel_id)
            self.stored.put_latest(guild_id, channel_id, stored, generation)
        return stored

    async def resolve(self, guild_id: int, value: str) -> StoredArticle:
        """The article `value` names (`#12`, `12` or a title: `resolve_article`), through the
        cache; a `UserError` when it names none."""
        number = parse_article_number(value)
        if number is not None:
            cached = self.stored.get(guild_id, number)
            if cached is not None:
                return cached
        generation = self.stored.generation
        stored = await resolve_article(self.store, guild_id, value)
        self.stored.put(stored, generation)
        return stored

    async def current_article(self, guild_id: int, where: Location) -> StoredArticle:
        """The article meant when none is named (module docstring), or `NoArticle`."""
        candidates: list[int | None] = []
        if where.thread_id is not None:
            candidates.append(await self.store.article_for_thread(guild_id, where.thread_id))
        if where.reply_to is not None:
            candidates.append(await self.links.article_for_message(guild_id, where.reply_to))
        for number in candidates:
            if number is not None:
                stored = await self.get_article(guild_id, number)
                if stored is not None:
                    return stored
        for channel_id in (*where.channel_ids, None):
            stored = await self.latest_article(guild_id, channel_id)
            if stored is not None:
                return stored
        raise NoArticle(NO_ARTICLES)

    async def follow_up_article(self, guild_id: int, where: Location) -> int | None:
        """The article a plain message is about by where it is: the one whose digest or
        answer it replies to, else the one whose discussion thread it is in; else None."""
        number: int | None = None
        if where.reply_to is not None:
            number = await self.links.article_for_message(guild_id, where.reply_to)
        if number is None and where.thread_id is not None:
            number = await self.store.article_for_thread(guild_id, where.thread_id)
        return number

    def link(self, guild_id: int, message: discord.Message | None, number: int) -> None:
        """Link an answer message to its article (written soon: `PendingLinks`), so that a
        reply to it asks about that article."""
        if message is not None:
            self.links.add(guild_id, message.id, number)

    # --- answering ----------------------------------------------------------------------

    def answer(self, stored: StoredArticle, question: str) -> Awaitable[Answer]:
        """The answer to `question` from `stored` (one plain page when not covered): from
        the answer process when it runs (`use_answer_process`), else here."""
        if self.use_answer_process:
            self.answers.start_soon()
            if self.answers.ready:
                return self._answer_elsewhere(stored, question)
        return self._answer_here(stored, question)

    async def _answer_elsewhere(self, stored: StoredArticle, question: str) -> Answer:
        try:
            return await self.answers.answer(stored, question)
        except AnswerProcessGone:
            return await self._answer_here(stored, question)

    def _answer_here(self, stored: StoredArticle, question: str) -> Awaitable[Answer]:
        """Computed in its turn (`TurnQueue`) once the article is parsed (in the executor).
        For a parsed article this is the turn's future itself, not a task."""
        article = self.cache.peek(stored)
        if article is None:
            return self._parse_then_answer(stored, question)
        return self.turns.submit(lambda: _answer(stored, article, question))

    async def _parse_then_answer(self, stored: StoredArticle, question: str) -> Answer:
        article = await self.cache.get(stored)
        return await self.turns.submit(lambda: _answer(stored, article, question))

    async def summarize(self, stored: StoredArticle, *, max_sentences: int) -> Summary:
        """`bot.article.summarize` of the stored article (parsed once, run in the executor)."""
        return await self._run(stored, lambda a: summarize(a, max_sentences=max_sentences))

    async def key_facts(
        self, stored: StoredArticle, *, limit: int, exclude: Collection[str] = ()
    ) -> list[Fact]:
        """`bot.article.key_facts` of the stored article, leaving out `exclude`'s sentences."""
        return await self._run(stored, lambda a: key_facts(a, limit=limit, exclude=exclude))

    async def _run(self, stored: StoredArticle, blocking: Callable[[Article], T]) -> T:
        """`blocking(article)` on the parsed article, in the executor."""
        article = await self.cache.get(stored)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, blocking, article)
