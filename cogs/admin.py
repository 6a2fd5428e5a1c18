"""Running the bot: the owner's `sync`, and each server's settings.

- `sync [here|global|clear]` (owner only; prefix or a mention of the bot, since slash
  commands do not exist before the first sync): `here` copies the commands to this server
  (instant), `global` syncs everywhere (may take a while to show), `clear` removes this
  server's copies.
- `/settings show` — this server's settings: one line per field of `storage.GuildSettings`
  (`SETTING_ROWS`).
- `/settings modrole [role]` — the role whose members may post and delete articles
  (needs Manage Server; no role clears it). Members with Manage Messages always may.
- `/settings threads <on|off>` — whether a digest opens a discussion thread (moderators).
  Changes of settings have a per-server cooldown (`Manners.configure_rate`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.discussion import Manners, cooldown
from bot.errors import GuildOnly
from bot.interactions import moderators_only
from bot.render import inline, text_pages
from bot.views import send_page

if TYPE_CHECKING:
    from bot.client import DigestBot

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SettingRow:
    """How `/settings show` shows one field of `storage.GuildSettings`."""

    label: str
    show: Callable[[discord.Guild, Any, Settings], str]


def _moderators(guild: discord.Guild, role_id: int | None, settings: Settings) -> str:
    role = guild.get_role(role_id) if role_id else None
    configured = settings.moderator_role
    return (
        "members with Manage Messages"
        + (f", the role **{inline(role.name)}**" if role else "")
        + (f", the bot-wide role `{configured}`" if configured else "")
    )


# One row per field of `GuildSettings`, in its order (a test checks none is missing): a new
# per-server setting is a field there, a row here and the subcommand that sets it.
SETTING_ROWS: dict[str, SettingRow] = {
    "moderator_role_id": SettingRow("Moderators", _moderators),
    "discussion_threads": SettingRow(
        "Discussion threads", lambda _guild, on, _settings: "on" if on else "off"
    ),
}


class Admin(commands.Cog):
    """The owner's sync and per-server settings."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(
        self,
        ctx: commands.Context[DigestBot],
        where: Literal["here", "global", "clear"] = "global",
    ) -> None:
        """Sync slash commands: `here` (this server), `global`, or `clear` (this server)."""
        if where == "global":
            count = await self.bot.sync_commands()
            text = f"Synced {count} commands globally (they may take a while to appear)."
        elif ctx.guild is None:
            raise GuildOnly()
        elif where == "here":
            count = await self.bot.sync_commands(ctx.guild.id)
            text = f"Synced {count} commands to this server."
        else:
            self.bot.tree.clear_commands(guild=ctx.guild)
            await self.bot.tree.sync(guild=ctx.guild)
            text = "Removed this server's copies of the commands."
        log.info("sync %s by %s: %s", where, ctx.author.id, text)
        await ctx.reply(text, mention_author=False)

    @commands.guild_only()
    @commands.hybrid_group(name="settings", invoke_without_command=True)  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    async def settings(self, ctx: commands.Context[DigestBot]) -> None:
        """This server's digestbot settings."""
        await self.show(ctx)

    @settings.command(name="show")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    async def show(self, ctx: commands.Context[DigestBot]) -> None:
        """Show this server's settings."""
        guild = ctx.guild
        if guild is None:
            raise GuildOnly()
        current = await self.bot.store.get_settings(guild.id)
        lines = []
        for f in dataclasses.fields(current):
            row = SETTING_ROWS[f.name]
            value = row.show(guild, getattr(current, f.name), self.bot.settings)
            lines.append(f"**{row.label}**: {value}")
        await send_page(ctx, text_pages("\n".join(lines))[0], ephemeral=True)

    @settings.command(name="modrole")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @commands.has_permissions(manage_guild=True)
    @cooldown(Manners.check_configure)
    @app_commands.describe(role="Members with this role may post and delete articles")
    async def modrole(
        self, ctx: commands.Context[DigestBot], role: discord.Role | None = None
    ) -> None:
        """Set (or clear) the moderator role of this server."""
        guild = ctx.guild
        if guild is None:
            raise GuildOnly()
        await self.bot.store.update_settings(
            guild.id, moderator_role_id=role.id if role is not None else None
        )
        text = (
            f"Members with **{inline(role.name)}** may now post and delete articles."
            if role is not None
            else "Cleared the moderator role: only members with Manage Messages moderate."
        )
        await send_page(ctx, text_pages(text)[0], ephemeral=True)

    @settings.command(name="threads")  # type: ignore[arg-type]  # discord.py hybrid typing vs mypy
    @moderators_only()
    @cooldown(Manners.check_configure)
    @app_commands.describe(state="Open a discussion thread for each new digest")
    async def threads(self, ctx: commands.Context[DigestBot], state: Literal["on", "off"]) -> None:
        """Turn discussion threads for new digests on or off (moderators)."""
        guild = ctx.guild
        if guild is None:
            raise GuildOnly()
        await self.bot.store.update_settings(guild.id, discussion_threads=state == "on")
        await send_page(ctx, text_pages(f"Discussion threads are now **{state}**.")[0])


async def setup(bot: DigestBot) -> None:
    await bot.add_cog(Admin(bot))
