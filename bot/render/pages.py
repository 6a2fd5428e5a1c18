"""Messages that always fit Discord's limits: `Page`, and the one packer that fills them.

Discord's server enforces its limits (discord.py does not); a reply that breaks one is a 400
and the user sees nothing. So everything here measures what it builds and, when something
is too long, *splits* it — into more fields, more embeds, more messages ("pages") — instead of
cutting meaning off.

- `Page`: one message (content and up to ten embeds); `send_kwargs()` / `edit_kwargs()`
  always carry `allowed_mentions=NO_MENTIONS`. `page_problems(page)`: every limit it breaks.
- `Packer`: fills embeds and messages in order, starting a new message whenever a limit
  would break (6,000 characters over the embeds, ten embeds, 25 fields), and ends each
  message with the footer, "i/n" added when there are several. Every multi-message reply is
  packed by it: `build_pages` (a titled description and fields) and
  `bot.render.discussion.quote_pages` (paragraphs as block quotes).
- `text_pages(text)`: plain messages of at most 2,000 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import discord

from .text import clip, dlen, split_text, unescape

# Discord's limits (its server enforces them; discord.py does not), in UTF-16 units (`dlen`)
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
EMBED_COUNT_LIMIT = 10

NO_MENTIONS = discord.AllowedMentions.none()
COLOR = 0x5865F2
CONT = " (cont.)"  # ends the name of a field or the title of an embed that continues one
_PAGE_MARK_RESERVE = len(" · 999/999")


@dataclass
class Page:
    """One message: optional content and up to ten embeds, within every limit."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)

    def send_kwargs(self) -> dict[str, Any]:
        """For `send`/`reply`/`followup.send`: only what is present, and no mentions."""
        kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """For `edit`/`edit_message`: replaces both content and embeds."""
        return {"content": self.content, "embeds": self.embeds, "allowed_mentions": NO_MENTIONS}


def embed_length(embed: discord.Embed) -> int:
    """What Discord counts towards the 6000 characters of a message's embeds."""
    total = dlen(embed.title or "") + dlen(embed.description or "")
    total += dlen(embed.footer.text or "") + dlen(embed.author.name or "")
    for f in embed.fields:
        total += dlen(f.name or "") + dlen(f.value or "")
    return total


def page_problems(page: Page) -> list[str]:
    """Every Discord limit `page` breaks (empty when it can be sent)."""
    problems: list[str] = []
    if not page.content and not page.embeds:
        problems.append("empty message")
    if page.content and dlen(page.content) > CONTENT_LIMIT:
        problems.append(f"content {dlen(page.content)} > {CONTENT_LIMIT}")
    if len(page.embeds) > EMBED_COUNT_LIMIT:
        problems.append(f"{len(page.embeds)} embeds > {EMBED_COUNT_LIMIT}")
    total = 0
    for i, e in enumerate(page.embeds):
        checks = [
            ("title", e.title or "", TITLE_LIMIT),
            ("description", e.description or "", DESCRIPTION_LIMIT),
            ("footer", e.footer.text or "", FOOTER_LIMIT),
            ("author", e.author.name or "", AUTHOR_LIMIT),
        ]
        for what, text, limit in checks:
            if dlen(text) > limit:
                problems.append(f"embed {i} {what} {dlen(text)} > {limit}")
        if len(e.fields) > FIELD_COUNT_LIMIT:
            problems.append(f"embed {i} has {len(e.fields)} fields > {FIELD_COUNT_LIMIT}")
        for j, f in enumerate(e.fields):
            name, value = f.name or "", f.value or ""
            if not name.strip() or dlen(name) > FIELD_NAME_LIMIT:
                problems.append(f"embed {i} field {j} name length {dlen(name)}")
            if not value.strip() or dlen(value) > FIELD_VALUE_LIMIT:
                problems.append(f"embed {i} field {j} value length {dlen(value)}")
        if not (e.title or e.description or e.fields):
            problems.append(f"embed {i} is empty")
        total += embed_length(e)
    if total > EMBED_TOTAL_LIMIT:
        problems.append(f"embeds total {total} > {EMBED_TOTAL_LIMIT}")
    return problems


