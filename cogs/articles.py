"""Moderators post articles; everyone lists and re-reads their digests.

Commands (slash, and prefix when the message-content intent is on or the bot is mentioned):
- `/article post [text] [file] [url] [title]` — one source, or none for a modal with a
  title and a body. Prefix: `!article post <text or URL>`, or `!article post` as a reply
  to a message (posts that message), or with a .txt/.md/.html attachment.
- Message context menu "Save as article" — posts any message.
- `/article list` — newest first, paginated (buttons for the invoker only).
- `/article show <article>` — the digest again.
- `/article delete <article>` — moderators, after a confirm button.

Posting needs a moderator (see `DigestBot.is_moderator`). The reply is the digest
(`bot.render.digest_pages`), sent by `bot.posting.DigestDelivery` (tried again when Discord
fails, never twice). Everything that can refuse a post (the source, a text that is not an
article, a duplicate) runs before the channel sees anything, and its message is private: a
slash command is deferred in public only when that work takes more than
`Discussion.defer_after` seconds, and a refusal after that removes the "thinking…" first.
When the digest cannot be sent, the article is kept and the poster is told privately its
number and that `/article show` brings the digest. After a new digest is sent the bot
dispatches `article_posted(article, message)` (the discussion thread opens on it).

Where an article's text comes from is decided in one place, `ArticleSources`: text, an
attachment, a message, or a URL (through `bot.web` once it is available).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.article import Digest
from bot.article_option import ArticleArg
from bot.discussion import Manners, cooldown
from bot.errors import (
    AlreadyPosted,
    BadSource,
    EmptyArticle,
    SourceTooLarge,
    UnsupportedFile,
    UserError,
)
from bot.interactions import (
    Target,
    channel_id_of,
    guild_id_of,
    in_time,
    moderators_only,
    user_of,
)
from bot.jobs import Analysed
from bot.posting import DeliveryFailed, DigestDelivery, check_postable, tell_poster, withdraw
from bot.render import Page, article_label, article_list_page, clip, digest_pages, text_pages
from bot.views import ConfirmView, ListPageSource, Paginator, send_page
from bot.web import ExtractedPage, FetchError, check_url, fetch_article
from storage import NewArticle, Store, StoredArticle
from storage.base import SourceKind

if TYPE_CHECKING:
    from bot.client import DigestBot

log = logging.getLogger(__name__)

FILE_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml"})
MODAL_BODY_LIMIT = 4000  # Discord's limit for a text input
LIST_PAGE_SIZE = 10
TITLE_FROM_TEXT = 80  # characters of the opening sentence used as a title when there is none
_URL_ONLY = re.compile(r"^<?(https?://\S+?)>?$")


@dataclass(frozen=True, slots=True)
class Source:
    """An article's text before analysis, and where it came from."""

    text: str
    kind: SourceKind
    title: str | None = None
    ref: str | None = None  # the URL, or a link to the message
    meta: dict[str, Any] = field(default_factory=dict)
    fallback_title: str | None = None  # used when neither the source nor the text has one


