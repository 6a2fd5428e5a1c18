"""One server can never stall another: the real bot, its real worker processes and real
signals, against the fake Discord. A stopped (SIGSTOP) or stuck worker costs its own request
a short "try again" or "too complex" at the deadline, never anyone else's; its worker is
replaced; and no worker outlives the bot, however it ends."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import DigestBot
from bot.workers import Zygote
from tests.e2e.bot_fixtures import World, embed_text, eventually, start_digestbot
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.fakediscord.process import run_bot_process
from tests.processes import alive, descendants

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()
NEWS = (Path(__file__).parents[1] / "fixtures" / "web" / "news.html").read_bytes()
OTHER = (
    "Paris hosted 12 city council meetings in 2024, the mayor said on Tuesday.\n\n"
    "The mayor added that 3 more meetings about the new tram line will follow next year."
)
DEADLINE = 2.0


@pytest.fixture
async def bot(
    fake: FakeDiscord, world: World, tmp_path: Path, zygote: Zygote
) -> AsyncIterator[DigestBot]:
    async with start_digestbot(
        fake, tmp_path, zygote=zygote, answer_timeout=DEADLINE, analysis_timeout=DEADLINE
    ) as started:
        manners = started.discussion.manners
        manners.ask_rate = (100, 60.0)
        yield started


async def _post(fake: FakeDiscord, world: World, text: str, *, guild_b: bool = False) -> str:
    channel, who = (world.lobby, world.carol) if guild_b else (world.general, world.alice)
    ix = await fake.slash(channel, who, "article post", {"text": text})
    return embed_text(await ix.wait_response(timeout=20))


async def test_a_stopped_answer_worker_costs_one_try_again_and_others_keep_flowing(
    fake: FakeDiscord, world: World, bot: DigestBot
) -> None:
    pool = bot.workers.answers
    assert "Article #1" in await _post(fake, world, SAMPLE)
    assert "Article #1" in await _post(fake, world, OTHER, guild_b=True)
    question = {"question": "Which chips does Anthropic rely on?"}
    first = await fake.slash(world.general, world.bob, "ask", question)
    assert "Trainium" in embed_text(await first.wait_response(timeout=20))
    (stopped,) = pool.holders((world.guild.id, 1))
    os.kill(stopped, signal.SIGSTOP)
    try:
        started = time.monotonic()
        stuck = await fake.slash(world.general, world.bob, "ask", question)
        await asyncio.sleep(0.2)  # server A's question is on the stopped worker
        # server B is answered meanwhile, by another worker, long before A's deadline
        other = await fake.slash(
            world.lobby, world.carol, "ask", {"question": "How many meetings did Paris host?"}
        )
        assert "12 city council meetings" in embed_text(await other.wait_response(timeout=20))
        assert time.monotonic() - started < DEADLINE and not stuck.messages()
        # A's question is abandoned at the deadline with a short message; its worker killed
        told = embed_text(await stuck.wait_response(timeout=DEADLINE + 10))
        assert "too long" in told and "try again" in told, told
        assert time.monotonic() - started >= DEADLINE
        await eventually(lambda: not alive(stopped), "the stopped worker to be killed")
    finally:
        if alive(stopped):
            os.kill(stopped, signal.SIGKILL)
    # every later question is answered, in both servers: nothing queues behind it
    again = await fake.slash(world.general, world.bob, "ask", question)
    assert "Trainium" in embed_text(await again.wait_response(timeout=20))
    assert stopped not in pool.pids and pool.stats.timeouts == 1


async def test_a_stuck_analysis_is_too_complex_and_another_server_posts_meanwhile(
    fake: FakeDiscord, world: World, bot: DigestBot
) -> None:
    pool = bot.workers.articles
    assert "Article #1" in await _post(fake, world, SAMPLE)
    (stuck,) = pool.pids
    os.kill(stuck, signal.SIGSTOP)  # as if the next page took forever to read
    try:
        started = time.monotonic()
        page = await fake.slash(
            world.general,
            world.alice,
            "article post",
            attachments={"file": ("news.html", NEWS, "text/html")},
        )
        await asyncio.sleep(0.2)
        # server B's post is analysed by another worker, before A's deadline
        assert "Article #1" in await _post(fake, world, OTHER, guild_b=True)
        assert time.monotonic() - started < DEADLINE and not page.messages()
        told = embed_text(await page.wait_response(timeout=DEADLINE + 10))
        assert "too complex" in told and "Paste the article's text" in told, told
        await eventually(lambda: not alive(stuck), "the stuck worker to be killed")
    finally:
        if alive(stuck):
            os.kill(stuck, signal.SIGKILL)
    assert (await bot.store.list_articles(world.guild.id)).total == 1  # nothing half-stored
    # the next post of the same server is analysed by a new worker
    assert "Article #2" in await _post(fake, world, OTHER)
    assert stuck not in pool.pids and pool.stats.timeouts == 1


def _distinct_text(size: int) -> str:
    """About `size` characters of paragraphs whose sentences all differ (seeded): the engine
    reads a repeated text once, so a repeated sample would fit in a small cap."""
    rng = random.Random(11)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(6000)]
    paragraphs: list[str] = []
    length = 0
    while length < size:
        sentences = [
            " ".join(rng.choices(vocab, k=rng.randint(8, 16))).capitalize() + "." for _ in range(5)
        ]
        paragraphs.append(" ".join(sentences))
        length += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)[:size]


async def test_an_article_over_the_memory_cap_gets_a_short_message(
    fake: FakeDiscord, world: World, tmp_path: Path, zygote: Zygote
) -> None:
    big = _distinct_text(480_000)
    # the cap: what a worker has when it starts (the zygote's address space), and a little
    # more, enough for a small article but not for analysing ~500 KB
    pid = await asyncio.to_thread(zygote.start)
    status = await asyncio.to_thread(Path(f"/proc/{pid}/status").read_text)
    size_kb = int(
        next(line for line in status.splitlines() if line.startswith("VmSize")).split()[1]
    )
    cap = size_kb // 1024 + 8
    async with start_digestbot(fake, tmp_path, zygote=zygote, worker_memory_mb=cap) as bot:
        ix = await fake.slash(
            world.general,
            world.alice,
            "article post",
            attachments={"file": ("big.txt", big.encode(), "text/plain")},
        )
        told = embed_text(await ix.wait_response(timeout=20))
        assert "needs more memory than I may use" in told, told
        assert (await bot.store.list_articles(world.guild.id)).total == 0
        assert "Article #1" in await _post(fake, world, OTHER)  # a new worker, within the cap
        assert bot.workers.articles.stats.too_large == 1


@pytest.mark.discord_errors_ok
async def test_no_worker_outlives_the_bot_even_killed(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    env = {"DIGESTBOT_DB": str(tmp_path / "bot.sqlite3"), "DEV_GUILD_ID": str(world.guild.id)}
    async with run_bot_process(fake, env=env, cwd=tmp_path) as proc:
        await fake.wait_ready(timeout=20)
        await fake.wait_for_request("PUT", rf"/guilds/{world.guild.id}/commands$", timeout=20)
        posted = await fake.slash(world.general, world.alice, "article post", {"text": SAMPLE})
        assert "Article #1" in embed_text(await posted.wait_response(timeout=20))
        asked = await fake.slash(world.general, world.bob, "ask", {"question": "Which chips?"})
        assert "Trainium" in embed_text(await asked.wait_response(timeout=20))
        pid = proc.process.pid
        helpers = descendants(pid)
        assert len(helpers) >= 3, helpers  # the zygote, an articles worker, an answers worker
        os.kill(pid, signal.SIGKILL)  # no clean shutdown at all
        await proc.wait_exit(timeout=20)
        deadline = time.monotonic() + 10
        while any(alive(p) for p in helpers):
            assert time.monotonic() < deadline, [p for p in helpers if alive(p)]
            await asyncio.sleep(0.05)