class Packer:
    """Fills embeds and messages in order, starting a new message whenever a limit would break.

    `title` (with `url`) heads each message's first embed; `content` is each message's text;
    `footer` ends each message's last embed, with " · i/n" when there are several. Add
    description chunks and fields (`add_description`, `add_field`: they go into the last
    embed while it has room) or whole embeds (`add_embed`); `room` is what the current message
    can still take, `new_message()` starts the next one. `finish()` returns the pages."""

    def __init__(
        self,
        *,
        title: str | None = None,
        url: str | None = None,
        content: str | None = None,
        footer: str | None = None,
        color: int = COLOR,
    ) -> None:
        self.title = clip(title, TITLE_LIMIT) if title else None
        self.url = url
        self.content = clip(content, CONTENT_LIMIT) if content else None
        self.footer = clip(footer, FOOTER_LIMIT - _PAGE_MARK_RESERVE) if footer else None
        self.color = color
        self.budget = EMBED_TOTAL_LIMIT - dlen(self.title or "")
        self.budget -= dlen(self.footer or "") + _PAGE_MARK_RESERVE
        self._pages: list[list[discord.Embed]] = []
        self.embeds: list[discord.Embed] = []  # the current message's
        self._used = 0

    @property
    def room(self) -> int:
        """Characters the current message's embeds can still take."""
        return self.budget - self._used

    @property
    def full(self) -> bool:
        """Whether the current message has as many embeds as a message may."""
        return len(self.embeds) >= EMBED_COUNT_LIMIT

    def new_message(self) -> None:
        """End the current message (if it has anything); what comes next starts another."""
        if self.embeds:
            self._pages.append(self.embeds)
        self.embeds = []
        self._used = 0

    def _place(self, cost: int, fresh: bool) -> discord.Embed:
        """The embed that takes an item of `cost` characters: the last one, unless `fresh`
        is asked or a limit of the message would break (then a new message starts)."""
        fresh = fresh or not self.embeds
        if self._used + cost > self.budget or (fresh and self.full):
            self.new_message()
            fresh = True
        self._used += cost
        if fresh:
            embed = discord.Embed(color=self.color)
            if not self.embeds and self.title:
                embed.title = self.title
                if self.url:
                    embed.url = self.url
            self.embeds.append(embed)
        return self.embeds[-1]

    def add_description(self, chunk: str) -> None:
        """`chunk` (≤ 4,096) as the description of the last embed if it has none yet and no
        fields, else of a new one."""
        last = self.embeds[-1] if self.embeds else None
        reuse = last is not None and not last.description and not last.fields
        self._place(dlen(chunk), fresh=not reuse).description = chunk

    def add_field(self, name: str, value: str) -> None:
        """A field (name ≤ 256, value ≤ 1,024) in the last embed, or a new one when full."""
        last = self.embeds[-1] if self.embeds else None
        full = last is not None and len(last.fields) >= FIELD_COUNT_LIMIT
        self._place(dlen(name) + dlen(value), fresh=full).add_field(
            name=name, value=value, inline=False
        )

    def add_embed(self, title: str, description: str) -> None:
        """A new embed of its own (title ≤ 256, description ≤ 4,096)."""
        embed = self._place(dlen(title) + dlen(description), fresh=True)
        embed.title = title
        embed.description = description

    def finish(self) -> list[Page]:
        """The pages: each message's embeds, `content`, and the footer with "i/n". With
        nothing added, one message of `content` alone, or an embed of the title alone."""
        self.new_message()
        if not self._pages:
            if self.content:
                return [Page(content=self.content)]
            self._pages.append([discord.Embed(color=self.color, title=self.title or "(empty)")])
        count = len(self._pages)
        out: list[Page] = []
        for i, embeds in enumerate(self._pages, 1):
            footer = self.footer or ""
            if count > 1:
                footer = f"{footer} · {i}/{count}" if footer else f"{i}/{count}"
            if footer:
                embeds[-1].set_footer(text=footer)
            out.append(Page(content=self.content, embeds=embeds))
        return out


def build_pages(
    *,
    title: str | None = None,
    url: str | None = None,
    description: str = "",
    fields: Iterable[tuple[str, str]] = (),
    footer: str | None = None,
    color: int = COLOR,
) -> list[Page]:
    """Lay out a titled description and named fields over as many embeds and messages as
    Discord's limits need. Over-long values continue in a field named "<name> (cont.)".
    The title (already escaped if it quotes user text) heads each message; the footer ends
    each message, with "i/n" when there are several."""
    packer = Packer(title=title, url=url, footer=footer, color=color)
    for chunk in split_text(description, min(DESCRIPTION_LIMIT, packer.budget)):
        packer.add_description(chunk)
    for name, value in fields:
        base = clip(name.strip() or "\u200b", FIELD_NAME_LIMIT - len(CONT))
        for i, chunk in enumerate(split_text(value, FIELD_VALUE_LIMIT) or ["\u200b"]):
            packer.add_field(base if i == 0 else base + CONT, chunk)
    return packer.finish()


def text_pages(text: str) -> list[Page]:
    """Plain messages of at most 2000 characters each."""
    return [Page(content=c) for c in split_text(text, CONTENT_LIMIT)] or [Page(content="\u200b")]


def page_text(page: Page) -> str:
    """A page as plain text, the way Discord lays it out: content, then each embed's title,
    description, fields (name, then value) and footer, with Markdown's bold and italics
    marks taken off (the README shows a digest this way)."""
    lines: list[str] = []
    if page.content:
        lines.append(page.content)
    for embed in page.embeds:
        if embed.title:
            lines.append(embed.title)
        if embed.description:
            lines.extend(embed.description.split("\n"))
        for f in embed.fields:
            lines.append(str(f.name))
            lines.extend(str(f.value).split("\n"))
        if embed.footer.text:
            lines.append(embed.footer.text)
    return "\n".join(unescape(_MARKS.sub("", line)) for line in lines)


_MARKS = re.compile(r"(?<!\\)(?:\*\*|\*|__)")