def check_not_binary(data: bytes, filename: str) -> None:
    """`UnsupportedFile` for data that is clearly not text (NUL bytes, control characters)."""
    head = data[:20000]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 with a byte-order mark: NUL bytes are expected
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > max(2, len(head) // 100):
        raise UnsupportedFile(
            f"“{filename}” looks like a binary file, not text. Attach a .txt, .md or .html file."
        )


class ArticleSources:
    """Turns what a moderator gave — text, a file, a message, a URL — into a `Source`.

    Web pages and files go through `bot.web` (the SSRF-safe fetcher and the extractor); its
    `FetchError`s become `BadSource` with the same user-facing message."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    @property
    def max_bytes(self) -> int:
        return self.bot.settings.max_article_bytes

    def _check_size(self, size: int, what: str) -> None:
        if size > self.max_bytes:
            raise SourceTooLarge(
                f"{what} is {math.ceil(size / 1024)} KB; the limit is "
                f"{self.max_bytes // 1024} KB. Post a shorter article or split it."
            )

    def from_text(self, text: str, *, title: str | None = None, ref: str | None = None) -> Source:
        self._check_size(len(text.encode("utf-8")), "That text")
        if not text.strip():
            raise EmptyArticle("There is no text to post.")
        kind: SourceKind = "message" if ref else "text"
        return Source(text=text, kind=kind, title=title, ref=ref)

    def check_url(self, url: str) -> str:
        """The normalised URL, or `BadSource` right away (before deferring a reply) for a
        malformed or refused address."""
        try:
            return check_url(url, self.bot.fetch_settings)
        except FetchError as exc:
            raise BadSource(str(exc)) from exc

    async def from_url(self, url: str, *, guild_id: int, title: str | None = None) -> Source:
        """A web page, fetched here and extracted in a worker in the server's turn."""
        session = self.bot.http_session
        if session is None:
            raise RuntimeError("the bot's HTTP session is not open")
        try:
            fetched = await fetch_article(session, url)
            page = await self.bot.extract_fetched(fetched, guild_id=guild_id)
        except FetchError as exc:
            log.info("fetch of %s failed: %s", url, exc.detail)
            raise BadSource(str(exc)) from exc
        return self._from_page(page, kind="url", title=title, ref=page.url or url)

    def _from_page(
        self,
        page: ExtractedPage,
        *,
        kind: SourceKind,
        title: str | None = None,
        ref: str | None = None,
        meta: dict[str, Any] | None = None,
        fallback_title: str | None = None,
    ) -> Source:
        self._check_size(len(page.text.encode("utf-8")), "That article")
        if not page.text.strip():
            raise EmptyArticle("I found no article text in that.")
        info = {k: v for k, v in (meta or {}).items() if v}
        info.update(
            {
                k: v
                for k, v in (("author", page.author), ("site_name", page.site_name))
                if v is not None
            }
        )
        if page.date:
            info["date"] = page.date
        return Source(
            text=page.text,
            kind=kind,
            title=title or page.title,
            ref=ref,
            meta=info,
            fallback_title=fallback_title,
        )

    async def from_attachment(
        self, attachment: discord.Attachment, *, guild_id: int, title: str | None = None
    ) -> Source:
        """A .txt, .md or .html attachment (decoded and extracted by `bot.web`, in a worker in
        the server's turn)."""
        name = attachment.filename
        suffix = PurePath(name).suffix.lower()
        if suffix not in FILE_SUFFIXES:
            raise UnsupportedFile(f"I can read .txt, .md and .html files, not “{name}”.")
        self._check_size(attachment.size, f"“{name}”")
        data = await attachment.read()
        self._check_size(len(data), f"“{name}”")
        check_not_binary(data, name)
        try:
            page = await self.bot.extract_file(
                data, attachment.content_type, filename=name, guild_id=guild_id
            )
        except FetchError as exc:
            raise BadSource(str(exc)) from exc
        fallback = PurePath(name).stem.replace("_", " ").replace("-", " ").strip() or None
        return self._from_page(
            page, kind="file", title=title, meta={"filename": name}, fallback_title=fallback
        )

    async def from_message(self, message: discord.Message, *, guild_id: int) -> Source:
        """A message's text, or its first .txt/.md/.html attachment."""
        if message.content.strip():
            return self.from_text(message.content, ref=message.jump_url)
        for attachment in message.attachments:
            if PurePath(attachment.filename).suffix.lower() in FILE_SUFFIXES:
                source = await self.from_attachment(attachment, guild_id=guild_id)
                return Source(
                    text=source.text,
                    kind="message",
                    title=source.title,
                    ref=message.jump_url,
                    meta=source.meta,
                    fallback_title=source.fallback_title,
                )
        raise EmptyArticle(
            "That message has no text I can read (or I can't see message text: "
            "the bot runs without the message-content intent)."
        )


class PostModal(discord.ui.Modal, title="Post an article"):
    """The form `/article post` opens when given no text, file or URL."""

    article_title: discord.ui.TextInput[PostModal] = discord.ui.TextInput(
        label="Title", custom_id="title", required=False, max_length=200, placeholder="Optional"
    )
    body: discord.ui.TextInput[PostModal] = discord.ui.TextInput(
        label="Article text",
        custom_id="body",
        style=discord.TextStyle.paragraph,
        max_length=MODAL_BODY_LIMIT,
        placeholder="Paste the article. Blank lines separate paragraphs.",
    )

    def __init__(self, cog: Articles) -> None:
        super().__init__(timeout=900)
        self.cog = cog

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self.cog.bot.require_moderator(interaction)
        title = self.article_title.value.strip() or None
        source = self.cog.sources.from_text(self.body.value, title=title)
        await self.cog.publish(interaction, source)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        await self.cog.bot.report_error(interaction, error)


class ArticleListSource:
    """`/article list` pages read from the store one page at a time."""

    def __init__(self, store: Store, guild_id: int, per_page: int = LIST_PAGE_SIZE) -> None:
        self.store = store
        self.guild_id = guild_id
        self.per_page = per_page
        self.total = 0

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    async def get_page(self, index: int) -> Page:
        page = await self.store.list_articles(
            self.guild_id, offset=index * self.per_page, limit=self.per_page
        )
        self.total = page.total
        return article_list_page(
            page.items, total=page.total, page=index, page_count=self.page_count
        )


def _title_for(source: Source, article: Analysed) -> str | None:
    if source.title:
        return source.title
    if article.title:
        return article.title
    if source.fallback_title:
        return source.fallback_title
    if article.opening_heading:
        return article.opening_heading
    if article.opening:  # the opening words, so that lists and autocomplete can name it
        return clip(" ".join(article.opening.split()), TITLE_FROM_TEXT)
    return None


def _already_here(stored: StoredArticle) -> str:
    when = discord.utils.format_dt(stored.created_at, "R")
    label = article_label(stored.number, stored.title)
    return (
        f"That article is already here: **{label}** (posted {when}). "
        f"`/article show #{stored.number}` shows its digest."
    )


def _undelivered(stored: StoredArticle, *, partly: bool) -> str:
    label = article_label(stored.number, stored.title)
    what = "the rest of its digest" if partly else "its digest"
    return (
        f"Discord failed while I was sending {what}, so the channel may not have it. The "
        f"article is stored as **{label}**: `/article show #{stored.number}` brings its digest."
    )


def article_pages(article: StoredArticle, digest: Digest) -> list[Page]:
    """The digest pages of a stored article (what `/article post` and `show` send)."""
    url = article.source_ref if article.source_kind == "url" else None
    return digest_pages(
        digest,
        number=article.number,
        title=article.title,
        paragraphs=[(p.number, p.text) for p in article.paragraphs],
        source_url=url,
        meta=article.meta,
    )


class Articles(commands.Cog):
    """Post, list, show and delete articles."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot
        self.sources = ArticleSources(bot)
        self.delivery = DigestDelivery()
        self.save_menu = app_commands.ContextMenu(
            name="Save as article", callback=self.save_message
        )
        self.save_menu.guild_only = True
        # `/article post` takes options (file, url) its prefix form cannot, so it is an app
        # command of its own, added to the hybrid group's slash side.
        post = app_commands.Command(
            name="post",
            description="Post an article (moderators): text, a file, a link, or a form.",
            callback=Articles.post_slash,
            parent=self.article.app_command,
        )
        post.binding = self
        self.article.app_command.add_command(post)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.save_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.save_menu.name, type=self.save_menu.type)

    # --- the pipeline --------------------------------------------------------------------

    async def publish(self, target: Target, source: Source | Awaitable[Source]) -> None:
        """Read the source (a `Source`, or what reads one: a download, a fetch), analyse,
        check and store it, then send the digest. A refusal (a bad source, a text that is not
        an article, an article already here) is raised as a `UserError` with no public trace.
        """

        async def prepare() -> tuple[StoredArticle, Digest]:
            guild_id = guild_id_of(target)
            given = source if isinstance(source, Source) else await source
            article = await self.bot.analyze_text(given.text, title=given.title, guild_id=guild_id)
            digest = check_postable(article)
            new = self._new_article(target, given, article, digest)
            result = await self.bot.store.add_article(new)
            if not result.created:
                raise AlreadyPosted(_already_here(result.article))
            log.info(
                "guild %s: article #%d stored (%s)", guild_id, result.article.number, given.kind
            )
            return result.article, digest

        try:
            defer_after = self.bot.discussion.defer_after
            stored, digest = await in_time(target, prepare(), defer_after=defer_after)
        except UserError:
            await withdraw(target)  # so that the refusal is private
            raise
        guild_id = stored.guild_id
        try:
            messages = await self.delivery.send(target, article_pages(stored, digest))
        except DeliveryFailed as failed:
            messages = failed.sent
            log.warning(
                "guild %s: the digest of article #%d was not sent: %r",
                guild_id,
                stored.number,
                failed.error,
            )
            if not messages:
                await withdraw(target)
            await tell_poster(target, _undelivered(stored, partly=bool(messages)))
        for message in messages:
            await self.bot.store.link_message(guild_id, message.id, stored.number)
        if messages:
            self.bot.dispatch("article_posted", stored, messages[0])

    @staticmethod
    def _new_article(
        target: Target, source: Source, article: Analysed, digest: Digest
    ) -> NewArticle:
        return NewArticle(
            guild_id=guild_id_of(target),
            channel_id=channel_id_of(target),
            author_id=user_of(target).id,
            title=_title_for(source, article),
            source_kind=source.kind,
            source_ref=source.ref,
            text=source.text,
            paragraphs=article.paragraphs,
            analysis=digest.to_dict(),
            engine_version=digest.engine_version,
            meta=source.meta,
            language=article.language,
        )

    # --- commands ------------------------------------------------------------------------

    @commands.guild_only()
    @commands.hybrid_group(name="article", invoke_without_command=True)  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    async def article(self, ctx: commands.Context[DigestBot]) -> None:
        """Post, list, show and delete articles."""
        p = ctx.clean_prefix
        await ctx.reply(
            f"Usage: `{p}article post <text>`, `{p}article list`, `{p}article show <article>`, "
            f"`{p}article delete <article>` (or the `/article` slash commands).",
            mention_author=False,
        )

    @article.command(name="post", with_app_command=False)  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    async def post_prefix(
        self, ctx: commands.Context[DigestBot], *, text: str | None = None
    ) -> None:
        """Post an article: the text after the command, a URL, an attached file, or the
        message this one replies to."""
        await self.bot.require_moderator(ctx)
        guild_id = guild_id_of(ctx)
        source: Source
        url = _URL_ONLY.match(text.strip()) if text else None
        if url:
            checked = self.sources.check_url(url.group(1))
            source = await self.sources.from_url(checked, guild_id=guild_id)
        elif text and text.strip():
            source = self.sources.from_text(text, ref=None)
        elif ctx.message.attachments:
            attachment = ctx.message.attachments[0]
            source = await self.sources.from_attachment(attachment, guild_id=guild_id)
        elif ctx.message.reference is not None and ctx.message.reference.message_id:
            replied = ctx.message.reference.resolved
            if not isinstance(replied, discord.Message):
                replied = await ctx.channel.fetch_message(ctx.message.reference.message_id)
            source = await self.sources.from_message(replied, guild_id=guild_id)
        else:
            raise commands.MissingRequiredArgument(ctx.command.clean_params["text"])  # type: ignore[union-attr]
        await self.publish(ctx, source)

    @app_commands.describe(
        text="The article's text (or leave everything empty for a form)",
        file="A .txt, .md or .html file",
        url="A link to the article",
        title="A title (otherwise taken from the article)",
    )
    async def post_slash(
        self,
        interaction: discord.Interaction[DigestBot],
        text: str | None = None,
        file: discord.Attachment | None = None,
        url: str | None = None,
        title: str | None = None,
    ) -> None:
        """Post an article (moderators): text, a file, a link, or a form."""
        await self.bot.require_moderator(interaction)
        given = [x for x in (text, file, url) if x]
        if len(given) > 1:
            raise BadSource("Give one of `text`, `file` or `url`, not several.")
        if not given:
            modal = PostModal(self)
            if title:
                modal.article_title.default = title
            await interaction.response.send_modal(modal)
            return
        guild_id = guild_id_of(interaction)
        source: Source | Awaitable[Source]
        if file is not None:
            source = self.sources.from_attachment(file, guild_id=guild_id, title=title)
        elif url:
            checked = self.sources.check_url(url.strip())
            source = self.sources.from_url(checked, guild_id=guild_id, title=title)
        else:
            source = self.sources.from_text(text or "", title=title)
        await self.publish(interaction, source)

    async def save_message(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        """The "Save as article" message command."""
        await self.bot.require_moderator(interaction)
        source = self.sources.from_message(message, guild_id=guild_id_of(interaction))
        await self.publish(interaction, source)

    @article.command(name="list")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @cooldown(Manners.check_read)
    async def list_articles(self, ctx: commands.Context[DigestBot]) -> None:
        """This server's articles, newest first."""
        source = ArticleListSource(self.bot.store, guild_id_of(ctx))
        await source.get_page(0)  # learns the total
        await Paginator(ctx.author.id, source).start(ctx)

    @article.command(name="show")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @cooldown(Manners.check_read)
    @app_commands.describe(article="#number or title")
    async def show(self, ctx: commands.Context[DigestBot], *, article: ArticleArg) -> None:
        """Show an article's digest again."""
        pages = article_pages(article, await self.bot.discussion.digest(article))
        message = await Paginator(ctx.author.id, ListPageSource(pages)).start(ctx)
        if message is not None:
            await self.bot.store.link_message(article.guild_id, message.id, article.number)

    @article.command(name="delete")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @moderators_only()
    @app_commands.describe(article="#number or title")
    async def delete(self, ctx: commands.Context[DigestBot], *, article: ArticleArg) -> None:
        """Delete an article (moderators), after a confirmation."""
        guild_id, number = article.guild_id, article.number
        label = article_label(number, article.title)

        async def confirmed() -> str:
            if await self.bot.store.delete_article(guild_id, number):
                log.info("guild %s: article #%d deleted", guild_id, number)
                return f"Deleted article **{label}**."
            return f"Article **{label}** was already deleted."

        view = ConfirmView(ctx.author.id, confirmed, confirm_label="Delete")
        question = f"Delete article **{label}**? Its digest and quotes go with it."
        await send_page(ctx, text_pages(question)[0], view=view)


async def setup(bot: DigestBot) -> None:
    await bot.add_cog(Articles(bot))
