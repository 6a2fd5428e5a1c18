"""Posting an article: what is checked before the channel sees anything, and sending its digest
so that a failing Discord neither loses it nor posts it twice.

- `check_postable(analysed)` — `EmptyArticle` for a text that is not an article (`refusal`,
  decided in the worker that analysed it): no
  paragraphs (only headings or page furniture: "# Title only", "Read original article →"),
  or no sentence of real words (`has_prose`: "🙂", "--- *** ..."). Nothing is stored.
- `withdraw(target)` — remove the public "thinking…" placeholder of a slash command deferred
  while its work ran, so that what it says next (a mistake, a refusal) is private.
- `DigestDelivery.send(target, pages)` — the digest's pages, each tried again after
  `retry_delays` when Discord fails (a 5xx that discord.py's own retries did not get past, a
  dropped connection), and sent so that trying again cannot post it twice. A slash command
  is deferred first (unless it is already: a deferral gives 15 minutes where a first response
  has 3 seconds, which no retry fits in; one that went through unheard, 40060, counts), and
  the first page replaces the "thinking…" placeholder (an edit: repeating it is harmless);
  a prefix command's pages carry a nonce Discord enforces (a repeat returns the first
  message). Returns the messages; `DeliveryFailed` (holding the pages that did land) when a
  page could not be sent. `DigestDelivery.post(channel, pages, nonce=)` — the same for a
  post nobody asked for (a feed's new item): each page carries a nonce made from `nonce`,
  so sending the post again later (a retry, a restart) makes no second message.
- `tell_poster(target, text)` — privately: ephemeral for an interaction, a direct message
  for a prefix command (a reply when the member does not accept direct messages).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord
from discord.ext import commands

from .article import Article, Digest
from .errors import EmptyArticle
from .interactions import Target, interaction_of, reply_error, reply_to, user_of
from .render import NO_MENTIONS, Page

if TYPE_CHECKING:
    from .jobs import Analysed

log = logging.getLogger(__name__)

T = TypeVar("T")

# What is worth trying again: Discord's 5xx (after discord.py's own retries), and the
# connection failing under the request.
TRANSIENT = (discord.DiscordServerError, aiohttp.ClientError, ConnectionError, TimeoutError)
ALREADY_ANSWERED = 40060  # Discord: "Interaction has already been acknowledged."

_LETTERS = re.compile(r"[^\W\d_]+")
# scripts written without spaces between words: two letters make a word there
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)

NO_PARAGRAPHS = "I found no paragraphs of text to digest in that."
NO_PROSE = (
    "That has no sentence of words in it, so it is not an article: nothing was posted. "
    "Paste the article's text (or give its file or link)."
)


def has_prose(article: Article) -> bool:
    """Whether some sentence of `article` has real words: two runs of letters (in any
    script), or two letters of a script written without spaces (Chinese, Japanese, Thai...).
    Emoji, punctuation, rules and numbers alone are not words."""
    for paragraph in article.paragraphs:
        for sentence in paragraph.sentences or [paragraph.text]:
            runs = _LETTERS.findall(sentence)
            if len(runs) >= 2 or len(_UNSPACED.findall(sentence)) >= 2:
                return True
    return False


def refusal(article: Article) -> str | None:
    """Why `article` is not an article (what the poster reads), or None when it is one."""
    if not article.paragraphs:
        return NO_PARAGRAPHS
    if not has_prose(article):
        return NO_PROSE
    return None


def check_postable(article: Analysed) -> Digest:
    """The digest of `article`, or `EmptyArticle` (a private refusal) when it is not an
    article (the worker that analysed it decided: `refusal`)."""
    if article.refusal is not None or article.digest is None:
        raise EmptyArticle(article.refusal or NO_PARAGRAPHS)
    return article.digest


async def withdraw(target: Target) -> None:
    """Delete the public "thinking…" placeholder of a slash command deferred while its work
    ran (the caller knows nothing replaced it yet); nothing otherwise."""
    interaction = interaction_of(target)
    deferred = discord.InteractionResponseType.deferred_channel_message
    if interaction is None or interaction.response.type is not deferred:
        return
    try:
        await interaction.delete_original_response()
    except discord.HTTPException as exc:
        log.warning("could not remove a placeholder: %s", exc)


async def tell_poster(target: Target, text: str) -> None:
    """`text` to whoever ran the command, privately (see the module docstring)."""
    if interaction_of(target) is not None:
        await reply_error(target, text)
        return
    try:
        await user_of(target).send(text, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.info("could not send a direct message (%s); replying instead", exc)
        await reply_error(target, text)


class DeliveryFailed(Exception):
    """A page of a digest could not be sent; `sent` holds the pages before it."""

    def __init__(self, sent: list[discord.Message], error: BaseException) -> None:
        super().__init__(f"{len(sent)} page(s) sent, then: {error!r}")
        self.sent = sent
        self.error = error


class DigestDelivery:
    """Sends digests (see the module docstring). `retry_delays`: the pauses before each new
    try of a page (discord.py has already tried 5xx answers again for up to 25 s by then)."""

    retry_delays: Sequence[float] = (2.0, 6.0)

    async def send(self, target: Target, pages: Sequence[Page]) -> list[discord.Message]:
        sent: list[discord.Message] = []
        interaction = interaction_of(target)
        if interaction is not None and not interaction.response.is_done():
            try:
                await self._retrying(lambda: _defer(interaction), "a deferral")
            except TRANSIENT as exc:
                raise DeliveryFailed(sent, exc) from exc
        for index, page in enumerate(pages):
            nonce = secrets.token_hex(8)  # one per page, the same for each try of it

            def attempt(
                page: Page = page, index: int = index, nonce: str = nonce
            ) -> Awaitable[discord.Message]:
                return self._send_page(target, page, first=index == 0, nonce=nonce)

            try:
                sent.append(await self._retrying(attempt, f"page {index + 1} of a digest"))
            except TRANSIENT as exc:
                raise DeliveryFailed(sent, exc) from exc
        return sent

    async def post(
        self,
        channel: discord.abc.Messageable,
        pages: Sequence[Page],
        *,
        nonce: str,
        view: discord.ui.View | None = None,
    ) -> list[discord.Message]:
        """`pages` to `channel`; `view` goes on the last one. `nonce` (at most 23
        characters) names the post: page i is sent with `nonce` + i, which Discord enforces."""
        sent: list[discord.Message] = []
        for index, page in enumerate(pages):
            kwargs = page.send_kwargs()
            if view is not None and index == len(pages) - 1:
                kwargs["view"] = view

            def attempt(
                kwargs: dict[str, Any] = kwargs, page_nonce: str = f"{nonce[:23]}{index:02d}"
            ) -> Awaitable[discord.Message]:
                return channel.send(nonce=page_nonce, **kwargs)

            try:
                sent.append(await self._retrying(attempt, f"page {index + 1} of a post"))
            except TRANSIENT as exc:
                raise DeliveryFailed(sent, exc) from exc
        return sent

    async def _retrying(self, attempt: Callable[[], Awaitable[T]], what: str) -> T:
        for delay in (*self.retry_delays, None):
            try:
                return await attempt()
            except TRANSIENT as exc:
                if delay is None:
                    raise
                log.warning("sending %s failed (%r); trying again in %.1f s", what, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    @staticmethod
    async def _send_page(target: Target, page: Page, *, first: bool, nonce: str) -> discord.Message:
        kwargs = page.send_kwargs()
        interaction = interaction_of(target)
        if interaction is None:
            assert isinstance(target, commands.Context)
            return await reply_to(target.message, nonce=nonce, **kwargs)
        if first:  # deferred: it replaces the "thinking…" placeholder
            return await interaction.edit_original_response(**page.edit_kwargs())
        return await interaction.followup.send(wait=True, **kwargs)


async def _defer(interaction: discord.Interaction[Any]) -> None:
    """A public "thinking…" deferral; one that went through unheard (40060) counts."""
    try:
        await interaction.response.defer(thinking=True)
    except discord.HTTPException as exc:
        if exc.code != ALREADY_ANSWERED:
            raise
        log.info("an earlier try of a deferral went through unheard")
