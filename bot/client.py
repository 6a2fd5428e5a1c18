"""`DigestBot`: the `commands.Bot` subclass. It owns what the cogs share.

    bot = DigestBot(settings, store)        # no globals: everything comes in here
    async with bot:
        await bot.start(settings.token)

- `bot.settings` (`bot.config.Settings`), `bot.store` (the `storage.Store` given, wrapped in
  `EventfulStore`; the caller opens and closes it), `bot.http_session` (one
  `aiohttp.ClientSession` made by `bot.web.make_session`, so it refuses private addresses;
  open between `setup_hook` and `close`), `bot.fetch_settings`, `bot.workers`
  (`bot.workers.Workers`: the processes that do the CPU-heavy work, with a deadline per
  request and each server served in turn: `analyze_text`, `extract_file`, `extract_fetched`
  here, answers in the discussion), `bot.discussion` (`bot.discussion.Discussion`: which
  article a command means, the caches, answers; told at once when the store adds or deletes
  an article, here or, on a shared PostgreSQL database, by another process
  (`Store.watch_changes`); closed with the bot).
- With `SHARD_COUNT` (and `SHARD_IDS`) the bot is a `ShardedDigestBot` (`bot_class`):
  discord.py's `AutoShardedBot` running exactly those shards.
- `setup_hook` loads the extensions by name and syncs the slash commands to `DEV_GUILD_ID`
  when it is set; otherwise an owner runs `sync`.
- `DISCORD_API_BASE` / `DISCORD_GATEWAY_URL` are applied when the bot is built
  (`discord.http.Route.BASE`, `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`).
- One error handler for prefix, hybrid and app commands and views: `report_error`. What
  fails on Discord's side (`bot.interactions.discord_trouble`) is a warning, not an error,
  and so is whatever fails because the bot is shutting down (`on_error` for listeners too).
- Each interaction and message is handled once (`RepeatFilter`): Discord delivers an event
  again now and then (a RESUME that replays from an earlier sequence number).
- Moderators: `is_moderator` / `require_moderator`.
- Events other cogs may listen to: `on_article_posted(article: StoredArticle,
  message: discord.Message | None)` after a digest is sent for a new article;
  `on_article_stored(article: StoredArticle)` and `on_article_deleted(guild_id: int,
  number: int)` after any code adds or deletes an article through `bot.store` (a cog that
  caches what it read invalidates it on these); `article_deleted` also when another process
  deleted it in a shared database (`OtherProcesses`).

Why processes for the engine and the extractor (`bot.workers`): they are pure Python, so a
thread running them holds the GIL the event loop needs (a pathological input froze the loop
for seconds, and the gateway heartbeat with it), and a thread cannot be stopped. A worker
process cannot hold the bot's GIL, is killed at its deadline (the user reads "too complex"
and the next request gets a new worker), runs under a memory cap, and takes each server's
requests in turn, so one server's burst or bad input never delays another server's.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, cast

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from storage import AddResult, ArticleChange, NewArticle, Store

from . import jobs
from .config import Settings
from .discussion import Discussion
from .errors import GuildOnly, NotModerator
from .interactions import (
    Target,
    discord_trouble,
    reply_error,
    trouble_message,
    user_message,
    user_of,
)
from .jobs import Analysed
from .lru import LRU
from .render import NO_MENTIONS
from .web import ExtractedPage, FetchedPage, make_session
from .workers import Workers, Zygote

log = logging.getLogger(__name__)

DEFAULT_EXTENSIONS: tuple[str, ...] = ("cogs.articles", "cogs.discuss", "cogs.admin", "cogs.feeds")
GENERIC_APOLOGY = "Sorry, something went wrong on my side. It has been logged."
ARTICLE_TOO_COMPLEX = (
    "This article is too complex for me to process (its analysis took more than {:g} s). "
    "Post a shorter or simpler text."
)
PAGE_TOO_COMPLEX = (
    "That page is too complex for me to process (reading its text took more than {:g} s). "
    "Paste the article's text instead."
)
ARTICLE_TOO_BIG = (
    "This article needs more memory than I may use to process it. Post a shorter or simpler text."
)


def build_intents(settings: Settings) -> discord.Intents:
    """Default intents; the privileged message-content intent only when asked for."""
    intents = discord.Intents.default()
    intents.message_content = settings.message_content
    return intents


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at a Discord-compatible server (a self-hosted one, or a test fake)."""
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def _unwrap(error: BaseException) -> BaseException:
    """The exception a command or view really raised, out of discord.py's wrappers."""
    seen = 0
    while seen < 10:
        seen += 1
        if isinstance(
            error,
            commands.CommandInvokeError
            | commands.HybridCommandError
            | commands.ConversionError
            | app_commands.CommandInvokeError,
        ):
            error = error.original
        elif isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
            error = error.__cause__
        else:
            break
    return error


