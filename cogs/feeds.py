"""Feeds: a channel follows a news site, and each new article arrives as a digest to discuss.

Commands (slash, and prefix when the bot can read them):
- `/feed add <url> [channel] [compact] [every]` — moderators. The URL may be a feed (RSS,
  Atom, JSON Feed) or a page that links one. Its newest 3 items are posted at once.
- `/feed list` — the server's feeds and their state (last check, last new item, failures).
- `/feed remove <feed>`, `/feed pause <feed>`, `/feed resume <feed>`,
  `/feed set <feed> [compact] [every] [channel]` — moderators.

The work is `bot.feeds.FeedService`'s: one scheduler per bot, started in `cog_load`, stopped
in `cog_unload` (the `FEEDS_ENABLED` setting). This cog gives it the bot's fetcher, engine
and a `Poster` that posts through `bot.posting.DigestDelivery` in the feed's channel, links
the messages to the article and dispatches `article_posted` (the discussion thread opens on
it). A compact feed's post carries a "Full digest" button that works after a restart too
(a `DynamicItem`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import jobs
from bot.errors import BadSource, UserError
from bot.feeds import (
    Clock,
    FeedService,
    FeedSettings,
    ParsedFeed,
    Policy,
    PostGone,
    SystemClock,
)
from bot.feeds.render import FULL_DIGEST, feed_list_pages, paused_text, post_pages
from bot.interactions import guild_id_of, in_time, moderators_only, user_of
from bot.jobs import Analysed
from bot.posting import DeliveryFailed, DigestDelivery, withdraw
from bot.render import clip, digest_pages, inline, text_pages
from bot.views import ListPageSource, Paginator, send_page
from bot.web import ExtractedPage, FetchedPage, FetchError, check_url, fetch_article
from storage import Feed, FeedExistsError, FeedLimitError, FeedPost

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from bot.client import DigestBot

log = logging.getLogger(__name__)

EVERY_MINUTES = app_commands.Range[int, 5, 1440]
_NUMBER = re.compile(r"^#?\s*(\d{1,9})$")
_NOT_ALLOWED = {50001, 50013}
_GONE = {10003}


class BotEngine:
    """The CPU work of feeds, in the bot's worker processes (`bot.workers`), in each server's
    turn and under the same deadlines as posted articles."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    async def read_feed(self, page: FetchedPage, guild_id: int) -> ParsedFeed:
        pool = self.bot.workers.articles
        parsed: ParsedFeed = await pool.run(
            guild_id, jobs.read_feed, page.body, page.content_type, page.url
        )
        return parsed

    async def discover(self, page: FetchedPage, guild_id: int) -> list[str]:
        pool = self.bot.workers.articles
        found: list[str] = await pool.run(
            guild_id, jobs.discover, page.body, page.url, page.content_type
        )
        return found

    async def extract(self, page: FetchedPage, guild_id: int) -> ExtractedPage:
        return await self.bot.extract_fetched(page, guild_id=guild_id)

    async def analyze(self, text: str, title: str | None, guild_id: int) -> Analysed:
        return await self.bot.analyze_text(text, title=title, guild_id=guild_id)


