"""Talking about stored articles: the commands and listeners. The work is `bot.discussion`'s.

- `/ask <question> [article]` — the 1–3 paragraphs that answer it, quoted, each headed
  "¶n · section" with the best sentence in bold; **More** shows the next ones. Says so when
  the article does not cover it. Prefix: `!ask [#12] <question>`.
- `/quote <article> <paragraphs>` — paragraphs word for word: `4`, `2-5`, `1,3` (up to 5).
- `/summary [article] [short|medium|long]` — the TL;DR (short), plus each section's summary
  (medium), plus the key facts (long). `/facts [article]` — the key facts, each with its ¶.
- `/search <query>` — the best-matching paragraphs across this server's articles, paged.
- A reply to a digest or an answer, or a message in a discussion thread, that asks ("…?",
  or mentioning the bot): a quoted answer about that article (`on_message`).
- A new digest in a text channel: a thread "Discuss: <title>", when the server's setting
  allows it and the bot may (`on_article_posted`).

Without an `article` option a command uses the current article (`CURRENT_ARTICLE`: this
discussion thread's, else the one a prefix command replies to, else the channel's newest,
else the server's). Every command has a per-member cooldown (`bot.discussion.manners`):
asking (slash, prefix and follow-ups) with `/summary` and `/facts`, `/quote` with reading,
`/search`; follow-up answers a per-channel one. Mistakes
(an unknown article, a bad range, a cooldown) are found before a reply is deferred, so their
message stays private; a reply is deferred only when the work takes more than
`Discussion.defer_after` seconds. Every answer message is linked to its article, so replying
to it asks again.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar, get_args

import discord
from discord import app_commands
from discord.ext import commands

from bot.article_option import (
    CURRENT_ARTICLE,
    ArticleArg,
    ArticleOption,
    current_article,
)
from bot.discussion import (
    ArticlePageSource,
    Discussion,
    Manners,
    cooldown,
    follow_up_of,
    more_view,
    parse_paragraphs,
)
from bot.errors import UserError
from bot.interactions import (
    Location,
    guild_id_of,
    in_time,
    reply_error,
    reply_to,
    user_message,
)
from bot.render import (
    NO_MENTIONS,
    Page,
    Quoted,
    article_label,
    clip,
    facts_pages,
    para_ref,
    quote_pages,
    search_pages,
    summary_pages,
)
from bot.views import ListPageSource, Paginator, SentMessage, send_page
from storage import StoredArticle

if TYPE_CHECKING:
    from bot.client import DigestBot

log = logging.getLogger(__name__)

F = TypeVar("F")
Length = Literal["short", "medium", "long"]
# `!summary long`: "long" is the length, and the article the current one
SummaryArticle = Annotated[StoredArticle, ArticleOption(passes_over=get_args(Length))]

SEARCH_HITS = 25
SUMMARY_TLDR: dict[str, int] = {"short": 2, "medium": 3, "long": 6}
FACTS_LIMIT = 10
THREAD_NAME_LIMIT = 100  # Discord's limit for a channel name
_PREFIX_ARTICLE = re.compile(r"^\s*(#\d{1,9})\s+(\S.*)$", re.DOTALL)


class Discuss(commands.Cog):
    """Ask about, quote, summarise and search the server's articles."""

    def __init__(self, bot: DigestBot, discussion: Discussion) -> None:
        self.bot = bot
        self.discussion = discussion

    # --- commands ------------------------------------------------------------------------

    @commands.hybrid_command(name="ask")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.guild_only()
    @cooldown(Manners.check_ask)
    @app_commands.describe(
        question="What you want to know",
        article="#number or title (default: this thread's article, else the latest here)",
    )
    async def ask(
        self, ctx: commands.Context[DigestBot], *, question: str, article: ArticleArg | None = None
    ) -> None:
        """Ask about an article: the paragraphs that answer it, quoted."""
        discussion = self.discussion
        with discussion.busy:
            if article is None:
                article, question = await self._named_in(ctx, question)
            work = discussion.answer(article, question)
            answer = await in_time(ctx, work, defer_after=discussion.defer_after)
            view = more_view(discussion, article.guild_id, article.number, answer, ctx.author.id)
            message = await send_page(ctx, answer.first, view=view)
        discussion.link(article.guild_id, message, article.number)

    async def _named_in(
        self, ctx: commands.Context[Any], question: str
    ) -> tuple[StoredArticle, str]:
        """The article `!ask #12 <question>` names, and the question; else the current one."""
        m = _PREFIX_ARTICLE.match(question) if ctx.interaction is None else None
        if m is not None:
            return await self.discussion.resolve(guild_id_of(ctx), m.group(1)), m.group(2)
        return await current_article(ctx), question

    @commands.hybrid_command(name="quote")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.guild_only()
    @cooldown(Manners.check_read)
    @app_commands.describe(
        article="#number or title", paragraphs="Paragraph numbers: 4, 2-5 or 1,3"
    )
    async def quote(
        self, ctx: commands.Context[DigestBot], article: ArticleArg, *, paragraphs: str
    ) -> None:
        """Quote paragraphs of an article word for word."""
        numbers = parse_paragraphs(paragraphs, len(article.paragraphs))
        by_number = {p.number: p for p in article.paragraphs}
        blocks = [
            Quoted(n, by_number[n].text, by_number[n].heading) for n in numbers if n in by_number
        ]
        label = clip(article_label(article.number, article.title), 200)
        pages = quote_pages(
            [blocks],
            content=f"**{label}** · {para_ref(numbers)}",
            footer=f"Article #{article.number} · quoted word for word",
        )
        await self._send_pages(ctx, article, pages)

    @commands.hybrid_command(name="summary")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.guild_only()
    @cooldown(Manners.check_ask)
    @app_commands.describe(
        article="#number or title (default: this thread's or channel's latest)",
        length="short: the gist; medium: each section; long: more, with key facts",
    )
    async def summary(
        self,
        ctx: commands.Context[DigestBot],
        article: SummaryArticle = CURRENT_ARTICLE,
        length: Length = "medium",
    ) -> None:
        """Summarise an article: sentences quoted from it, with ¶ numbers."""

        async def work() -> list[Page]:
            result = await self.discussion.summarize(article, max_sentences=SUMMARY_TLDR[length])
            facts = []
            if length == "long":  # the facts add to the TL;DR above them, never repeat it
                facts = await self.discussion.key_facts(
                    article, limit=FACTS_LIMIT, exclude=result.tldr
                )
            return summary_pages(
                result,
                number=article.number,
                title=article.title,
                paragraphs=[(p.number, p.text) for p in article.paragraphs],
                length=length,
                facts=facts,
                sections=length != "short",
            )

        pages = await in_time(ctx, work(), defer_after=self.discussion.defer_after)
        await self._send_pages(ctx, article, pages)

    @commands.hybrid_command(name="facts")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.guild_only()
    @cooldown(Manners.check_ask)
    @app_commands.describe(article="#number or title (default: this thread's or channel's latest)")
    async def facts(
        self, ctx: commands.Context[DigestBot], *, article: ArticleArg = CURRENT_ARTICLE
    ) -> None:
        """The key facts of an article (numbers, names, dates), with ¶ numbers."""

        async def work() -> list[Page]:
            found = await self.discussion.key_facts(article, limit=FACTS_LIMIT)
            return facts_pages(found, number=article.number, title=article.title)

        pages = await in_time(ctx, work(), defer_after=self.discussion.defer_after)
        await self._send_pages(ctx, article, pages)

    @commands.hybrid_command(name="search")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.guild_only()
    @cooldown(Manners.check_search)
    @app_commands.describe(query="Words to look for in this server's articles")
    async def search(self, ctx: commands.Context[DigestBot], *, query: str) -> None:
        """Search every article of this server: the best paragraphs, with snippets."""
        search = self.bot.store.search(guild_id_of(ctx), query, limit=SEARCH_HITS)
        hits = await in_time(ctx, search, defer_after=self.discussion.defer_after)
        pages = search_pages(hits, query=query)
        await Paginator(ctx.author.id, ListPageSource(pages)).start(ctx)

    async def _send_pages(
        self, ctx: commands.Context[Any], stored: StoredArticle, pages: list[Page]
    ) -> None:
        source = ArticlePageSource(self.bot.store, stored.guild_id, stored.number, pages)
        message = await Paginator(ctx.author.id, source).start(ctx)
        self.discussion.link(stored.guild_id, message, stored.number)

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
        self.discussion.link(guild.id, sent, stored.number)

    # --- follow-ups in replies and threads -----------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message that asks, about the article it replies to or whose thread it is
        in, or (when it mentions the bot) the current article."""
        me = self.bot.user
        if message.author.bot or message.guild is None or me is None:
            return
        follow_up = follow_up_of(message.content, me.id)
        if follow_up is None:
            return  # (without the intent, the text is empty unless the bot is mentioned)
        guild_id = message.guild.id
        discussion = self.discussion
        replied = message.reference.message_id if message.reference is not None else None
        where = Location.of(message.channel, reply_to=replied)
        number = await discussion.follow_up_article(guild_id, where)
        if number is None and not follow_up.mentioned:
            return
        if (await self.bot.get_context(message)).valid:
            return  # a prefix command: the command answers
        try:
            discussion.manners.check_followup(message)
            stored = await discussion.get_article(guild_id, number) if number is not None else None
            if stored is None:
                stored = await discussion.current_article(guild_id, Location.of(message.channel))
            with discussion.busy:
                answer = await discussion.answer(stored, follow_up.question)
        except (UserError, commands.CommandOnCooldown) as exc:
            await self._tell(message, exc)
            return
        view = more_view(discussion, guild_id, stored.number, answer, message.author.id)
        try:
            kwargs = answer.first.send_kwargs()
            if view is not None:
                kwargs["view"] = view
            sent = await reply_to(message, **kwargs)
        except discord.HTTPException as exc:
            log.info("guild %s: could not answer a follow-up: %s", guild_id, exc)
            return
        if view is not None:
            view.message = SentMessage(sent)
        discussion.link(guild_id, sent, stored.number)

    async def _tell(self, message: discord.Message, error: Exception) -> None:
        """Reply with a user error; a cooldown notice at most once per wait and place."""
        manners = self.discussion.manners
        if isinstance(error, commands.CommandOnCooldown) and not manners.should_warn(
            error, message
        ):
            return
        await reply_error(message, user_message(error) or "Sorry, something went wrong.")


async def setup(bot: DigestBot) -> None:
    await bot.add_cog(Discuss(bot, bot.discussion))
