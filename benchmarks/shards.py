"""50 `/ask` at once through the fake Discord: 2 shard processes on PostgreSQL against 1 process
on SQLite, and the article cache with LISTEN/NOTIFY against no cache.

    .venv/bin/python benchmarks/shards.py --data /work/shared/eval        # 6 batches of 50 each
    .venv/bin/python benchmarks/shards.py --data /work/shared/eval --rounds 12

Two servers, one on each shard of 2 (Discord's rule: `(guild_id >> 22) % 2`), each holding
the 26 SQuAD articles of `qa.jsonl`; each batch is 50 asks started together, 25 in each server,
each by a member who has not asked before (no cooldown), every question about a named
article (`#n`). Each setup has its own fake Discord and its own processes (`python -m bot`,
through this script's `--serve`); all are started and warmed up (every article asked about
once in each server, then one unmeasured batch), then the measured batches interleave (each
setup once, then again...), so that a busy spell of the shared machine does not land on one
setup only:

- "1 process, SQLite": one bot process holding every shard (no `SHARD_*` settings), SQLite.
- "2 processes, PostgreSQL": `SHARD_COUNT=2`, `SHARD_IDS=0` and `=1`, one database; what a
  process read about an article is cached and other processes' changes are heard through
  LISTEN/NOTIFY (`Store.watch_changes`), the bot as it ships.
- "2 processes, PostgreSQL, no cache": the same with the discussion's store cache off (every
  ask reads its article from the database): the other way to stay correct across processes.

Latency: from the fake dispatching the interaction to the bot's reply request that carries the
answer (`benchmarks/ask_load.py`'s measure). Target: the 2-process p95 no worse than 1 process
on SQLite. Needs PostgreSQL's server programs (`storage.tempserver`, as the tests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import REPO, add_data_argument, data_file, read_jsonl, table
from ask_load import reply_latency

from bot.article import analyze, parse
from storage import NewArticle, open_store
from storage.tempserver import TempPostgres

sys.path.append(str(REPO))
from tests.e2e.fakediscord import FakeDiscord, FakeInteraction
from tests.e2e.fakediscord.models import FakeChannel, FakeMember

NO_CACHE_ENV = "BENCH_NO_CACHE"
CONCURRENCY = 50


@dataclass
class Article:
    new: dict[str, Any]  # NewArticle fields but the guild and channel
    questions: list[str]


@dataclass
class Setup:
    name: str
    processes: list[dict[str, str]]  # each process's environment
    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    batch_p95s: list[float] = field(default_factory=list)

    def percentile(self, q: float, values: list[float] | None = None) -> float:
        ms = sorted(values if values is not None else self.latencies)
        return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))] * 1000

    def row(self) -> list[str]:
        return [
            self.name,
            str(len(self.processes)),
            str(len(self.latencies)),
            f"{self.percentile(0.5):.1f}",
            f"{self.percentile(0.95):.1f}",
            f"{min(self.batch_p95s):.0f}–{max(self.batch_p95s):.0f}",
            f"{self.percentile(1.0):.1f}",
            f"{self.answered}/{len(self.latencies)}",
        ]


HEADER = ["setup", "processes", "asks", "p50 ms", "p95 ms", "batch p95 range", "max ms", "quoted"]


def load_articles(data: Path) -> list[Article]:
    articles = []
    for row in read_jsonl(data_file(data, "qa.jsonl")):
        text = "\n\n".join(row["paragraphs"])
        parsed = parse(text, title=str(row["title"]))
        digest = analyze(parsed)
        fields = {
            "author_id": 1,
            "title": str(row["title"]),
            "source_kind": "text",
            "source_ref": None,
            "text": text,
            "paragraphs": [(p.number, p.heading, p.text) for p in parsed.paragraphs],
            "analysis": digest.to_dict(),
            "engine_version": digest.engine_version,
        }
        articles.append(Article(fields, [q["q"] for q in row["questions"]]))
    return articles


async def fill(
    location: str, guild_ids: list[int], channels: list[int], arts: list[Article]
) -> None:
    store = await open_store(location)
    try:
        for guild_id, channel_id in zip(guild_ids, channels, strict=True):
            for art in arts:
                await store.add_article(
                    NewArticle(guild_id=guild_id, channel_id=channel_id, **art.new)
                )
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def bot_processes(fake: FakeDiscord, envs: list[dict[str, str]]) -> AsyncIterator[None]:
    """This script with `--serve` once per environment; stopped with SIGINT at the end."""
    procs = []
    try:
        for env in envs:
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(REPO / "benchmarks" / "shards.py"),
                    "--serve",
                    env={**os.environ, **fake.env(), "PYTHONUNBUFFERED": "1", **env},
                    cwd=REPO,
                )
            )
        yield
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def batch(
    fake: FakeDiscord, asks: list[tuple[FakeChannel, FakeMember, int, str]]
) -> list[FakeInteraction]:
    started = [
        await fake.slash(channel, who, "ask", {"question": question, "article": f"#{number}"})
        for channel, who, number, question in asks
    ]
    await fake.wait_until(lambda: all(ix.messages() for ix in started) or None, timeout=120)
    return started


@dataclass
class World:
    """One setup's own fake Discord (an interaction goes to every connection of its shard, so
    setups cannot share one), two servers on shards 0 and 1, and askers."""

    fake: FakeDiscord
    channels: list[FakeChannel]
    members: list[list[FakeMember]]

    @classmethod
    async def start(cls, askers: int) -> World:
        fake = await FakeDiscord(shard_count=2).start()
        guilds = [fake.create_guild(f"Shard {i}", shard=(i, 2)) for i in (0, 1)]
        channels = [fake.create_text_channel(g, "articles") for g in guilds]
        members = [[fake.create_member(g, f"asker{k}") for k in range(askers)] for g in guilds]
        return cls(fake, channels, members)

    def asks(
        self, arts: list[Article], rng: random.Random, count: int
    ) -> list[tuple[FakeChannel, FakeMember, int, str]]:
        """`count` asks, alternately in each server, about random articles."""
        chosen = []
        for i in range(count):
            side = i % 2
            number = rng.randrange(len(arts))
            question = rng.choice(arts[number].questions)
            chosen.append((self.channels[side], self.members[side].pop(), number + 1, question))
        return chosen

    def warm_up(self, arts: list[Article]) -> list[tuple[FakeChannel, FakeMember, int, str]]:
        """Every article once in each server."""
        return [
            (self.channels[side], self.members[side].pop(), n + 1, arts[n].questions[0])
            for side in (0, 1)
            for n in range(len(arts))
        ]


async def started(world: World, setup: Setup) -> None:
    """Until every process of `setup` is connected and has synced its commands."""
    fake = world.fake
    await fake.wait_ready(timeout=60, shards=[0, 1] if len(setup.processes) == 2 else [])
    await fake.wait_until(
        lambda: len(fake.find_requests("PUT", r"/commands$")) >= len(setup.processes) or None,
        timeout=60,
        what="every process's command sync",
    )
    # each process syncs to DEV_GUILD_ID only: those commands serve both servers
    fake._commands[None] = fake._commands[world.channels[0].guild.id]


async def measure(world: World, setup: Setup, arts: list[Article], rng: random.Random) -> None:
    done = await batch(world.fake, world.asks(arts, rng, CONCURRENCY))
    seconds = [reply_latency(ix)[0] for ix in done]
    setup.latencies.extend(seconds)
    setup.batch_p95s.append(setup.percentile(0.95, seconds))
    setup.answered += sum(bool(ix.messages()[0].get("embeds")) for ix in done)


async def run(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    arts = load_articles(args.data)
    print(f"analysed {len(arts)} articles ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="digestbot-shards-"))
    askers = 2 * (len(arts) + CONCURRENCY * (args.rounds + 1))
    with TempPostgres() as server:
        worlds = [await World.start(askers) for _ in range(3)]
        closing = contextlib.AsyncExitStack()
        for world in worlds:
            closing.push_async_callback(world.fake.close)
        async with closing:
            setups = []
            for k, world in enumerate(worlds):
                ids = [c.guild.id for c in world.channels]
                base = {"LOG_LEVEL": "WARNING", "DEV_GUILD_ID": str(ids[0])}
                if k == 0:
                    sqlite = str(tmp / "digestbot.sqlite3")
                    await fill(sqlite, ids, [c.id for c in world.channels], arts)
                    setups.append(Setup("1 process, SQLite", [{**base, "DIGESTBOT_DB": sqlite}]))
                    continue
                postgres = server.create_database(f"shards_bench_{k}")
                await fill(postgres, ids, [c.id for c in world.channels], arts)
                pg = [
                    {**base, "DIGESTBOT_DB": postgres, "SHARD_COUNT": "2", "SHARD_IDS": str(i)}
                    for i in (0, 1)
                ]
                if k == 1:
                    setups.append(Setup("2 processes, PostgreSQL (cache + NOTIFY)", pg))
                else:
                    no_cache = [{**env, NO_CACHE_ENV: "1"} for env in pg]
                    setups.append(Setup("2 processes, PostgreSQL, no cache", no_cache))
            async with contextlib.AsyncExitStack() as running:
                for world, setup in zip(worlds, setups, strict=True):
                    await running.enter_async_context(bot_processes(world.fake, setup.processes))
                for world, setup in zip(worlds, setups, strict=True):
                    await started(world, setup)
                    await batch(world.fake, world.warm_up(arts))  # parsed and cached
                    await batch(world.fake, world.asks(arts, rng, CONCURRENCY))
                print(f"warmed up ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
                # Batches interleave (each setup once, then again...), so that a busy spell of
                # the machine does not land on one setup only.
                for _ in range(args.rounds):
                    for world, setup in zip(worlds, setups, strict=True):
                        await measure(world, setup, arts, rng)
    print(
        f"\n{CONCURRENCY} /ask at once (25 per server, 2 servers on shards 0 and 1 of 2), "
        f"{args.rounds} batches per setup interleaved, {os.cpu_count()} CPUs; latency from the "
        "interaction's dispatch to the reply carrying the answer.\n"
    )
    print(table([s.row() for s in setups], HEADER))
    one, two = setups[0].percentile(0.95), setups[1].percentile(0.95)
    verdict = "met" if two <= one else "MISSED"
    print(
        f"\ntarget: 2-process p95 no worse than 1 process on SQLite: {verdict} "
        f"({two:.1f} ms vs {one:.1f} ms)"
    )
    print(
        f"no cache vs cache + NOTIFY, p50 / p95: {setups[2].percentile(0.5):.1f} / "
        f"{setups[2].percentile(0.95):.1f} ms vs {setups[1].percentile(0.5):.1f} / {two:.1f} ms"
    )
    medians = ", ".join(f"{statistics.median(s.batch_p95s):.0f}" for s in setups)
    print(f"median of the batches' p95, in the table's order: {medians} ms")


def serve() -> int:
    """`python -m bot`; with `BENCH_NO_CACHE`, the discussion's store cache keeps nothing."""
    if os.environ.get(NO_CACHE_ENV):
        from bot.discussion.caches import StoredCache

        StoredCache.put = lambda *args, **kwargs: None  # type: ignore[method-assign]
        StoredCache.put_latest = lambda *args, **kwargs: None  # type: ignore[method-assign]
    from bot.runner import run as run_bot

    return run_bot([])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_argument(parser)
    parser.add_argument("--rounds", type=int, default=6, help="measured batches of 50 per setup")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        raise SystemExit(serve())
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
