"""Two `python -m bot` processes, shards 0 and 1 of 2, on one PostgreSQL database, against the
fake Discord: each answers its own shard's servers only, both search and answer, a delete made
by another process is honoured by a process that had the article cached, and SIGKILL of one
process loses no acknowledged article and leaves the other serving."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import pytest

from storage import open_store
from storage.tempserver import TempPostgres
from tests.e2e.bot_fixtures import embed_text
from tests.e2e.fakediscord import BotProcess, FakeDiscord, run_bot_process
from tests.e2e.fakediscord.models import FakeChannel, FakeGuild, FakeMember

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()
BRIDGE = """The Old Harbour Bridge

The city council approved a plan on Tuesday to repair the Old Harbour Bridge, which has carried
traffic across the river since 1932. The repairs will cost 48 million euros and take three
years, the council said.

Engineers found corrosion in the steel cables during an inspection last spring. Heavy lorries
have been banned from the bridge since then, and buses take a longer route through the port.

The work starts in March. One lane will stay open in each direction, and a ferry will run every
twenty minutes for cyclists and people on foot while the footpath is closed.
"""

pytestmark = pytest.mark.fakediscord(shard_count=2)


def _events(fake: FakeDiscord, guild: FakeGuild, event: str) -> dict[int, int]:
    """shard id → how many `event`s of `guild` its gateway session was sent."""
    counts: dict[int, int] = {}
    for session in fake.gateway.sessions:  # (a reconnection that identified again: one more)
        frames = [json.loads(text) for _, text in session.history]
        counts[session.shard[0]] = counts.get(session.shard[0], 0) + sum(
            1
            for f in frames
            if f.get("t") == event and (f.get("d") or {}).get("guild_id") == str(guild.id)
        )
    return counts


async def _slash(
    fake: FakeDiscord, channel: FakeChannel, who: FakeMember, name: str, options: dict[str, Any]
) -> str:
    ix = await fake.slash(channel, who, name, options)
    return embed_text(await ix.wait_response(timeout=20))


@contextlib.contextmanager
def outputs_on_failure(*processes: BotProcess) -> Iterator[None]:
    """Print what each bot process wrote when the block fails (pytest shows it)."""
    try:
        yield
    except BaseException:
        for i, process in enumerate(processes):
            print(f"--- output of bot process {i} ---\n{process.output}")
        raise


@pytest.fixture
def database(pg_server: TempPostgres, request: pytest.FixtureRequest) -> str:
    name = "shards_e2e"
    url = pg_server.create_database(name)
    request.addfinalizer(lambda: pg_server.drop_database(name))
    return url


async def test_two_shard_processes_share_one_postgresql(
    fake: FakeDiscord, database: str, tmp_path: Path
) -> None:
    guilds = [fake.create_guild(f"Shard {i}", shard=(i, 2)) for i in (0, 1)]
    channels = [fake.create_text_channel(g, "news") for g in guilds]
    mods = []
    for guild in guilds:
        role = fake.create_role(
            guild, "Mods", permissions=discord.Permissions(manage_messages=True)
        )
        mods.append(fake.create_member(guild, "mod", roles=[role]))
    readers = [fake.create_member(g, f"reader{i}") for i, g in enumerate(guilds)]
    common = {
        "DIGESTBOT_DB": database,
        "SHARD_COUNT": "2",
        "LOG_LEVEL": "INFO",
        "ANALYSIS_WORKERS": "1",
        "ANSWER_WORKERS": "1",
    }

    def env(i: int) -> dict[str, str]:
        return {**common, "SHARD_IDS": str(i), "DEV_GUILD_ID": str(guilds[i].id)}

    async with (
        run_bot_process(fake, env=env(0), cwd=tmp_path, stop_timeout=30) as first,
        run_bot_process(fake, env=env(1), cwd=tmp_path, stop_timeout=30) as second,
    ):
        with outputs_on_failure(first, second):
            await fake.wait_ready(shards=[0, 1], timeout=30)
            for guild in guilds:
                await fake.wait_for_request("PUT", rf"/guilds/{guild.id}/commands$", timeout=30)
            for process in (first, second):
                await process.wait_for_output("(shards ", timeout=20)

            # A moderator posts in a server on each shard; each is read and stored once.
            posted = [
                await _slash(fake, channels[0], mods[0], "article post", {"text": SAMPLE}),
                await _slash(fake, channels[1], mods[1], "article post", {"text": BRIDGE}),
            ]
            assert "#1" in posted[0] and "Anthropic" in posted[0]
            assert "#1" in posted[1] and "Bridge" in posted[1]
            # Each server's interactions went to the connection of its shard, i.e. its process.
            for i, guild in enumerate(guilds):
                assert _events(fake, guild, "INTERACTION_CREATE") == {i: 1, 1 - i: 0}
            assert "(shards 0 of 2)" in first.output and "(shards 1 of 2)" in second.output

            # /search and /ask work in both.
            found = await _slash(fake, channels[0], readers[0], "search", {"query": "Amazon"})
            assert "#1" in found and "Amazon" in found
            found = await _slash(fake, channels[1], readers[1], "search", {"query": "corrosion"})
            assert "#1" in found and "corrosion" in found
            answer = await _slash(
                fake, channels[0], readers[0], "ask", {"question": "How much did Amazon invest?"}
            )
            assert "$5 billion" in answer
            question = {"question": "How much will the repairs cost?", "article": "#1"}
            answer = await _slash(fake, channels[1], readers[1], "ask", question)
            assert "48 million euros" in answer  # article #1 of server 1 is now in its caches

            # Another process deletes it: the process that had it cached answers no more from it.
            store = await open_store(database)
            try:
                assert await store.delete_article(guilds[1].id, 1)
            finally:
                await store.close()
            await second.wait_for_output("article #1 was deleted by another process", timeout=10)
            gone = await _slash(fake, channels[1], readers[1], "ask", question)
            assert "There is no article #1" in gone and "48 million" not in gone
            assert "There are no articles" in await _slash(
                fake, channels[1], readers[1], "ask", {"question": "What was repaired?"}
            )
            found = await _slash(fake, channels[1], readers[1], "search", {"query": "corrosion"})
            assert "No paragraph of this server's articles matches" in found

            # A post acknowledged by the first process survives its SIGKILL; the second serves on.
            again = await _slash(fake, channels[0], mods[0], "article post", {"text": BRIDGE})
            assert "#2" in again
            first.process.send_signal(signal.SIGKILL)
            assert await first.wait_exit(timeout=10) == -signal.SIGKILL
            store = await open_store(database)
            try:
                kept = [await store.get_article(guilds[0].id, n) for n in (1, 2)]
                assert [a is not None and a.text.strip() for a in kept] == [
                    SAMPLE.strip(),
                    BRIDGE.strip(),
                ]
            finally:
                await store.close()
            posted_after = await _slash(
                fake, channels[1], mods[1], "article post", {"text": SAMPLE}
            )
            assert "#2" in posted_after  # numbers are never reused: #1 was deleted
            answer = await _slash(
                fake, channels[1], readers[1], "ask", {"question": "How much did Amazon invest?"}
            )
            assert "$5 billion" in answer
            # nobody serves shard 0 now: its commands reach no process
            ix = await fake.slash(channels[0], readers[0], "search", {"query": "Amazon"})
            await asyncio.sleep(0.5)
            assert not ix.responses
    assert second.returncode == 0, second.output
    assert "Traceback" not in second.output, second.output
