"""The `article` option shared by every command that names an article.

Users type `#12`, `12`, or pick a title from autocomplete (whose value is `#12`), or type a
title by hand (prefix commands). Any cog can use:

    from bot.article_option import article_autocomplete, resolve_article

    @app_commands.autocomplete(article=article_autocomplete)   # or @cmd.autocomplete("article")
    async def show(self, ctx, *, article: str) -> None:
        stored = await resolve_article(self.bot.store, ctx.guild.id, article)

`resolve_article` raises `ArticleNotFound` / `AmbiguousArticle` (user errors with a clear
message), so the central error handler answers for you.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord
from discord import app_commands

from storage import Store, StoredArticle

from .errors import AmbiguousArticle, ArticleNotFound
from .render import clip

_NUMBER = re.compile(r"^\s*(?:#|no\.?\s*|article\s*#?)?\s*(\d{1,9})\s*$", re.IGNORECASE)
CHOICE_LIMIT = 100  # Discord: choice name and value length


def parse_article_number(value: str) -> int | None:
    """`"#12"`, `"12"`, `" # 12 "`, `"article 12"` → 12; anything else → None."""
    m = _NUMBER.match(value)
    return int(m.group(1)) if m else None


def choice_label(number: int, title: str | None) -> str:
    """What autocomplete shows: "#12 · Title" (≤ 100 characters)."""
    return clip(f"#{number} · {title or '(untitled)'}", CHOICE_LIMIT)


async def resolve_article(store: Store, guild_id: int, value: str) -> StoredArticle:
    """The guild's article named by `value` (a number or a title), or a `UserError`.

    A title matches exactly (case-insensitive) first; otherwise a single partial match
    (as the store's `find_titles` defines it) is accepted; several are ambiguous."""
    number = parse_article_number(value)
    if number is not None:
        article = await store.get_article(guild_id, number)
        if article is None:
            raise ArticleNotFound(
                f"There is no article #{number} in this server. `/article list` shows them."
            )
        return article
    text = " ".join(value.split())
    if not text:
        raise ArticleNotFound("Name an article: its number like `#12`, or its title.")
    matches = await store.find_titles(guild_id, text, limit=5)
    exact = [m for m in matches if (m.title or "").casefold() == text.casefold()]
    chosen = exact[:1] if exact else matches
    if not chosen:
        raise ArticleNotFound(
            f"No article here has a title like “{clip(text, 80)}”. `/article list` shows them."
        )
    if len(chosen) > 1:
        names = ", ".join(f"#{m.number}" for m in chosen[:5])
        raise AmbiguousArticle(f"Several articles match ({names}); name one by its number.")
    article = await store.get_article(guild_id, chosen[0].number)
    if article is None:  # deleted between the two reads
        raise ArticleNotFound(f"Article #{chosen[0].number} was just deleted.")
    return article


class _HasStore(Protocol):
    @property
    def store(self) -> Store: ...


async def article_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for an `article` option: the guild's titles matching what was typed,
    newest first; each choice's value is `#<number>`."""
    client: _HasStore | None = getattr(interaction, "client", None)
    store = getattr(client, "store", None)
    if interaction.guild_id is None or store is None:
        return []
    number = parse_article_number(current)
    infos = await store.find_titles(interaction.guild_id, current.strip(), limit=25)
    choices = [
        app_commands.Choice(name=choice_label(i.number, i.title), value=f"#{i.number}")
        for i in infos
    ]
    if number is not None and all(c.value != f"#{number}" for c in choices):
        article = await store.get_article(interaction.guild_id, number)
        if article is not None:
            choice = app_commands.Choice(
                name=choice_label(number, article.title), value=f"#{number}"
            )
            choices.insert(0, choice)
    return choices[:25]
