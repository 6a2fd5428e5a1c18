"""The `article` option of every command that names an article: `ArticleArg`.

Users type `#12`, `12`, or pick a title from autocomplete (whose value is `#12`), or type a
title by hand (prefix commands). A command declares the option and receives the stored
article, for slash and prefix alike (a converter and a transformer in one, as
discord.py's `examples/app_commands/transformers.py` and python-discord's `converters.py`):

    async def show(self, ctx, *, article: ArticleArg) -> None:             # required
    async def facts(self, ctx, *, article: ArticleArg = CURRENT_ARTICLE):  # or this one

`CURRENT_ARTICLE` is the default meaning "the article of this thread, reply or channel"
(`Discussion.current_article`); the slash option autocompletes the server's titles. An
article that cannot be found is a `UserError` (`ArticleNotFound`, `AmbiguousArticle`,
`NoCurrentArticle`) that the central error handler answers, before the command's body runs.
Articles are resolved through `DigestBot.discussion` (its cache; the store when missing).

`parse_article_number` and `resolve_article` (straight from a `Store`) are the parts.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Annotated, Any

import discord
from discord import app_commands
from discord.ext import commands

from storage import Store, StoredArticle

from .errors import AmbiguousArticle, ArticleNotFound, UserError
from .interactions import guild_id_of, location_of
from .render import clip, inline

if TYPE_CHECKING:
    from .discussion import Discussion

# On the stripped value, at most `_MAX_NUMBER_TEXT` characters: nothing here can backtrack
# more than that, so parsing is linear however long the value (autocomplete sends each key).
_NUMBER = re.compile(r"(?:#|no\.?|article)?\s*(?:#\s*)?(\d{1,9})", re.IGNORECASE)
_MAX_NUMBER_TEXT = 32
CHOICE_LIMIT = 100  # Discord: choice name and value length
CHOICE_COUNT = 25  # Discord: choices an autocomplete may offer
MAX_QUERY = 200  # characters of what is typed that autocomplete searches titles for


def parse_article_number(value: str) -> int | None:
    """`"#12"`, `"12"`, `" # 12 "`, `"article 12"` → 12; anything else → None."""
    text = value.strip()
    if len(text) > _MAX_NUMBER_TEXT:
        return None
    m = _NUMBER.fullmatch(text)
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
            f"No article here has a title like “{clip(inline(text), 80)}”. "
            "`/article list` shows them."
        )
    if len(chosen) > 1:
        names = ", ".join(f"#{m.number}" for m in chosen[:5])
        raise AmbiguousArticle(f"Several articles match ({names}); name one by its number.")
    article = await store.get_article(guild_id, chosen[0].number)
    if article is None:  # deleted between the two reads
        raise ArticleNotFound(f"Article #{chosen[0].number} was just deleted.")
    return article


def discussion_of(client: object) -> Discussion:
    """The bot's `Discussion` service (`DigestBot.discussion`)."""
    discussion: Discussion | None = getattr(client, "discussion", None)
    if discussion is None:
        raise RuntimeError("the bot has no discussion service")
    return discussion


async def current_article(ctx: commands.Context[Any]) -> StoredArticle:
    """The article a command means when it names none (`Discussion.current_article`)."""
    return await discussion_of(ctx.bot).current_article(guild_id_of(ctx), location_of(ctx))


async def article_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for an `article` option: the guild's titles matching what was typed,
    newest first; each choice's value is `#<number>`. Nothing past the member's autocomplete
    cooldown (`Manners.complete_rate`: each keystroke is a request)."""
    store: Store | None = getattr(interaction.client, "store", None)
    if interaction.guild_id is None or store is None:
        return []
    if not discussion_of(interaction.client).manners.may_complete(interaction.user):
        return []
    number = parse_article_number(current)
    query = current[:MAX_QUERY].strip()
    infos = await store.find_titles(interaction.guild_id, query, limit=CHOICE_COUNT)
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
    return choices[:CHOICE_COUNT]


class ArticleOption(app_commands.Transformer[Any], commands.Converter[StoredArticle]):
    """An `article` option's value → the stored article it names (see the module docstring).

    `passes_over`: words that, in a prefix command, are not an article but the value of the
    next option (`!summary long`): the current article is used and the word is left for the
    next option. Declare such an option as
    `Annotated[StoredArticle, ArticleOption(passes_over=...)]`."""

    def __init__(self, *, passes_over: Collection[str] = ()) -> None:
        super().__init__()
        self.passes_over = frozenset(passes_over)

    async def convert(self, ctx: commands.Context[Any], argument: str) -> StoredArticle:
        if ctx.interaction is None and argument.casefold() in self.passes_over:
            ctx.view.undo()
            return await current_article(ctx)
        return await discussion_of(ctx.bot).resolve(guild_id_of(ctx), argument)

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> Any:
        return await discussion_of(interaction.client).resolve(guild_id_of(interaction), str(value))

    async def autocomplete(  # type: ignore[override]  # choices of str, as the option is
        self, interaction: discord.Interaction[Any], value: str, /
    ) -> list[app_commands.Choice[str]]:
        return await article_autocomplete(interaction, value)


async def _current_article_default(ctx: commands.Context[Any]) -> StoredArticle:
    try:
        return await current_article(ctx)
    except UserError as exc:  # a default's error reaches the error handler only as this
        raise commands.ConversionError(ArticleOption(), exc) from exc


ArticleArg = Annotated[StoredArticle, ArticleOption]
CURRENT_ARTICLE: Any = commands.parameter(
    default=_current_article_default, displayed_default="this thread's or channel's article"
)
