"""Talking about stored articles: ask, quote, summary, facts, search, and follow-ups.

Commands (hybrid: slash, and prefix when the message-content intent is on or the bot is
mentioned):
- `/ask <question> [article]` — the 1–3 paragraphs that answer it, quoted, each headed with its
  ¶ number and section, the best sentence in bold; "More" sends the next ones. When the
  article does not cover the question, it says so instead of quoting noise.
  Prefix: `!ask [#12] <question>`.
- `/quote <article> <paragraphs>` — paragraphs verbatim: `4`, `2-5`, `1,3` (at most
  `MAX_QUOTE` at once).
- `/summary [article] [length]` — short: the TL;DR; medium: TL;DR and each section's summary;
  long: a longer TL;DR, the sections and the key facts.
- `/facts [article]` — the key facts with ¶ numbers.
- `/search <query>` — ranked paragraphs across this server's articles, paginated.

Which article, when the option is omitted (`Discuss.default_article`): the one whose
discussion thread this is, else the one whose digest or answer the command replies to, else
the newest posted in this channel, else the server's newest.

Follow-ups (`on_message`): a message that *asks* — ends with "?" or mentions the bot — gets a
quoted answer when it replies to the bot's digest or answer message (that article), or is in
an article's discussion thread (that article), or mentions the bot anywhere else (the default
article). Reading a message's text needs the message-content intent, except when it mentions
the bot, so without the intent mentions still work and nothing else happens. After a digest in
a text channel (`on_article_posted`) the bot opens a thread "Discuss: <title>" when the
server's setting allows and it has the permission (otherwise it logs and skips).

Manners: per-user cooldowns on asking (slash, prefix and follow-ups share one) and
searching; a per-channel cap on follow-up answers, whose "slow down" notice is sent once per
wait. Checks that can fail (article, range, cooldown) run before a reply is deferred, so
their message stays ephemeral; a reply is deferred only when the work has not finished
within `Discuss.defer_after` seconds (an error after that point replaces the public "thinking"
message). Every answer message is linked to its article (`Store.link_message`, written once
no answer is being computed: `PendingLinks`), so replying to an answer asks again; a button
on an answer to a deleted article says so.

Fast paths (`benchmarks/bot.py` measures /ask with 1 and 50 askers at once):
- What the store said about an article number or "the latest article here" is kept
  (`StoredCache`, invalidated exactly by the bot's `article_stored` / `article_deleted`
  events), so asking about a known article reads nothing from the store.
- Answers are computed by the answer process (`bot.answers`, on another core) when there is
  one; otherwise here, one per turn of the event loop (`TurnQueue`), on articles parsed once
  in the bot's executor and cached per (guild, number) (`ArticleCache`). Article numbers are
  never reused, so an entry never goes stale.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import re
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.answers import (
    Answer,
    AnswerProcess,
    AnswerProcessGone,
    answer_pages_for,
    parse_title,
    prepare_article,
)
from bot.article import Article, key_facts, summarize
from bot.article_option import article_autocomplete, parse_article_number, resolve_article
from bot.client import user_message
from bot.errors import ArticleNotFound, GuildOnly, NoArticle, UserError
from bot.render import (
    NO_MENTIONS,
    Page,
    Quoted,
    article_label,
    clip,
    facts_pages,
    inline,
    para_ref,
    quote_pages,
    search_pages,
    summary_pages,
)
from bot.views import (
    PAGINATOR_TIMEOUT,
    ListPageSource,
    OwnedView,
    Paginator,
    SentMessage,
    send_page,
)
from storage import Store, StoredArticle

if TYPE_CHECKING:
    from bot.client import DigestBot

log = logging.getLogger(__name__)

T = TypeVar("T")
Target = commands.Context[Any] | discord.Interaction[Any]
Length = Literal["short", "medium", "long"]

MAX_QUOTE = 5  # paragraphs `/quote` shows at once
SEARCH_HITS = 25
SUMMARY_TLDR: dict[str, int] = {"short": 2, "medium": 3, "long": 6}
FACTS_LIMIT = 10
THREAD_NAME_LIMIT = 100  # Discord's limit for a channel name
DELETED = "That article was deleted, so there is nothing more to show."
NO_ARTICLES = (
    "There are no articles in this server yet. A moderator posts one with `/article post` "
    "(text, a file or a link) or the “Save as article” message menu."
)

_PREFIX_ARTICLE = re.compile(r"^\s*(#\d{1,9})\s+(\S.*)$", re.DOTALL)
_RANGE = re.compile(r"^(\d{1,6})(?:-(\d{1,6}))?$")


class Cooldowns(commands.DynamicCooldownMapping[Any]):
    """discord.py's cooldown mapping, sweeping out idle buckets at most every `sweep_every`
    seconds instead of on every lookup: that sweep walks every bucket (everyone who asked in
    the last minute), measured 0.18 ms per ask with 2,000 recent askers. A bucket not swept
    yet behaves as a fresh one (its window has passed), so only memory waits for the sweep."""

    sweep_every = 10.0

    def __init__(self, rate: Callable[[], tuple[int, float]], kind: commands.BucketType) -> None:
        super().__init__(lambda _: commands.Cooldown(*rate()), kind)
        self._swept = 0.0

    def _verify_cache_integrity(self, current: float | None = None) -> None:
        now = current or time.time()
        if now - self._swept >= self.sweep_every:
            self._swept = now
            super()._verify_cache_integrity(now)


def _search_bucket(ctx: commands.Context[Any]) -> commands.Cooldown:
    rate = ctx.cog.search_rate if isinstance(ctx.cog, Discuss) else Discuss.search_rate
    return commands.Cooldown(*rate)


# --- pure helpers ---------------------------------------------------------------------------


def parse_paragraphs(spec: str, count: int) -> list[int]:
    """`"4"`, `"2-5"`, `"1,3"`, `"¶2–3, 5"` → paragraph numbers in the order given, without
    repeats; `UserError` naming the valid range for anything else."""
    valid = f"¶1–{count}" if count > 1 else "¶1"
    numbers: list[int] = []
    joined = re.sub(r"\s*(?:-|–|—|\.\.)\s*", "-", spec.replace("¶", " ").replace("#", " "))
    parts = [p for p in re.split(r"[,;\s]+", joined) if p]
    if not parts:
        raise UserError(f"Name paragraphs like `4`, `2-5` or `1,3` (this article has {valid}).")
    for part in parts:
        m = _RANGE.match(part)
        if m is None:
            raise UserError(
                f"“{clip(inline(part), 40)}” is not a paragraph number or range. "
                f"Use `4`, `2-5` or `1,3` (this article has {valid})."
            )
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) else low
        if low > high:
            low, high = high, low
        if low < 1 or high > count:
            bad = high if high > count else low
            raise UserError(f"There is no ¶{bad}: this article has {valid}.")
        if high - low + 1 > MAX_QUOTE:
            raise UserError(
                f"That is {high - low + 1} paragraphs; I quote up to {MAX_QUOTE} at once "
                f"(e.g. `{low}-{low + MAX_QUOTE - 1}`)."
            )
        numbers.extend(n for n in range(low, high + 1) if n not in numbers)
        if len(numbers) > MAX_QUOTE:
            raise UserError(f"I quote up to {MAX_QUOTE} paragraphs at once; name fewer.")
    return numbers


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


class ArticleCache:
    """Parsed articles per (guild, number), least recently used dropped first, bounded by
    count and by total text length. A miss parses (once, however many ask at the same time)
    in `executor`.

    (A parsed article is a few hundred objects for the garbage collector, its index ~30
    since the index is compact, so holding many does not lengthen the collector's passes:
    no `gc.freeze` here; `bot.runner.settle_memory` freezes the start-up objects.)"""

    def __init__(
        self, executor: Executor, *, max_articles: int = 64, max_chars: int = 8_000_000
    ) -> None:
        self.executor = executor
        self.max_articles = max_articles
        self.max_chars = max_chars
        self._items: OrderedDict[tuple[int, int], tuple[Article, int]] = OrderedDict()
        self._chars = 0
        self._loading: dict[tuple[int, int], asyncio.Future[Article]] = {}

    def __contains__(self, stored: StoredArticle) -> bool:
        return (stored.guild_id, stored.number) in self._items

    def peek(self, stored: StoredArticle) -> Article | None:
        """The parsed article if it is cached (as `get`, without waiting), else None."""
        key = (stored.guild_id, stored.number)
        hit = self._items.get(key)
        if hit is None:
            return None
        self._items.move_to_end(key)
        return hit[0]

    def discard(self, guild_id: int, number: int) -> None:
        hit = self._items.pop((guild_id, number), None)
        if hit is not None:
            self._chars -= hit[1]

    async def get(self, stored: StoredArticle) -> Article:
        key = (stored.guild_id, stored.number)
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
            return hit[0]
        pending = self._loading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._load(key, stored))
            self._loading[key] = pending
        return await asyncio.shield(pending)

    async def _load(self, key: tuple[int, int], stored: StoredArticle) -> Article:
        loop = asyncio.get_running_loop()
        try:
            article = await loop.run_in_executor(
                self.executor, prepare_article, stored.text, parse_title(stored)
            )
        finally:
            self._loading.pop(key, None)
        if len(article.paragraphs) != len(stored.paragraphs):
            log.warning(
                "guild %s article #%d: re-parsing gives %d paragraphs, %d stored (engine changed?)",
                *key,
                len(article.paragraphs),
                len(stored.paragraphs),
            )
        size = len(stored.text)
        self._items[key] = (article, size)
        self._chars += size
        while len(self._items) > 1 and (
            len(self._items) > self.max_articles or self._chars > self.max_chars
        ):
            _, (_, dropped) = self._items.popitem(last=False)
            self._chars -= dropped
        return article

    def clear(self) -> None:
        self._items.clear()
        self._chars = 0


class StoredCache:
    """What the store answered for "article #n" and for "the latest article" of a channel or a
    server, so that asking about a known article reads nothing from the store (each read is a
    hop to the store's thread and back, which under load costs more than the read itself).

    Exact, not timed: an article number is never reused and a stored article never changes
    (except its analysis, which this cog does not read), so only a new article (the latest
    changes) and a deleted one invalidate, through the bot's `article_stored` and
    `article_deleted` events (`added`, `deleted`). A read that was under way while one of
    them happened is not cached (`generation`)."""

    def __init__(self, *, max_articles: int = 256, max_chars: int = 16_000_000) -> None:
        self.max_articles = max_articles
        self.max_chars = max_chars
        self.generation = 0
        self._articles: OrderedDict[tuple[int, int], StoredArticle] = OrderedDict()
        self._chars = 0
        # (guild, channel or None for the server) → the latest article's number, 0 for none
        self._latest: dict[tuple[int, int | None], int] = {}

    def get(self, guild_id: int, number: int) -> StoredArticle | None:
        stored = self._articles.get((guild_id, number))
        if stored is not None:
            self._articles.move_to_end((guild_id, number))
        return stored

    def latest(self, guild_id: int, channel_id: int | None) -> tuple[bool, StoredArticle | None]:
        """(known, the latest article of the channel, or of the server for None); known and
        None when the store said there is none."""
        number = self._latest.get((guild_id, channel_id))
        if number is None:
            return False, None
        if number == 0:
            return True, None
        stored = self.get(guild_id, number)
        return stored is not None, stored

    def put_latest(
        self, guild_id: int, channel_id: int | None, stored: StoredArticle | None, generation: int
    ) -> None:
        """Remember what `Store.latest_article` answered (read at `generation`)."""
        if generation != self.generation:
            return
        self._latest[(guild_id, channel_id)] = 0 if stored is None else stored.number
        if stored is not None:
            self.put(stored, generation)

    def put(self, stored: StoredArticle, generation: int) -> None:
        """Remember `stored`, read when `self.generation` was `generation`."""
        if generation != self.generation:
            return
        key = (stored.guild_id, stored.number)
        if key not in self._articles:
            self._articles[key] = stored
            self._chars += len(stored.text)
        while len(self._articles) > 1 and (
            len(self._articles) > self.max_articles or self._chars > self.max_chars
        ):
            (guild_id, number), dropped = self._articles.popitem(last=False)
            self._chars -= len(dropped.text)
            self._forget_latest(guild_id, number)

    def added(self, stored: StoredArticle) -> None:
        self.generation += 1
        self._latest.pop((stored.guild_id, stored.channel_id), None)
        self._latest.pop((stored.guild_id, None), None)

    def deleted(self, guild_id: int, number: int) -> None:
        self.generation += 1
        dropped = self._articles.pop((guild_id, number), None)
        if dropped is not None:
            self._chars -= len(dropped.text)
        self._forget_latest(guild_id, number)

    def _forget_latest(self, guild_id: int, number: int) -> None:
        for key in [k for k, n in self._latest.items() if k[0] == guild_id and n == number]:
            del self._latest[key]

    def clear(self) -> None:
        self.generation += 1
        self._articles.clear()
        self._latest.clear()
        self._chars = 0


class TurnQueue:
    """Short blocking jobs (answering a question about a parsed article: ~1 ms) run on the
    event loop one per turn of the loop, in the order they came.

    Fifty asks that arrive together would otherwise compute their answers back to back in a
    single turn: no reply leaves before all fifty are computed (aiohttp writes a request's
    body from a task of its own, a turn later), and the loop does nothing else meanwhile
    (heartbeats, timers) for 50 × the job. One job a turn lets each reply go out as soon as
    its answer is ready and keeps every turn short."""

    def __init__(self) -> None:
        self._jobs: deque[tuple[asyncio.Future[Any], Callable[[], Any]]] = deque()
        self._worker: asyncio.Task[None] | None = None

    def submit(self, job: Callable[[], T]) -> asyncio.Future[T]:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.append((future, job))
        if self._worker is None:
            self._worker = asyncio.create_task(self._work())
        return future

    async def _work(self) -> None:
        try:
            while self._jobs:
                future, job = self._jobs.popleft()
                if not future.done():  # not cancelled
                    try:
                        future.set_result(job())
                    except Exception as exc:
                        future.set_exception(exc)
                await asyncio.sleep(0)  # the caller goes on (sends its reply) before the next
        finally:
            self._worker = None
            while self._jobs:  # only when cancelled (the loop is closing)
                self._jobs.popleft()[0].cancel()


class Busy:
    """How many questions are being answered (`with busy:` around each); `quiet()` returns
    when none is."""

    def __init__(self) -> None:
        self.count = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    def __enter__(self) -> None:
        self.count += 1
        self._quiet.clear()

    def __exit__(self, *_: object) -> None:
        self.count -= 1
        if not self.count:
            self._quiet.set()

    async def quiet(self) -> None:
        await self._quiet.wait()


class PendingLinks:
    """Links from answer messages to their article (`Store.link_message`), readable at once
    and written to the store once `quiet()` returns (no question is being answered): each
    write is a transaction of three hops to the store's writer thread, which in a burst of
    questions would delay the next replies. `close` writes what is pending (the cog's unload
    does)."""

    def __init__(
        self, store: Store, quiet: Callable[[], Awaitable[None]], *, pause: float = 0.05
    ) -> None:
        self.store = store
        self.quiet = quiet
        self.pause = pause
        self._pending: dict[tuple[int, int], int] = {}  # (guild, message) → article number
        self._writer: asyncio.Task[None] | None = None

    def add(self, guild_id: int, message_id: int, number: int) -> None:
        self._pending[(guild_id, message_id)] = number
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_when_quiet())

    async def article_for_message(self, guild_id: int, message_id: int) -> int | None:
        number = self._pending.get((guild_id, message_id))
        if number is not None:
            return number
        return await self.store.article_for_message(guild_id, message_id)

    async def _write_when_quiet(self) -> None:
        try:
            await asyncio.sleep(self.pause)
            await self.quiet()
            await self.flush()
        finally:
            self._writer = None

    async def flush(self) -> None:
        while self._pending:
            (guild_id, message_id), number = next(iter(self._pending.items()))
            try:
                await self.store.link_message(guild_id, message_id, number)
            except Exception:
                log.exception("could not link message %s to article #%d", message_id, number)
            # A new link of the same message may have come meanwhile: keep that one.
            if self._pending.get((guild_id, message_id)) == number:
                del self._pending[(guild_id, message_id)]

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        await self.flush()


async def in_time(target: Target, work: Awaitable[T], *, defer_after: float) -> T:
    """Await `work`; defer a slash reply ("thinking") if it takes more than `defer_after` s
    (a timer, not a task: this runs for every answer). When it returns, a deferral it started
    has completed, so the reply can be sent as a follow-up."""
    interaction = target.interaction if isinstance(target, commands.Context) else target
    future = asyncio.ensure_future(work)
    if interaction is None or interaction.response.is_done() or future.done():
        return await future
    deferring: list[asyncio.Task[Any]] = []

    def defer() -> None:
        assert interaction is not None
        if not future.done() and not interaction.response.is_done():
            deferring.append(asyncio.ensure_future(interaction.response.defer(thinking=True)))

    timer = asyncio.get_running_loop().call_later(defer_after, defer)
    try:
        result = await future
    finally:
        timer.cancel()
        if deferring:
            await asyncio.wait(deferring)
    if deferring:
        deferring[0].result()  # a failed deferral fails the reply too
    return result


def _guild_id(target: Target) -> int:
    if target.guild is None:
        raise GuildOnly()
    return target.guild.id


# --- views ----------------------------------------------------------------------------------


class ArticlePageSource(ListPageSource):
    """Pages of one article; turning a page checks that the article still exists."""

    def __init__(self, store: Store, guild_id: int, number: int, pages: list[Page]) -> None:
        super().__init__(pages)
        self.store, self.guild_id, self.number = store, guild_id, number
        self.shown = False

    async def get_page(self, index: int) -> Page:
        if self.shown and await self.store.get_article(self.guild_id, self.number) is None:
            raise ArticleNotFound(DELETED)
        self.shown = True
        return await super().get_page(index)


class MoreView(OwnedView):
    """An answer's "More" button (for the asker): sends the next group of passages as a new
    message with its own "More" while any remain, and takes the button off this one. It
    keeps the pages still to show as `Answer` has them (pickled)."""

    def __init__(self, cog: Discuss, guild_id: int, number: int, more: bytes, owner: int) -> None:
        super().__init__(owner, timeout=PAGINATOR_TIMEOUT)
        self.cog, self.guild_id, self.number = cog, guild_id, number
        self.more_pages = more

    @discord.ui.button(label="More", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(view=None)
        if await self.cog.bot.store.get_article(self.guild_id, self.number) is None:
            await interaction.followup.send(DELETED, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        nxt = Answer.of(pickle.loads(self.more_pages))
        view = self.cog.more_view(self.guild_id, self.number, nxt, self.owner_id)
        message = await send_page(interaction, nxt.first, view=view)
        self.cog.link(self.guild_id, message, self.number)


# --- the cog --------------------------------------------------------------------------------


class Discuss(commands.Cog):
    """Ask about, quote, summarise and search the server's articles."""

    # Manners, per instance (a test or a deployment may change them before first use).
    # Cooldowns are (uses, per seconds); a bucket takes the rate when it is made.
    ask_rate = (5, 60.0)  # per user: /ask, !ask and follow-up questions together
    search_rate = (5, 60.0)  # per user
    channel_followup_rate = (12, 60.0)  # follow-up answers per channel or thread
    defer_after = 1.0  # seconds of work before a slash reply is deferred
    # Answer /ask and follow-ups in a child process (`bot.answers`) when there is a core
    # for it; else (or until it is up, or if it dies) in this one.
    use_answer_process = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    ) > 1

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot
        self.cache = ArticleCache(bot.executor)
        self.stored = StoredCache()
        self.turns = TurnQueue()
        self.busy = Busy()
        self.answers = AnswerProcess(
            max_articles=self.cache.max_articles, max_chars=self.cache.max_chars
        )
        self.links = PendingLinks(bot.store, self.busy.quiet)
        self.ask_cooldown = Cooldowns(lambda: self.ask_rate, commands.BucketType.user)
        self.channel_cooldown = Cooldowns(
            lambda: self.channel_followup_rate, commands.BucketType.channel
        )
        self._warned: dict[tuple[str, str], float] = {}

    async def cog_unload(self) -> None:
        await self.links.close()
        await self.answers.close()
        self.cache.clear()
        self.stored.clear()

    @commands.Cog.listener()
    async def on_article_stored(self, stored: StoredArticle) -> None:
        self.stored.added(stored)

    @commands.Cog.listener()
    async def on_article_deleted(self, guild_id: int, number: int) -> None:
        self.stored.deleted(guild_id, number)
        self.cache.discard(guild_id, number)
        self.answers.forget(guild_id, number)

    # --- shared pieces -------------------------------------------------------------------

    async def default_article(
        self,
        guild_id: int,
        channel: Any,
        *,
        reply_to: int | None = None,
    ) -> StoredArticle:
        """The article meant when none is named (see the module docstring), or `NoArticle`."""
        store = self.bot.store
        candidates: list[int | None] = []
        if isinstance(channel, discord.Thread):
            candidates.append(await store.article_for_thread(guild_id, channel.id))
        if reply_to is not None:
            candidates.append(await self.links.article_for_message(guild_id, reply_to))
        for number in candidates:
            if number is not None:
                stored = await self.get_article(guild_id, number)
                if stored is not None:
                    return stored
        channel_ids = [getattr(channel, "id", None)]
        if isinstance(channel, discord.Thread):
            channel_ids.append(channel.parent_id)
        for channel_id in channel_ids:
            if channel_id is not None:
                stored = await self.latest_article(guild_id, channel_id)
                if stored is not None:
                    return stored
        stored = await self.latest_article(guild_id, None)
        if stored is None:
            raise NoArticle(NO_ARTICLES)
        return stored

    async def get_article(self, guild_id: int, number: int) -> StoredArticle | None:
        """`Store.get_article`, through `self.stored`."""
        stored = self.stored.get(guild_id, number)
        if stored is None:
            generation = self.stored.generation
            stored = await self.bot.store.get_article(guild_id, number)
            if stored is not None:
                self.stored.put(stored, generation)
        return stored

    async def latest_article(self, guild_id: int, channel_id: int | None) -> StoredArticle | None:
        """`Store.latest_article` of a channel (None: of the server), through `self.stored`."""
        known, stored = self.stored.latest(guild_id, channel_id)
        if not known:
            generation = self.stored.generation
            stored = await self.bot.store.latest_article(guild_id, channel_id=channel_id)
            self.stored.put_latest(guild_id, channel_id, stored, generation)
        return stored

    async def resolve(self, guild_id: int, value: str) -> StoredArticle:
        """`resolve_article` (a number or a title), through `self.stored`."""
        number = parse_article_number(value)
        if number is not None:
            cached = self.stored.get(guild_id, number)
            if cached is not None:
                return cached
        generation = self.stored.generation
        stored = await resolve_article(self.bot.store, guild_id, value)
        self.stored.put(stored, generation)
        return stored

    async def article_for(self, ctx: commands.Context[Any], value: str | None) -> StoredArticle:
        """The article an `article` option names, or the default one."""
        guild_id = _guild_id(ctx)
        if value and value.strip():
            return await self.resolve(guild_id, value)
        reference = ctx.message.reference if ctx.interaction is None else None
        reply_to = reference.message_id if reference is not None else None
        return await self.default_article(guild_id, ctx.channel, reply_to=reply_to)

    def link(self, guild_id: int, message: discord.Message | None, number: int) -> None:
        """Link an answer message to its article (written soon: `PendingLinks`)."""
        if message is not None:
            self.links.add(guild_id, message.id, number)

    def more_view(self, guild_id: int, number: int, answer: Answer, owner: int) -> MoreView | None:
        if not answer.more_count:
            return None
        return MoreView(self, guild_id, number, answer.more, owner)

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

    async def _run(self, stored: StoredArticle, blocking: Callable[[Article], T]) -> T:
        """`blocking(article)` on the parsed article, in the executor."""
        article = await self.cache.get(stored)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.bot.executor, blocking, article)

    @staticmethod
    def _check_cooldown(
        mapping: commands.CooldownMapping[Any], message: discord.Message, kind: commands.BucketType
    ) -> None:
        bucket = mapping.get_bucket(message)
        retry = bucket.update_rate_limit() if bucket is not None else None
        if retry:
            assert bucket is not None
            raise commands.CommandOnCooldown(bucket, retry, kind)

    # --- commands ------------------------------------------------------------------------

    @commands.hybrid_command(name="ask")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.guild_only()
    @app_commands.describe(
        question="What you want to know",
        article="#number or title (default: this thread's article, else the latest here)",
    )
    @app_commands.autocomplete(article=article_autocomplete)
    async def ask(
        self, ctx: commands.Context[DigestBot], *, question: str, article: str | None = None
    ) -> None:
        """Ask about an article: the paragraphs that answer it, quoted."""
        if ctx.interaction is None and article is None:
            m = _PREFIX_ARTICLE.match(question)
            if m:
                article, question = m.group(1), m.group(2)
        self._check_cooldown(self.ask_cooldown, ctx.message, commands.BucketType.user)
        with self.busy:
            stored = await self.article_for(ctx, article)
            work = self.answer(stored, question)
            answer = await in_time(ctx, work, defer_after=self.defer_after)
            view = self.more_view(stored.guild_id, stored.number, answer, ctx.author.id)
            message = await send_page(ctx, answer.first, view=view)
        self.link(stored.guild_id, message, stored.number)

    @commands.hybrid_command(name="quote")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.guild_only()
    @app_commands.describe(
        article="#number or title", paragraphs="Paragraph numbers: 4, 2-5 or 1,3"
    )
    @app_commands.autocomplete(article=article_autocomplete)
    async def quote(
        self, ctx: commands.Context[DigestBot], article: str, *, paragraphs: str
    ) -> None:
        """Quote paragraphs of an article word for word."""
        stored = await self.resolve(_guild_id(ctx), article)
        numbers = parse_paragraphs(paragraphs, len(stored.paragraphs))
        by_number = {p.number: p for p in stored.paragraphs}
        blocks = [
            Quoted(n, by_number[n].text, by_number[n].heading) for n in numbers if n in by_number
        ]
        label = clip(article_label(stored.number, stored.title), 200)
        pages = quote_pages(
            [blocks],
            content=f"**{label}** · {para_ref(numbers)}",
            footer=f"Article #{stored.number} · quoted word for word",
        )
        await self._send_pages(ctx, stored, pages)

    @commands.hybrid_command(name="summary")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.guild_only()
    @app_commands.describe(
        article="#number or title (default: this thread's or channel's latest)",
        length="short: the gist; medium: each section; long: more, with key facts",
    )
    @app_commands.autocomplete(article=article_autocomplete)
    async def summary(
        self,
        ctx: commands.Context[DigestBot],
        article: str | None = None,
        length: Length = "medium",
    ) -> None:
        """Summarise an article: sentences quoted from it, with ¶ numbers."""
        if ctx.interaction is None and article in SUMMARY_TLDR and length == "medium":
            article, length = None, cast(Length, article)  # `!summary long`
        stored = await self.article_for(ctx, article)

        async def work() -> list[Page]:
            tldr = SUMMARY_TLDR[length]
            result = await self._run(stored, lambda a: summarize(a, max_sentences=tldr))
            facts = []
            if length == "long":
                shown = result.tldr  # the facts add to the TL;DR above them, never repeat it
                facts = await self._run(
                    stored, lambda a: key_facts(a, limit=FACTS_LIMIT, exclude=shown)
                )
            return summary_pages(
                result,
                number=stored.number,
                title=stored.title,
                paragraphs=[(p.number, p.text) for p in stored.paragraphs],
                length=length,
                facts=facts,
                sections=length != "short",
            )

        await self._send_pages(
            ctx, stored, await in_time(ctx, work(), defer_after=self.defer_after)
        )

    @commands.hybrid_command(name="facts")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.guild_only()
    @app_commands.describe(article="#number or title (default: this thread's or channel's latest)")
    @app_commands.autocomplete(article=article_autocomplete)
    async def facts(self, ctx: commands.Context[DigestBot], *, article: str | None = None) -> None:
        """The key facts of an article (numbers, names, dates), with ¶ numbers."""
        stored = await self.article_for(ctx, article)

        async def work() -> list[Page]:
            found = await self._run(stored, lambda a: key_facts(a, limit=FACTS_LIMIT))
            return facts_pages(found, number=stored.number, title=stored.title)

        await self._send_pages(
            ctx, stored, await in_time(ctx, work(), defer_after=self.defer_after)
        )

    @commands.hybrid_command(name="search")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.guild_only()
    @commands.dynamic_cooldown(_search_bucket, commands.BucketType.user)
    @app_commands.describe(query="Words to look for in this server's articles")
    async def search(self, ctx: commands.Context[DigestBot], *, query: str) -> None:
        """Search every article of this server: the best paragraphs, with snippets."""
        guild_id = _guild_id(ctx)
        search = self.bot.store.search(guild_id, query, limit=SEARCH_HITS)
        hits = await in_time(ctx, search, defer_after=self.defer_after)
        pages = search_pages(hits, query=query)
        await Paginator(ctx.author.id, ListPageSource(pages)).start(ctx)

    async def _send_pages(
        self, ctx: commands.Context[Any], stored: StoredArticle, pages: list[Page]
    ) -> None:
        source = ArticlePageSource(self.bot.store, stored.guild_id, stored.number, pages)
        message = await Paginator(ctx.author.id, source).start(ctx)
        self.link(stored.guild_id, message, stored.number)

    # --- discussion threads --------------------------------------------------------------

    @commands.Cog.listener()
    async def on_article_posted(
        self, stored: StoredArticle, message: discord.Message | None
    ) -> None:
        """Open the "Discuss: <title>" thread on a new digest (when allowed and possible)."""
        # A follow-up (webhook) message knows neither its guild nor its channel's type.
        guild = self.bot.get_guild(stored.guild_id)
        if message is None or guild is None:
            return
        channel = guild.get_channel(message.channel.id)
        if not isinstance(channel, discord.TextChannel):
            return
        if not (await self.bot.store.get_settings(guild.id)).discussion_threads:
            return
        perms = channel.permissions_for(guild.me)
        if not (perms.create_public_threads and perms.send_messages_in_threads):
            log.info("guild %s: no permission to open a thread in #%s", guild.id, channel.id)
            return
        topic = " ".join((stored.title or f"article #{stored.number}").split())
        name = clip(f"Discuss: {topic}", THREAD_NAME_LIMIT)
        try:
            thread = await channel.get_partial_message(message.id).create_thread(
                name=name, auto_archive_duration=1440
            )
        except discord.HTTPException as exc:
            log.info("guild %s: could not open a discussion thread: %s", guild.id, exc)
            return
        await self.bot.store.link_thread(guild.id, thread.id, stored.number)
        how = (
            "end a message with “?” or mention me"
            if self.bot.intents.message_content
            else f"mention me ({self.bot.user.mention if self.bot.user else '@me'}) with a question"
        )
        intro = (
            f"Questions about **{clip(article_label(stored.number, stored.title), 200)}** go "
            f"here: {how}, and I'll quote the paragraphs that answer. `/ask`, `/quote`, "
            "`/summary` and `/facts` here use this article."
        )
        try:
            sent = await thread.send(intro, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.info("guild %s: could not post in the discussion thread: %s", guild.id, exc)
            return
        self.link(guild.id, sent, stored.number)

    # --- follow-ups in replies and threads -----------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or message.guild is None or me is None:
            return
        mentions = (f"<@{me.id}>", f"<@!{me.id}>")
        mentioned = any(m in message.content for m in mentions)
        text = message.content
        for m in mentions:
            text = text.replace(m, " ")
        text = " ".join(text.split())
        if not text or not asks(text, mentioned):
            return  # (without the intent, text is empty unless the bot is mentioned)
        guild_id = message.guild.id
        store = self.bot.store
        number: int | None = None
        if message.reference is not None and message.reference.message_id is not None:
            number = await self.links.article_for_message(guild_id, message.reference.message_id)
        if number is None and isinstance(message.channel, discord.Thread):
            number = await store.article_for_thread(guild_id, message.channel.id)
        if number is None and not mentioned:
            return
        if (await self.bot.get_context(message)).valid:
            return  # a prefix command: the command answers
        try:
            self._check_cooldown(self.ask_cooldown, message, commands.BucketType.user)
            self._check_cooldown(self.channel_cooldown, message, commands.BucketType.channel)
            stored = await self.get_article(guild_id, number) if number is not None else None
            if stored is None:
                stored = await self.default_article(guild_id, message.channel)
            with self.busy:
                answer = await self.answer(stored, text)
        except (UserError, commands.CommandOnCooldown) as exc:
            await self._tell(message, exc)
            return
        view = self.more_view(guild_id, stored.number, answer, message.author.id)
        try:
            kwargs = answer.first.send_kwargs()
            if view is not None:
                kwargs["view"] = view
            sent = await message.reply(mention_author=False, **kwargs)
        except discord.HTTPException as exc:
            log.info("guild %s: could not answer a follow-up: %s", guild_id, exc)
            return
        if view is not None:
            view.message = SentMessage(sent)
        self.link(guild_id, sent, stored.number)

    async def _tell(self, message: discord.Message, error: Exception) -> None:
        """Reply with a user error; a cooldown notice at most once per wait and place."""
        if isinstance(error, commands.CommandOnCooldown):
            key = (error.type.name, str(error.type.get_key(message)))
            now = time.monotonic()
            if self._warned.get(key, 0.0) > now:
                return
            self._warned = {k: v for k, v in self._warned.items() if v > now}
            self._warned[key] = now + error.retry_after
        text = user_message(error) or "Sorry, something went wrong."
        try:
            await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.info("could not reply to a follow-up: %s", exc)


async def setup(bot: DigestBot) -> None:
    await bot.add_cog(Discuss(bot))
