"""`/settings show` is driven by `GuildSettings`' fields: each has a row, in its order."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from bot.config import Settings
from cogs.admin import SETTING_ROWS
from storage import GuildSettings


def test_every_guild_setting_has_a_row() -> None:
    assert [f.name for f in dataclasses.fields(GuildSettings)] == list(SETTING_ROWS)


def test_rows_read_like_the_settings() -> None:
    mods = SimpleNamespace(name="Mods *team*")
    guild = SimpleNamespace(get_role=lambda role_id: mods if role_id == 5 else None)
    moderators = SETTING_ROWS["moderator_role_id"].show
    assert moderators(guild, None, Settings()) == "members with Manage Messages"  # type: ignore[arg-type]
    assert moderators(guild, 5, Settings(moderator_role="Staff")) == (  # type: ignore[arg-type]
        "members with Manage Messages, the role **Mods \\*team\\***, the bot-wide role `Staff`"
    )
    threads = SETTING_ROWS["discussion_threads"].show
    assert threads(guild, False, Settings()) == "off"  # type: ignore[arg-type]