class DiscordPoster:
    """Posts a feed's items and notices in its channel."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot
        self.delivery = DigestDelivery()

    async def _channel(self, guild_id: int, channel_id: int) -> discord.TextChannel:
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        if guild is None or not isinstance(channel, discord.TextChannel):
            raise PostGone(f"channel {channel_id} is gone", pause=True)
        perms = channel.permissions_for(guild.me)
        if not (perms.view_channel and perms.send_messages and perms.embed_links):
            raise PostGone(f"no permission to post in channel {channel_id}", pause=True)
        return channel

    async def post(self, post: FeedPost, feed_title: str | None) -> int:
        channel = await self._channel(post.guild_id, post.channel_id)
        article = digest = None
        if post.number is not None:
            article = await self.bot.store.get_article(post.guild_id, post.number)
            if article is None:
                raise PostGone(f"article #{post.number} was deleted")
            digest = await self.bot.discussion.digest(article)
        pages = post_pages(post, article, digest, feed_title=feed_title)
        view = None
        if post.compact and article is not None:
            view = discord.ui.View(timeout=None)
            view.add_item(FullDigestButton(article.number))
        try:
            messages = await self.delivery.post(channel, pages, nonce=post.nonce, view=view)
        except DeliveryFailed as failed:
            raise failed.error from failed
        except discord.HTTPException as exc:
            if exc.code in _GONE or exc.code in _NOT_ALLOWED:
                raise PostGone(f"Discord refused: {exc}", pause=True) from exc
            raise
        if article is not None:
            for message in messages:
                await self.bot.store.link_message(post.guild_id, message.id, article.number)
            self.bot.dispatch("article_posted", article, messages[0])
        return messages[0].id

    async def tell_paused(self, feed: Feed) -> None:
        channel = await self._channel(feed.guild_id, feed.channel_id)
        await channel.send(paused_text(feed), allowed_mentions=discord.AllowedMentions.none())


class FullDigestButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"feed-digest:(?P<number>\d{1,18})"
):
    """The "Full digest" button of a compact feed post: the whole digest, privately."""

    def __init__(self, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=FULL_DIGEST,
                style=discord.ButtonStyle.secondary,
                custom_id=f"feed-digest:{number}",
            )
        )
        self.number = number

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FullDigestButton:
        return cls(int(match["number"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: DigestBot = interaction.client
        try:
            guild_id = guild_id_of(interaction)
            article = await bot.store.get_article(guild_id, self.number)
            if article is None:
                raise UserError(f"Article #{self.number} was deleted.")
            digest = await bot.discussion.digest(article)
            pages = digest_pages(
                digest,
                number=article.number,
                title=article.title,
                paragraphs=[(p.number, p.text) for p in article.paragraphs],
                source_url=article.source_ref if article.source_kind == "url" else None,
                meta=article.meta,
            )
            await Paginator(interaction.user.id, ListPageSource(pages)).start(
                interaction, ephemeral=True
            )
        except Exception as exc:
            await bot.report_error(interaction, exc)


def _every_seconds(minutes: int | None) -> int | None:
    return None if minutes is None else minutes * 60


class Feeds(commands.Cog):
    """Follow sites' feeds: each new article is posted as a digest."""

    def __init__(
        self,
        bot: DigestBot,
        *,
        clock: Clock | None = None,
        fetch: Callable[..., Any] | None = None,
    ) -> None:
        self.bot = bot
        settings = bot.settings
        self.service = FeedService(
            bot.store,
            fetch or self._fetch,
            BotEngine(bot),
            DiscordPoster(bot),
            clock or SystemClock(),
            FeedSettings(
                max_per_guild=settings.feed_max_per_guild,
                concurrency=settings.feed_concurrency,
                max_article_bytes=settings.max_article_bytes,
                policy=Policy(min_every=settings.feed_min_interval * 60),
            ),
            shards=self._shards,
        )
        self.task: asyncio.Task[None] | None = None

    def _shards(self) -> tuple[int, frozenset[int]] | None:
        """The shards whose servers' feeds this process checks and posts (`SHARD_IDS`); None:
        every server's (this process holds every shard)."""
        settings = self.bot.settings
        return None if settings.all_shards else settings.shards

    async def _fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        accept: Callable[[str], bool] | None = None,
    ) -> FetchedPage:
        session = self.bot.http_session
        if session is None:
            raise RuntimeError("the bot's HTTP session is not open")
        return await fetch_article(session, url, headers=headers, accept=accept)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(FullDigestButton)
        if self.bot.settings.feeds_enabled:
            self.task = asyncio.create_task(self._run(), name="digestbot-feeds")

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        await self.service.run()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(FullDigestButton)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    # --- helpers --------------------------------------------------------------------------

    async def _feed(self, guild_id: int, text: str) -> Feed:
        """The feed `text` names: its number ("3", "#3"), or a unique part of its title or
        address."""
        wanted = text.strip()
        match = _NUMBER.match(wanted)
        if match:
            feed = await self.bot.store.get_feed(guild_id, int(match[1]))
            if feed is None:
                raise UserError(f"There is no feed {match[1]} here. `/feed list` shows them.")
            return feed
        folded = wanted.casefold()
        found = [
            f
            for f in await self.bot.store.list_feeds(guild_id)
            if folded and (folded in f.name.casefold() or folded in f.url.casefold())
        ]
        if len(found) == 1:
            return found[0]
        if not found:
            raise UserError(
                f"No feed here matches “{clip(inline(wanted), 100)}”. `/feed list` shows them."
            )
        numbers = ", ".join(str(f.number) for f in found[:10])
        raise UserError(f"Several feeds match that ({numbers}): give its number.")

    def _check_channel(self, channel: discord.abc.GuildChannel) -> discord.TextChannel:
        if not isinstance(channel, discord.TextChannel):
            raise UserError("A feed posts in a text channel: pick one.")
        perms = channel.permissions_for(channel.guild.me)
        missing = [
            name
            for name, ok in (
                ("View Channel", perms.view_channel),
                ("Send Messages", perms.send_messages),
                ("Embed Links", perms.embed_links),
            )
            if not ok
        ]
        if missing:
            raise UserError(
                f"I can't post in {channel.mention}: I need {', '.join(missing)} there."
            )
        return channel

    # --- commands -------------------------------------------------------------------------

    @commands.guild_only()
    @commands.hybrid_group(name="feed", invoke_without_command=True)  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    async def feed(self, ctx: commands.Context[DigestBot]) -> None:
        """Follow sites' feeds: each new article is posted as a digest."""
        p = ctx.clean_prefix
        await ctx.reply(
            f"Usage: `{p}feed add <url> [channel]`, `{p}feed list`, `{p}feed remove <feed>`, "
            f"`{p}feed pause <feed>`, `{p}feed resume <feed>` (or the `/feed` slash commands).",
            mention_author=False,
        )

    @feed.command(name="add")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @moderators_only()
    @app_commands.describe(
        url="The feed's address, or a page that links a feed",
        channel="Where its items are posted (default: here)",
        compact="Post only the TL;DR, with a button for the full digest",
        every="Minutes between checks (default 15, at least 5)",
    )
    async def add(
        self,
        ctx: commands.Context[DigestBot],
        url: str,
        channel: discord.TextChannel | None = None,
        compact: bool = False,
        every: EVERY_MINUTES | None = None,
    ) -> None:
        """Follow a site's feed in a channel (moderators)."""
        guild_id = guild_id_of(ctx)
        where = self._check_channel(channel or ctx.channel)  # type: ignore[arg-type]
        try:
            checked = check_url(url.strip().strip("<>"), self.bot.fetch_settings)
        except FetchError as exc:
            raise BadSource(str(exc)) from exc
        try:
            subscribed = await in_time(
                ctx,
                self.service.subscribe(
                    guild_id=guild_id,
                    channel_id=where.id,
                    url=checked,
                    added_by=user_of(ctx).id,
                    compact=compact,
                    every=_every_seconds(every),
                ),
                defer_after=self.bot.discussion.defer_after,
            )
        except FeedExistsError as exc:
            await withdraw(ctx)
            raise UserError(
                f"This server follows that feed already: feed {exc.feed.number}, "
                f"in <#{exc.feed.channel_id}>."
            ) from exc
        except FeedLimitError as exc:
            await withdraw(ctx)
            raise UserError(
                f"This server follows {exc.limit} feeds, the most it may. "
                "Remove one first (`/feed remove`)."
            ) from exc
        except UserError:
            await withdraw(ctx)
            raise
        feed = subscribed.feed
        count = len(subscribed.parsed.items)
        newest = min(count, self.service.settings.first_items)
        log.info("guild %s: feed %d added: %s", guild_id, feed.number, feed.url)
        text = (
            f"Following **{clip(inline(feed.name), 200)}** in {where.mention} (feed "
            f"{feed.number}): checked every {feed.every // 60} min"
            f"{', compact' if feed.compact else ''}. "
            + (
                f"Its newest {newest} item{'s' if newest != 1 else ''} are on the way."
                if newest
                else "It has no items yet."
            )
        )
        await send_page(ctx, text_pages(text)[0])

    @feed.command(name="list")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    async def list_feeds(self, ctx: commands.Context[DigestBot]) -> None:
        """This server's feeds and how they are doing."""
        feeds = await self.bot.store.list_feeds(guild_id_of(ctx))
        pages = feed_list_pages(feeds, limit=self.service.settings.max_per_guild)
        await Paginator(ctx.author.id, ListPageSource(pages)).start(ctx)

    @feed.command(name="remove")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @moderators_only()
    @app_commands.describe(feed="The feed's number or name")
    async def remove(self, ctx: commands.Context[DigestBot], *, feed: str) -> None:
        """Stop following a feed (moderators). What it posted stays."""
        found = await self._feed(guild_id_of(ctx), feed)
        removed = await self.service.remove(found.guild_id, found.number)
        name = clip(inline(found.name), 200)
        text = (
            f"Stopped following **{name}** (feed {found.number}). Its posts stay."
            if removed is not None
            else f"Feed {found.number} was already removed."
        )
        await send_page(ctx, text_pages(text)[0])

    @feed.command(name="pause")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @moderators_only()
    @app_commands.describe(feed="The feed's number or name")
    async def pause(self, ctx: commands.Context[DigestBot], *, feed: str) -> None:
        """Stop checking a feed for now (moderators)."""
        found = await self._feed(guild_id_of(ctx), feed)
        await self.service.pause(found.guild_id, found.number)
        text = (
            f"Paused **{clip(inline(found.name), 200)}** (feed {found.number}). "
            f"`/feed resume {found.number}` checks it again."
        )
        await send_page(ctx, text_pages(text)[0])

    @feed.command(name="resume")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @moderators_only()
    @app_commands.describe(feed="The feed's number or name")
    async def resume(self, ctx: commands.Context[DigestBot], *, feed: str) -> None:
        """Check a paused feed again (moderators); it is checked at once."""
        found = await self._feed(guild_id_of(ctx), feed)
        if found.paused is None:
            raise UserError(f"Feed {found.number} is not paused.")
        await self.service.resume(found.guild_id, found.number)
        text = f"Resumed **{clip(inline(found.name), 200)}** (feed {found.number}): checking now."
        await send_page(ctx, text_pages(text)[0])

    @feed.command(name="set")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @moderators_only()
    @app_commands.describe(
        feed="The feed's number or name",
        compact="Post only the TL;DR, with a button for the full digest",
        every="Minutes between checks (at least 5)",
        channel="Post its items there from now on",
    )
    async def set_options(
        self,
        ctx: commands.Context[DigestBot],
        feed: str,
        compact: bool | None = None,
        every: EVERY_MINUTES | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Change a feed's options (moderators)."""
        found = await self._feed(guild_id_of(ctx), feed)
        changes: dict[str, object] = {}
        if compact is not None:
            changes["compact"] = compact
        if every is not None:
            changes["every"] = self.service.settings.policy.every(every * 60)
        if channel is not None:
            changes["channel_id"] = self._check_channel(channel).id
        if not changes:
            raise UserError("Give `compact`, `every` or `channel` to change.")
        updated = await self.bot.store.update_feed(found.guild_id, found.number, **changes)
        if updated is None:
            raise UserError(f"Feed {found.number} was removed meanwhile.")
        text = (
            f"Feed {updated.number} (**{clip(inline(updated.name), 200)}**): posts in "
            f"<#{updated.channel_id}>, checked every {updated.every // 60} min, "
            f"{'compact' if updated.compact else 'full digests'}."
        )
        await send_page(ctx, text_pages(text)[0])

    @remove.autocomplete("feed")
    @pause.autocomplete("feed")
    @resume.autocomplete("feed")
    @set_options.autocomplete("feed")
    async def feed_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        folded = current.strip().casefold()
        feeds = await self.bot.store.list_feeds(interaction.guild_id)
        return [
            app_commands.Choice(name=clip(f"{f.number} · {f.name}", 100), value=str(f.number))
            for f in feeds
            if not folded or folded in f.name.casefold() or folded == str(f.number)
        ][:25]


async def setup(bot: DigestBot) -> None:
    await bot.add_cog(Feeds(bot))
