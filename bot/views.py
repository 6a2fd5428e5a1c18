"""Buttons: a paginator and a confirm view that only the person who asked can use.

- `OwnedView(owner_id)` — base: `interaction_check` admits only `owner_id` (others get a
  short ephemeral refusal); `on_timeout` disables every item and edits the message (set
  `view.message = SentMessage(message, interaction)` after sending, or use
  `send_page(..., view=view)` which does it).
- `Paginator(owner_id, source)` — ⏮ ◀ n/N ▶ ⏭ over a `PageSource` (pages built on demand, so
  a listing can read one page of the store at a time). `await paginator.start(target)`.
- `ListPageSource(pages)` — a `PageSource` over pages built in advance.
- `ConfirmView(owner_id, on_confirm)` — Confirm / Cancel; Confirm runs `on_confirm()` and
  shows the text it returns in place of the question.
- `send_page(target, page, *, ephemeral=False, view=None)` — one page to a Context or an
  Interaction, answering the interaction or following up as needed; returns the message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import discord
from discord.ext import commands

from .interactions import Target, interaction_of, reply_to
from .render import NO_MENTIONS, Page

log = logging.getLogger(__name__)

PAGINATOR_TIMEOUT = 180.0


async def send_page(
    target: Target,
    page: Page,
    *,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
    reply: bool = True,
) -> discord.Message | None:
    """Send `page` to a prefix/hybrid Context or an Interaction (first response, or a
    follow-up once responded/deferred) and return the message sent (None for an ephemeral
    first response). Sets `view.message` when the view is an `OwnedView`."""
    kwargs = page.send_kwargs()
    if view is not None:
        kwargs["view"] = view
    message: discord.Message | None
    if isinstance(target, commands.Context):
        if target.interaction is None:
            if reply:
                message = await reply_to(target.message, **kwargs)
            else:
                message = await target.send(**kwargs)
        else:
            message = await target.send(ephemeral=ephemeral, **kwargs)
    elif not target.response.is_done():
        await target.response.send_message(ephemeral=ephemeral, **kwargs)
        message = None if ephemeral and view is None else await target.original_response()
    else:
        message = await target.followup.send(ephemeral=ephemeral, wait=True, **kwargs)
    if isinstance(view, OwnedView) and message is not None:
        view.message = SentMessage(message, interaction_of(target))
    return message


class SentMessage:
    """What editing a sent message later needs (its id, and the interaction's webhook for an
    interaction's reply or follow-up, else its channel), without holding the message: a view
    holding an interaction's reply for its whole life holds the interaction too, with its
    payload and the command's context, ~50 objects per answer that every full pass of the
    garbage collector walks (`benchmarks/ask_load.py`: thousands of open views after a burst)."""

    __slots__ = ("_channel", "_webhook", "id")

    def __init__(
        self, message: discord.Message, interaction: discord.Interaction[Any] | None = None
    ) -> None:
        self.id = message.id
        self._webhook: tuple[int, str, discord.Client] | None = None
        self._channel: Any = None
        if interaction is not None and isinstance(
            message, discord.InteractionMessage | discord.WebhookMessage
        ):
            self._webhook = (interaction.application_id, interaction.token, interaction.client)
        else:
            self._channel = message.channel

    async def edit(self, **fields: Any) -> None:
        if self._webhook is not None:
            app_id, token, client = self._webhook
            webhook = discord.Webhook.partial(app_id, token, client=client)
            await webhook.edit_message(self.id, **fields)
        else:
            await discord.PartialMessage(channel=self._channel, id=self.id).edit(**fields)


class OwnedView(discord.ui.View):
    """A view only `owner_id` may use; disabled when it times out."""

    def __init__(self, owner_id: int, *, timeout: float | None = 180.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: SentMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "These buttons belong to the person who ran the command.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    def disable_all(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True

    async def on_timeout(self) -> None:
        self.disable_all()
        if self.message is not None:
            try:
                await self.message.edit(view=self, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as exc:  # deleted message, lost permission
                log.debug("could not disable a timed-out view: %s", exc)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        reporter = getattr(interaction.client, "report_error", None)
        if reporter is None:
            await super().on_error(interaction, error, item)
        else:
            await reporter(interaction, error)


class PageSource(Protocol):
    """Pages built when shown. `page_count` may change between calls (items deleted)."""

    @property
    def page_count(self) -> int: ...

    async def get_page(self, index: int) -> Page: ...


class ListPageSource:
    """A `PageSource` over pages built in advance."""

    def __init__(self, pages: Sequence[Page]) -> None:
        if not pages:
            raise ValueError("no pages")
        self.pages = list(pages)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    async def get_page(self, index: int) -> Page:
        return self.pages[index]


class Paginator(OwnedView):
    """First / previous / page n of N / next / last, for the invoker only."""

    def __init__(self, owner_id: int, source: PageSource, *, timeout: float | None = None):
        """`timeout`: seconds of inactivity before the buttons are disabled (default
        `PAGINATOR_TIMEOUT`, read when the paginator is made)."""
        super().__init__(owner_id, timeout=PAGINATOR_TIMEOUT if timeout is None else timeout)
        self.source = source
        self.index = 0
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        count = max(self.source.page_count, 1)
        self.index = min(max(self.index, 0), count - 1)
        self.first.disabled = self.previous.disabled = self.index == 0
        self.next.disabled = self.last.disabled = self.index >= count - 1
        self.position.label = f"{self.index + 1}/{count}"

    async def start(self, target: Target, *, ephemeral: bool = False) -> discord.Message | None:
        """Send the first page, with the buttons when there is more than one page."""
        page = await self.source.get_page(0)
        if self.source.page_count <= 1:
            self.stop()
            return await send_page(target, page, ephemeral=ephemeral)
        return await send_page(target, page, ephemeral=ephemeral, view=self)

    async def show(self, interaction: discord.Interaction[Any], index: int) -> None:
        self.index = index
        self._sync_buttons()
        page = await self.source.get_page(self.index)
        self._sync_buttons()  # the source may have shrunk while reading
        await interaction.response.edit_message(view=self, **page.edit_kwargs())

    @discord.ui.button(label="⏮", style=discord.ButtonStyle.secondary)
    async def first(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await self.show(interaction, 0)

    @discord.ui.button(label="◀", style=discord.ButtonStyle.primary)
    async def previous(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await self.show(interaction, self.index - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def position(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:  # pragma: no cover - disabled, a label only
        await interaction.response.defer()

    @discord.ui.button(label="▶", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await self.show(interaction, self.index + 1)

    @discord.ui.button(label="⏭", style=discord.ButtonStyle.secondary)
    async def last(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await self.show(interaction, self.source.page_count - 1)


class ConfirmView(OwnedView):
    """Confirm / Cancel for the invoker. Confirm awaits `on_confirm()` and replaces the
    question with the text it returns; Cancel says so. Either way the buttons go away.
    `value` is True (confirmed), False (cancelled) or None (timed out)."""

    def __init__(
        self,
        owner_id: int,
        on_confirm: Callable[[], Awaitable[str]],
        *,
        confirm_label: str = "Confirm",
        timeout: float | None = 60.0,
    ) -> None:
        super().__init__(owner_id, timeout=timeout)
        self.on_confirm = on_confirm
        self.value: bool | None = None
        self.confirm.label = confirm_label

    async def _finish(self, interaction: discord.Interaction[Any], text: str) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=text, embeds=[], view=None, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        self.value = True
        await self._finish(interaction, await self.on_confirm())

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        self.value = False
        await self._finish(interaction, "Cancelled.")

    async def on_timeout(self) -> None:
        self.disable_all()
        if self.message is not None:
            try:
                await self.message.edit(
                    content="Timed out; nothing was changed.",
                    view=self,
                    allowed_mentions=NO_MENTIONS,
                )
            except discord.HTTPException as exc:
                log.debug("could not mark a confirmation as timed out: %s", exc)
