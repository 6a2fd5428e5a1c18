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

from ..answers import Answer, AnswerProcess, AnswerProcessGone, answer_pages_for, parse_title
from ..article import (
    ENGINE_VERSION,
    Article,
    Digest,
    Fact,
    Summary,
    analyze,
    key_facts,
    parse,
    summarize,
)
from ..article_option import parse_article_number, resolve_article
from ..errors import NoCurrentArticle
from ..interactions import Location
from ..lru import LRU
from .caches import ArticleCache, Key, StoredCache
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
    return mentioned or text.rstrip().endswith(("?", "？", "؟", "\u037e"))  # Greek question mark


def _reanalyse(stored: StoredArticle) -> tuple[Article, Digest]:
    """Parse and analyse a stored article again with this engine (blocking: the executor)."""
    article = parse(stored.text, title=parse_title(stored), language=stored.language)
    return article, analyze(article)


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
        # digests made again by this engine (`digest`), and which articles were tried
        self._fresh: LRU[Key, Digest] = LRU(max_items=256)
        self._tried: set[Key] = set()  # at most one per article stored by an older engine
        self._refreshing: dict[Key, asyncio.Future[Digest]] = {}
        self._writes: set[asyncio.Task[None]] = set()

    async def close(self) -> None:
        """Write the pending links and digests, and stop the answer process."""
        await self.links.close()
        await self.written()
        await self.answers.close()
        self.cache.clear()
        self.stored.clear()

    # --- what changed in the store ----------------------------------------------------------

    def added(self, stored: StoredArticle) -> None:
        """A new article: the newest of its channel and server changed."""
        self.stored.added(stored)

    def deleted(self, guild_id: int, number: int) -> None:
        self._fresh.pop((guild_id, number))
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
        """The article meant when none is named (module docstring), or `NoCurrentArticle`."""
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
        raise NoCurrentArticle(NO_ARTICLES)

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

    # --- stored digests ------------------------------------------------------------------

    async def digest(self, stored: StoredArticle) -> Digest:
        """The digest of `stored`. One made by another engine version (`ENGINE_VERSION`) is
        made again by this one, off the event loop, at most once per article per process
        (readers at the same time share the work), and written back (`Store.update_analysis`)
        after the reader has it: a reader never waits longer than the analysis takes. When
        the analysis fails, or the article's paragraphs no longer parse as they were stored
        (then the new digest's ¶ numbers would point elsewhere), the stored digest stays."""
        if stored.engine_version == ENGINE_VERSION:
            return Digest.from_dict(stored.analysis)
        key = (stored.guild_id, stored.number)
        fresh = self._fresh.get(key)
        if fresh is not None:
            return fresh
        pending = self._refreshing.get(key)
        if pending is None:
            if key in self._tried:
                return Digest.from_dict(stored.analysis)
            self._tried.add(key)
            pending = asyncio.ensure_future(self._refresh(key, stored))
            self._refreshing[key] = pending
        return await asyncio.shield(pending)

    async def _refresh(self, key: Key, stored: StoredArticle) -> Digest:
        loop = asyncio.get_running_loop()
        try:
            article, digest = await loop.run_in_executor(self.executor, _reanalyse, stored)
        except Exception:
            log.exception("guild %s article #%d: could not analyse it again", *key)
            return Digest.from_dict(stored.analysis)
        finally:
            self._refreshing.pop(key, None)
        if [p.text for p in article.paragraphs] != [p.text for p in stored.paragraphs]:
            log.warning(
                "guild %s article #%d: engine %s parses it into other paragraphs than engine "
                "%s did; its stored digest stays",
                *key,
                ENGINE_VERSION,
                stored.engine_version,
            )
            return Digest.from_dict(stored.analysis)
        self._fresh.put(key, digest)
        write = asyncio.create_task(self._write_back(key, digest))
        self._writes.add(write)
        write.add_done_callback(self._writes.discard)
        return digest

    async def _write_back(self, key: Key, digest: Digest) -> None:
        try:
            updated = await self.store.update_analysis(
                *key, digest.to_dict(), digest.engine_version
            )
        except Exception:
            log.exception("guild %s article #%d: could not store its new digest", *key)
            return
        if updated:
            self.stored.forget(*key)  # the cached copy holds the old digest
            log.info("guild %s article #%d: digest made again by engine %s", *key, ENGINE_VERSION)

    async def written(self) -> None:
        """Wait until the digests being written back are written."""
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

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
