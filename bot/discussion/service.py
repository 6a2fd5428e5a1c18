"""`Discussion`: what talking about stored articles needs, built once by the bot.

    discussion = Discussion(store, workers)         # `DigestBot.discussion`
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
- Answers, summaries and key facts are computed by the `answers` worker processes
  (`bot.workers`, `bot.jobs`), which keep articles parsed and indexed; a request has a
  deadline (`ANSWER_TIMEOUT`: past it the user reads "try again") and each server's
  requests take their turn, so nothing here runs the engine on the event loop. A digest
  made again by this engine runs in the `articles` workers.
- Every answer message is linked to its article (`Store.link_message`), written once no
  answer is being computed (`PendingLinks`).

Several processes on one database (shards): the bot passes this object to
`Store.watch_changes`, so that what another process adds, deletes or re-analyses reaches the
caches here (`changed`), and when such changes may have been missed (`reset`) every cache of
the store's data is dropped. `benchmarks/shards.py` measured this against not caching.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import discord

from storage import ArticleChange, Store, StoredArticle

from .. import jobs
from ..answers import Answer, AnswerSource, parse_title
from ..article import ENGINE_VERSION, Digest, Fact, Summary
from ..article_option import parse_article_number, resolve_article
from ..errors import NoCurrentArticle
from ..interactions import Location
from ..lru import LRU
from ..workers import WorkError, Workers
from .caches import Key, StoredCache
from .flow import Busy, PendingLinks
from .manners import Manners

log = logging.getLogger(__name__)

TOO_SLOW = (
    "That took me too long (more than {:g} s), so I stopped. Please try again; if it keeps "
    "happening, this article is too complex to {}."
)
NO_ARTICLES = (
    "There are no articles in this server yet. A moderator posts one with `/article post` "
    "(text, a file or a link) or the “Save as article” message menu."
)


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


class Discussion:
    """Article resolution, the caches, answer routing and message links (module docstring)."""

    def __init__(self, store: Store, workers: Workers) -> None:
        self.store = store
        self.workers = workers
        self.manners = Manners()
        self.defer_after = 1.0  # seconds of work before a slash reply is deferred
        self.stored = StoredCache()
        self.busy = Busy()
        self.links = PendingLinks(store, self.busy.quiet)
        # digests made again by this engine (`digest`), and which articles were tried
        self._fresh: LRU[Key, Digest] = LRU(max_items=256)
        self._tried: set[Key] = set()  # at most one per article stored by an older engine
        self._refreshing: dict[Key, asyncio.Future[Digest]] = {}
        self._writes: set[asyncio.Task[None]] = set()

    async def close(self) -> None:
        """Write the pending links and digests (the bot stops the workers)."""
        await self.links.close()
        await self.written()
        self.stored.clear()

    # --- what changed in the store ----------------------------------------------------------

    def added(self, stored: StoredArticle) -> None:
        """A new article: the newest of its channel and server changed."""
        self.stored.added(stored)

    def deleted(self, guild_id: int, number: int) -> None:
        self._fresh.pop((guild_id, number))
        self.stored.deleted(guild_id, number)
        self.links.forget(guild_id, number)
        self.workers.answers.forget((guild_id, number))

    def changed(self, change: ArticleChange) -> None:
        """Another process added, deleted or re-analysed an article (`Store.watch_changes`)."""
        if change.kind == "deleted":
            log.info(
                "guild %s article #%d was deleted by another process: forgotten here",
                change.guild_id,
                change.number,
            )
            self.deleted(change.guild_id, change.number)
        elif change.kind == "added":
            self.stored.added_at(change.guild_id, change.channel_id)
        else:  # its stored digest was made again: the cached copy holds the old one
            self.stored.forget(change.guild_id, change.number)

    def reset(self, live: bool) -> None:
        """Other processes' changes may have been missed: drop what was read from the store;
        while not `live`, cache nothing (parsed articles in the workers stay: an article's
        text never changes, and one deleted is no longer found to be asked about)."""
        self.stored.clear()
        self.stored.live = live
        self._fresh.clear()

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
        digest: Digest
        try:
            texts, digest = await self.workers.articles.run(
                stored.guild_id,
                jobs.reanalyse,
                stored.text,
                parse_title(stored),
                stored.language,
            )
        except WorkError as exc:
            log.warning("guild %s article #%d: not analysed again: %r", *key, exc)
            return Digest.from_dict(stored.analysis)
        except Exception:
            log.exception("guild %s article #%d: could not analyse it again", *key)
            return Digest.from_dict(stored.analysis)
        finally:
            self._refreshing.pop(key, None)
        if texts != [p.text for p in stored.paragraphs]:
            log.warning(
                "guild %s article #%d: engine %s parses it into other paragraphs than engine "
                "%s did; its stored digest stays",
                *key,
                ENGINE_VERSION,
                stored.engine_version,
            )
            return Digest.from_dict(stored.analysis)
        if self.stored.live:
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

    async def answer(self, stored: StoredArticle, question: str) -> Answer:
        """The answer to `question` from `stored` (one plain page when not covered)."""
        result: Answer = await self._on_article(
            stored, "answer questions about", jobs.answer, question
        )
        return result

    async def summarize(self, stored: StoredArticle, *, max_sentences: int) -> Summary:
        """`bot.article.summarize` of the stored article."""
        result: Summary = await self._on_article(stored, "summarise", jobs.summary, max_sentences)
        return result

    async def key_facts(
        self, stored: StoredArticle, *, limit: int, exclude: Collection[str] = ()
    ) -> list[Fact]:
        """`bot.article.key_facts` of the stored article, leaving out `exclude`'s sentences."""
        result: list[Fact] = await self._on_article(
            stored, "summarise", jobs.facts, limit, list(exclude)
        )
        return result

    async def _on_article(
        self, stored: StoredArticle, doing: str, fn: Callable[..., Any], *args: Any
    ) -> Any:
        """`fn(held article, *args)` in an answer worker, in the server's turn."""
        pool = self.workers.answers
        return await pool.run(
            stored.guild_id,
            fn,
            *args,
            key=(stored.guild_id, stored.number),
            source=lambda: AnswerSource.of(stored),
            too_slow=TOO_SLOW.format(pool.deadline, doing),
        )