class EventfulStore:
    """`store` as it is, except that adding and deleting an article also dispatch the bot
    events `article_stored(article)` (a new article only) and `article_deleted(guild_id,
    number)`."""

    def __init__(self, store: Store, dispatch: Callable[..., None]) -> None:
        self._store = store
        self._dispatch = dispatch

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def add_article(self, new: NewArticle) -> AddResult:
        result = await self._store.add_article(new)
        if result.created:
            self._dispatch("article_stored", result.article)
        return result

    async def delete_article(self, guild_id: int, number: int) -> bool:
        deleted = await self._store.delete_article(guild_id, number)
        if deleted:
            self._dispatch("article_deleted", guild_id, number)
        return deleted


def describe_shards(shards: tuple[int, frozenset[int]]) -> str:
    """ "0,2-3 of 8": the shard ids a process runs, for the log."""
    count, ids = shards
    runs: list[list[int]] = []
    for shard in sorted(ids):
        if runs and runs[-1][-1] == shard - 1:
            runs[-1].append(shard)
        else:
            runs.append([shard])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs]
    return f"{','.join(parts)} of {count}"


class OtherProcesses:
    """What other processes change in a shared database (`Store.watch_changes`): the
    discussion's caches learn it, and an article deleted elsewhere is the bot event
    `article_deleted` here too."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    def changed(self, change: ArticleChange) -> None:
        self.bot.discussion.changed(change)
        if change.kind == "deleted":
            self.bot.dispatch("article_deleted", change.guild_id, change.number)

    def reset(self, live: bool) -> None:
        self.bot.discussion.reset(live)


class RepeatFilter:
    """Drops an interaction or message the gateway delivers a second time.

    Discord replays the events a session missed when it RESUMEs, from the sequence number the
    client gives; now and then that includes events it had handled (at-least-once delivery).
    A repeated INTERACTION_CREATE would run the command again (a second answer, or Discord's
    40060 "already acknowledged"), a repeated MESSAGE_CREATE a second prefix command or
    follow-up answer. The ids of the last `size` of each are remembered (snowflakes are
    unique across both), and a repeat is dropped before discord.py parses it, so that no
    command, view, modal or listener sees it.

    It sits in discord.py's table of gateway parsers (`ConnectionState.parsers`, the same
    dict object since 1.0, read by each websocket when it connects), the one place every
    event passes; `tests/e2e/test_faults_gateway.py` replays events through the fake Discord
    and fails if it stops working."""

    EVENTS = ("INTERACTION_CREATE", "MESSAGE_CREATE")

    def __init__(self, size: int = 10_000) -> None:
        self._seen: LRU[int, None] = LRU(max_items=size)
        self.dropped = 0

    def first_time(self, event_id: int) -> bool:
        if event_id in self._seen:
            self.dropped += 1
            return False
        self._seen.put(event_id, None)
        return True

    def install(self, parsers: dict[str, Callable[[Any], None]]) -> None:
        for event in self.EVENTS:
            parsers[event] = self._guard(event, parsers[event])

    def _guard(self, event: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
        def parse_once(data: Any) -> None:
            if self.first_time(int(data["id"])):
                parse(data)
            else:
                log.info("dropped a repeated %s (%s)", event, data["id"])

        return parse_once


class DigestBot(commands.Bot):
    """The bot. Build it with the settings and an open store; it closes neither. `zygote`:
    the process to fork workers from, when one is shared (tests); else the bot starts its
    own when work first comes, and stops it on `close`."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        extensions: Sequence[str] = DEFAULT_EXTENSIONS,
        intents: discord.Intents | None = None,
        zygote: Zygote | None = None,
        **options: Any,
    ) -> None:
        apply_endpoints(settings)
        if settings.shard_count is not None and isinstance(self, commands.AutoShardedBot):
            options.setdefault("shard_count", settings.shard_count)
            options.setdefault("shard_ids", list(settings.shard_ids))
        if settings.owner_ids:
            options.setdefault("owner_ids", set(settings.owner_ids))
        super().__init__(
            command_prefix=commands.when_mentioned_or(settings.command_prefix),
            intents=intents if intents is not None else build_intents(settings),
            allowed_mentions=NO_MENTIONS,
            description="Keeps this server's articles and answers questions by quoting them.",
            **options,
        )
        self.settings = settings
        self.store: Store = cast(Store, EventfulStore(store, self._store_changed))
        self.extension_names = tuple(extensions)
        self.http_session: aiohttp.ClientSession | None = None
        self.fetch_settings = settings.fetch_settings()
        self.workers = Workers(settings, zygote=zygote)
        self.discussion = Discussion(self.store, self.workers)
        self.tree.error(self.on_app_command_error)
        self.repeats = RepeatFilter()
        self.repeats.install(self._connection.parsers)

    # --- start-up and shut-down ----------------------------------------------------------

    async def setup_hook(self) -> None:
        # The bot's one HTTP session is the web fetcher's guarded one (no private addresses).
        self.http_session = make_session(self.fetch_settings)
        # Other processes on the same database (shards): their changes reach the caches.
        await self.store.watch_changes(OtherProcesses(self))
        self.workers.prestart()
        for name in self.extension_names:
            await self.load_extension(name)
        if self.settings.dev_guild_id is not None:
            synced = await self.sync_commands(self.settings.dev_guild_id)
            log.info("synced %d commands to dev guild %s", synced, self.settings.dev_guild_id)

    async def sync_commands(self, guild_id: int | None = None) -> int:
        """Sync the slash commands: to one guild (instant; global ones are copied there),
        or globally when `guild_id` is None. Returns how many were synced."""
        if guild_id is None:
            return len(await self.tree.sync())
        guild = discord.Object(id=guild_id)
        self.tree.copy_global_to(guild=guild)
        return len(await self.tree.sync(guild=guild))

    async def on_ready(self) -> None:
        user = self.user
        shards = self.settings.shards
        held = "" if shards is None else f" (shards {describe_shards(shards)})"
        log.info("ready as %s (%s) in %d guilds%s", user, user and user.id, len(self.guilds), held)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.discussion.close()
            if self.http_session is not None:
                await self.http_session.close()
                self.http_session = None
            await self.workers.close()

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Events stop with the close: discord.py may still dispatch one afterwards (the
        task that waits for the guilds after a READY does), on a client whose loop is gone,
        which fails ("Task exception was never retrieved"): a shutdown just after a
        (re)connection."""
        if self.is_closed():
            log.debug("not dispatching %s: the bot is closed", event_name)
            return
        super().dispatch(event_name, *args, **kwargs)

    # --- shared services -----------------------------------------------------------------

    def _store_changed(self, event: str, *args: Any) -> None:
        """An article was added or deleted through `self.store`: the discussion's caches
        learn it at once, then the event goes to every listener."""
        if event == "article_stored":
            self.discussion.added(*args)
        elif event == "article_deleted":
            self.discussion.deleted(*args)
        self.dispatch(event, *args)

    async def analyze_text(self, text: str, *, title: str | None = None, guild_id: int) -> Analysed:
        """Parse and analyse a posted article in a worker, in the server's turn
        (`bot.jobs.Analysed`); a `bot.workers.WorkError` (the user reads "too complex", "try
        again") when it fails."""
        pool = self.workers.articles
        result: Analysed = await pool.run(
            guild_id,
            jobs.analyze_text,
            text,
            title,
            too_slow=ARTICLE_TOO_COMPLEX.format(pool.deadline),
            too_big=ARTICLE_TOO_BIG,
        )
        return result

    async def extract_file(
        self, data: bytes, content_type: str | None, *, filename: str, guild_id: int
    ) -> ExtractedPage:
        """The article in an uploaded file (`bot.web.extract_text`), in a worker."""
        pool = self.workers.articles
        page: ExtractedPage = await pool.run(
            guild_id,
            jobs.extract_file,
            data,
            content_type,
            filename,
            too_slow=PAGE_TOO_COMPLEX.format(pool.deadline),
        )
        return page

    async def extract_fetched(self, page: FetchedPage, *, guild_id: int) -> ExtractedPage:
        """The article of a fetched web page (`bot.web.extract_page`), in a worker."""
        pool = self.workers.articles
        extracted: ExtractedPage = await pool.run(
            guild_id,
            jobs.extract_fetched,
            page,
            too_slow=PAGE_TOO_COMPLEX.format(pool.deadline),
        )
        return extracted

    async def is_moderator(
        self, member: discord.Member | discord.User, permissions: discord.Permissions
    ) -> bool:
        """Manage Messages in the channel, or the `MODERATOR_ROLE` setting (id or name), or
        the role a server set with `/settings modrole`."""
        if not isinstance(member, discord.Member):
            return False
        if permissions.manage_messages or permissions.administrator:
            return True
        role_ids = {r.id for r in member.roles}
        wanted = self.settings.moderator_role
        if isinstance(wanted, int) and wanted in role_ids:
            return True
        if isinstance(wanted, str):
            name = wanted.casefold()
            if any(r.name.casefold() == name for r in member.roles):
                return True
        guild_settings = await self.store.get_settings(member.guild.id)
        return guild_settings.moderator_role_id in role_ids

    async def require_moderator(self, target: Target) -> discord.Member:
        """The invoking member, or `NotModerator` / `GuildOnly`."""
        member, permissions, guild = user_of(target), target.permissions, target.guild
        if guild is None or not isinstance(member, discord.Member):
            raise GuildOnly()
        if not await self.is_moderator(member, permissions):
            raise NotModerator(
                "Only moderators can do that (Manage Messages, or the moderator role)."
            )
        return member

    # --- errors --------------------------------------------------------------------------

    async def report_error(self, target: Target, error: BaseException) -> None:
        """The one error handler: a user's mistake → a short (ephemeral) message; a failure
        on Discord's side → a warning in the log and, when the user can be reached, a short
        message; anything else → the traceback in the log and a generic apology, no
        internals."""
        original = _unwrap(error)
        if isinstance(original, commands.CommandNotFound):
            return
        where = self._describe(target)
        if self.is_closed():
            log.info("%s stopped by the shutdown: %r", where, original)
            return
        trouble = discord_trouble(original)
        if trouble is not None:
            log.warning("%s in %s: %s", trouble, where, original)
            text = trouble_message(original, target)
            if text is not None:
                await reply_error(target, text)
            return
        ctx = target if isinstance(target, commands.Context) else None
        message = user_message(original, ctx)
        if message is None:
            log.error("unexpected error in %s", where, exc_info=original)
            message = GENERIC_APOLOGY
        else:
            log.debug("user error: %s", message)
        await reply_error(target, message)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """A listener raised: a failure on Discord's side, or one the shutdown caused, is a
        warning; anything else is logged with its traceback (discord.py's default)."""
        error = sys.exc_info()[1]
        if error is not None and self.is_closed():
            log.info("%s stopped by the shutdown: %r", event_method, error)
            return
        trouble = discord_trouble(error) if error is not None else None
        if trouble is not None:
            log.warning("%s in %s: %s", trouble, event_method, error)
            return
        await super().on_error(event_method, *args, **kwargs)

    @staticmethod
    def _describe(target: Target) -> str:
        """ "command 'ask'", "interaction 'article post'"... for the log."""
        if isinstance(target, commands.Context):
            return f"command {target.command and target.command.qualified_name!r}"
        command = target.command
        name = command.qualified_name if command is not None else target.type.name
        return f"interaction {name!r}"

    async def on_command_error(
        self, context: commands.Context[Any], exception: commands.CommandError, /
    ) -> None:
        if context.command is not None and context.command.has_error_handler():
            return
        await self.report_error(context, exception)

    async def on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        await self.report_error(interaction, error)


class ShardedDigestBot(DigestBot, commands.AutoShardedBot):
    """`DigestBot` as discord.py's `AutoShardedBot`: one gateway connection for each shard of
    `SHARD_IDS` (of `SHARD_COUNT`), every server of those shards and no other."""


def bot_class(settings: Settings) -> type[DigestBot]:
    """The bot's class for these settings: `ShardedDigestBot` when `SHARD_COUNT` is set."""
    return DigestBot if settings.shard_count is None else ShardedDigestBot
