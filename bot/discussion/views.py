"""The buttons on what the discussion sends: pages of one article, and an answer's "More"."""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any

import discord

from storage import Store

from ..answers import Answer
from ..errors import ArticleNotFound
from ..render import NO_MENTIONS, Page
from ..views import PAGINATOR_TIMEOUT, ListPageSource, OwnedView, send_page

if TYPE_CHECKING:
    from .service import Discussion

DELETED = "That article was deleted, so there is nothing more to show."


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


def more_view(
    discussion: Discussion, guild_id: int, number: int, answer: Answer, owner: int
) -> MoreView | None:
    """The "More" button for an answer with more to show, else None."""
    if not answer.more_count:
        return None
    return MoreView(discussion, guild_id, number, answer.more, owner)


class MoreView(OwnedView):
    """An answer's "More" button (for the asker): sends the next group of passages as a new
    message with its own "More" while any remain, and takes the button off this one. It
    keeps the pages still to show as `Answer` has them (pickled)."""

    def __init__(
        self, discussion: Discussion, guild_id: int, number: int, more: bytes, owner: int
    ) -> None:
        super().__init__(owner, timeout=PAGINATOR_TIMEOUT)
        self.discussion, self.guild_id, self.number = discussion, guild_id, number
        self.more_pages = more

    @discord.ui.button(label="More", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(view=None)
        if await self.discussion.store.get_article(self.guild_id, self.number) is None:
            await interaction.followup.send(DELETED, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        nxt = Answer.of(pickle.loads(self.more_pages))
        view = more_view(self.discussion, self.guild_id, self.number, nxt, self.owner_id)
        message = await send_page(interaction, nxt.first, view=view)
        self.discussion.link(self.guild_id, message, self.number)
