"""The discussion cog's commands as Discord registers them: every `article` option (`ArticleArg`)
is a string with autocomplete, required only where the command needs one named, and the
prefix forms convert it the same way. (What the commands do: `tests/e2e/test_discuss.py`.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.client import DigestBot
from bot.config import Settings
from bot.workers import Zygote
from storage import open_store


@pytest.fixture
async def bot(tmp_path: Path, zygote: Zygote) -> AsyncIterator[DigestBot]:
    store = await open_store(tmp_path / "db.sqlite3")
    extensions = ("cogs.discuss", "cogs.articles")
    client = DigestBot(Settings(token="x"), store, extensions=extensions, zygote=zygote)
    try:
        await client.setup_hook()
        yield client
    finally:
        await client.close()
        await store.close()


def _options(bot: DigestBot, name: str) -> dict[str, dict[str, Any]]:
    command = bot.tree.get_command(name.split()[0])
    assert command is not None
    if " " in name:
        assert isinstance(command, discord.app_commands.Group)
        command = command.get_command(name.split()[1])
        assert command is not None
    payload = command.to_dict(bot.tree)
    return {o["name"]: o for o in payload["options"]}


@pytest.mark.parametrize(
    ("command", "required"),
    [
        ("ask", False),
        ("quote", True),
        ("summary", False),
        ("facts", False),
        ("article show", True),
        ("article delete", True),
    ],
)
async def test_every_article_option_is_an_autocompleted_string(
    bot: DigestBot, command: str, required: bool
) -> None:
    article = _options(bot, command)["article"]
    assert article["type"] == discord.AppCommandOptionType.string.value
    assert article["autocomplete"] is True
    assert article.get("required", False) is required


async def test_required_options_come_first(bot: DigestBot) -> None:
    """Discord refuses a command whose required options follow an optional one."""
    for command in bot.tree.walk_commands():
        if isinstance(command, discord.app_commands.Command):
            required = [p.required for p in command.parameters]
            assert required == sorted(required, reverse=True), command.qualified_name


async def test_prefix_signatures(bot: DigestBot) -> None:
    signatures = {c.qualified_name: c.signature for c in bot.walk_commands()}
    assert signatures["quote"] == "<article> <paragraphs>"
    assert signatures["facts"] == "[article=this thread's or channel's article]"
    assert signatures["summary"].startswith("[article=this thread's or channel's article]")
    assert signatures["article show"] == "<article>"
