"""/ask latency through the fake Discord with 10,000 stored articles, and the event loop's lag.

    .venv/bin/python benchmarks/bot.py                     # 10,000 articles, 1 and 50 askers
    .venv/bin/python benchmarks/bot.py --articles 2000 --rounds 4   # a quicker look

The real bot runs in its own process (this script with `--serve`: what `python -m bot` runs,
plus a task that watches its event loop) against the fake Discord of `tests/e2e/fakediscord`
in this process. The store is filled first, straight through the `Store` API: every
development article of `../shared/eval/summarization.jsonl` (CNN/DM, BBC, XSum) and the 26
SQuAD articles of `qa.jsonl`, then copies of the news articles (each made unique by one added
sentence) up to `--articles`.

What is measured: from the fake dispatching an `/ask` interaction (`ix.created_at`) to the
bot's reply request arriving (`responses[i].at`; after a defer, the follow-up that carries the
answer), for 1 asker at a time and for 50 at once, each ask by a different member so that no
cooldown applies. "warm": SQuAD questions about the SQuAD articles (5,206 questions over 26
articles of ~35,000 characters), once each article is in the bot's parse cache. "cold": each
ask names a news article not asked before, with the first line of its reference summary as
the question, so the bot parses the article and builds its passage index first (in its
executor). "loop lag": the worst lateness of a 5 ms sleep in the bot's event loop during the
phase. "bot CPU ms/ask": the bot process's CPU time (all its threads) over the phase, per
ask: on a shared machine it is steadier than latency, and 50 asks at once cannot finish
sooner than 50 × that on one core. Then the parts of one ask are timed alone.

Targets: p95 ≤ 50 ms at 50 concurrent askers; loop lag ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord

# `_common` also puts the repository on sys.path
from _common import REPO, add_data_argument, data_file, read_jsonl, table

from bot.article import analyze, find_passages, parse
from bot.render import answer_pages
from cogs.discuss import prepare_article
from storage import NewArticle, open_store
from tests.e2e.fakediscord import FakeDiscord, FakeInteraction, FakeMember

TARGET_P95_MS = 50.0
TARGET_LAG_MS = 100.0
MONITOR_TICK = 0.005


@dataclass
class Base:
    """A source article, parsed and analysed once; copies reuse the work."""

    title: str | None
    text: str
    paragraphs: list[tuple[int, str | None, str]]
    analysis: dict[str, Any]
    version: str
    question: str  # a question about it (SQuAD) or the first line of its reference summary
    questions: list[str]


def _prepare(item: tuple[str | None, str, list[str]]) -> Base:
    title, text, questions = item
    article = parse(text, title=title)
    digest = analyze(article)
    return Base(
        title=title or digest.title,
        text=text,
        paragraphs=[(p.number, p.heading, p.text) for p in article.paragraphs],
        analysis=digest.to_dict(),
        version=digest.engine_version,
        question=questions[0],
        questions=questions,
    )


def load_bases(data: Path) -> tuple[list[Base], list[Base]]:
    news: list[tuple[str | None, str, list[str]]] = []
    for row in read_jsonl(data_file(data)):
        lines = [x for x in str(row["reference"]).split("\n") if x.strip()]
        if lines and str(row["article"]).strip():
            news.append((row.get("title"), str(row["article"]), lines))
    squad = [
        (str(row["title"]), "\n\n".join(row["paragraphs"]), [q["q"] for q in row["questions"]])
        for row in read_jsonl(data_file(data, "qa.jsonl"))
    ]
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        return list(pool.map(_prepare, news, chunksize=16)), list(pool.map(_prepare, squad))


def _new(base: Base, guild_id: int, channel_id: int, copy: int | None) -> NewArticle:
    text, paragraphs = base.text, base.paragraphs
    if copy is not None:
        extra = f"This is archive copy {copy} of the story."
        text = f"{text}\n\n{extra}"
        heading = paragraphs[-1][1] if paragraphs else None
        paragraphs = [*paragraphs, (len(paragraphs) + 1, heading, extra)]
    return NewArticle(
        guild_id=guild_id,
        channel_id=channel_id,
        author_id=1,
        title=base.title,
        source_kind="text",
        source_ref=None,
        text=text,
        paragraphs=paragraphs,
        analysis=base.analysis,
        engine_version=base.version,
    )


async def fill(
    path: Path, guild_id: int, channel_id: int, news: list[Base], squad: list[Base], total: int
) -> tuple[dict[int, Base], dict[int, Base]]:
    """Store the news, then the SQuAD articles, then copies up to `total`; the numbers of
    the news and SQuAD articles."""
    store = await open_store(path)
    news_numbers: dict[int, Base] = {}
    squad_numbers: dict[int, Base] = {}
    try:
        for base in news[: max(0, total - len(squad))]:
            news_numbers[
                (await store.add_article(_new(base, guild_id, channel_id, None))).article.number
            ] = base
        for base in squad:
            squad_numbers[
                (await store.add_article(_new(base, guild_id, channel_id, None))).article.number
            ] = base
        copy = 0
        while len(news_numbers) + len(squad_numbers) + copy < total:
            base = news[copy % len(news)]
            await store.add_article(_new(base, guild_id, channel_id, copy))
            copy += 1
    finally:
        await store.close()
    return news_numbers, squad_numbers


# --- measuring --------------------------------------------------------------------------------


class LagMonitor:
    """How late a short sleep on this event loop wakes: (wall-clock time, seconds late) for
    every wake-up more than a millisecond late."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(MONITOR_TICK)
            late = loop.time() - start - MONITOR_TICK
            if late > 0.001:
                self.samples.append((time.time(), late))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[LagMonitor]:
        self._task = asyncio.create_task(self._run())
        try:
            yield self
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def reply_latency(ix: FakeInteraction) -> tuple[float, bool]:
    """Seconds from dispatch to the reply that carries the answer; whether it was deferred."""
    deferred = any(r.kind == "callback" and r.type == 5 for r in ix.responses)
    for r in ix.responses:
        if not (r.kind == "callback" and r.type == 5):
            return r.at - ix.created_at, deferred
    raise AssertionError(f"no answer to {ix.label}")


@dataclass
class Phase:
    name: str
    latencies: list[float]
    deferred: int
    answered: int
    start: float  # wall-clock time
    end: float
    lag: float = 0.0  # the bot process's worst loop lag meanwhile (s)
    cpu: float = 0.0  # the bot process's CPU time (all threads) per ask (s)

    def percentile(self, q: float) -> float:
        """In milliseconds."""
        ms = sorted(self.latencies)
        return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))] * 1000

    def row(self, target: bool) -> list[str]:
        return [
            self.name,
            str(len(self.latencies)),
            f"{self.percentile(0.5):.1f}",
            f"{self.percentile(0.95):.1f}",
            f"{self.percentile(1.0):.1f}",
            f"≤ {TARGET_P95_MS:.0f}" if target else "—",
            f"{self.lag * 1000:.1f}",
            f"≤ {TARGET_LAG_MS:.0f}",
            f"{self.cpu * 1000:.2f}",
            f"{self.answered}/{len(self.latencies)}",
            str(self.deferred),
        ]


async def run_phase(
    name: str,
    fake: FakeDiscord,
    channel: Any,
    askers: list[FakeMember],
    asks: list[tuple[int, str]],
    concurrency: int,
) -> Phase:
    """`asks` (article number, question) in batches of `concurrency` started together."""
    latencies: list[float] = []
    deferred = answered = 0
    began = time.time()

    async def one(number: int, question: str) -> None:
        nonlocal deferred, answered
        ix = await fake.slash(
            channel, askers.pop(), "ask", {"question": question, "article": f"#{number}"}
        )
        reply = await ix.wait_response(timeout=30)
        seconds, was_deferred = reply_latency(ix)
        latencies.append(seconds)
        deferred += was_deferred
        answered += bool(reply.get("embeds"))

    for first in range(0, len(asks), concurrency):
        await asyncio.gather(*(one(n, q) for n, q in asks[first : first + concurrency]))
    return Phase(name, latencies, deferred, answered, began, time.time())


def timed_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[round(0.95 * (len(samples) - 1))]


async def atimed_ms(fn: Callable[[], Awaitable[object]], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[round(0.95 * (len(samples) - 1))]


def _indexes(text: str) -> bool:
    """Whether the engine parses and indexes `text` without an error (it is being worked on)."""
    try:
        prepare_article(text, None)
    except Exception as exc:
        print(f"engine error while indexing an article: {exc!r}", file=sys.stderr)
        return False
    return True


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    news, squad = load_bases(args.data)
    say(f"parsed and analysed {len(news)} news + {len(squad)} SQuAD articles", t0)
    per_phase = args.rounds * args.concurrency
    async with FakeDiscord() as fake:
        guild = fake.create_guild("Bench")
        channel = fake.create_text_channel(guild, "articles")
        askers = [fake.create_member(guild, f"asker{i}") for i in range(4 * per_phase + 100)]
        tmp = Path(tempfile.mkdtemp(prefix="digestbot-bench-"))
        db = tmp / "digestbot.sqlite3"
        t0 = time.perf_counter()
        news_numbers, squad_numbers = await fill(
            db, guild.id, channel.id, news, squad, args.articles
        )
        say(f"stored {args.articles:,} articles", t0)
        warm = [(n, q) for n, base in squad_numbers.items() for q in base.questions]
        rng.shuffle(warm)
        cold_numbers = list(news_numbers)
        rng.shuffle(cold_numbers)
        cold = [(n, news_numbers[n].question) for n in cold_numbers]
        plan = [
            ("1 asker, warm", warm[:per_phase], 1),
            (
                f"{args.concurrency} at once, warm",
                warm[per_phase : 2 * per_phase],
                args.concurrency,
            ),
            ("1 asker, cold", cold[: per_phase // 2], 1),
            (
                f"{args.concurrency} at once, cold",
                cold[per_phase // 2 :][:per_phase],
                args.concurrency,
            ),
        ]
        lag_file = tmp / "lag.json"
        env = {"DIGESTBOT_DB": str(db), "DEV_GUILD_ID": str(guild.id), "LOG_LEVEL": "WARNING"}
        t0 = time.perf_counter()
        async with bot_process(fake, lag_file, env) as proc:
            await fake.wait_ready(timeout=60)
            await fake.wait_for_request("PUT", rf"/guilds/{guild.id}/commands$", timeout=60)
            say("the bot process is up", t0)
            # Fill the bot's parse cache with the SQuAD articles: that is what "warm" means.
            await run_phase("warm-up", fake, channel, askers, [(n, "?") for n in squad_numbers], 1)
            phases = []
            for name, asks, concurrency in plan:
                cpu = process_cpu(proc.pid)
                phases.append(await run_phase(name, fake, channel, askers, asks, concurrency))
                phases[-1].cpu = (process_cpu(proc.pid) - cpu) / len(asks)
        if proc.returncode != 0:
            raise SystemExit(f"the bot process failed ({proc.returncode})")
        lags = json.loads(lag_file.read_text())
        for phase in phases:
            phase.lag = max((lag for at, lag in lags if phase.start <= at <= phase.end), default=0)

        # The parts of one ask, alone, in this process.
        store = await open_store(db)
        try:
            squad_number, squad_base = next(iter(squad_numbers.items()))
            get_p = await atimed_ms(lambda: store.get_article(guild.id, squad_number), 200)
            stored = await store.get_article(guild.id, squad_number)
        finally:
            await store.close()
    assert stored is not None
    article = prepare_article(stored.text, stored.title)
    questions = squad_base.questions[:200]
    qi = iter(questions * 3)
    find_p = timed_ms(lambda: find_passages(article, next(qi), k=9), 200)
    passages = find_passages(article, questions[0], k=9)
    render_p = timed_ms(
        lambda: answer_pages(passages, number=1, title="t", question=questions[0]), 200
    )
    texts = [b.text for b in squad]
    prep_squad = timed_ms(lambda: prepare_article(rng.choice(texts), None), 20)
    news_texts = [t for t in (b.text for b in rng.sample(news, 120)) if _indexes(t)]
    prep_news = timed_ms(lambda: prepare_article(rng.choice(news_texts), None), 100)

    header = [
        "scenario",
        "asks",
        "p50 ms",
        "p95 ms",
        "max ms",
        "target p95",
        "loop lag ms",
        "target lag",
        "bot CPU ms/ask",
        "quoted",
        "deferred",
    ]
    rows = [p.row(target="at once, warm" in p.name) for p in phases]
    print(
        f"\n/ask through the fake Discord, {args.articles:,} stored articles, "
        f"{os.cpu_count()} CPUs; the bot in its own process (dispatch → reply request)\n"
    )
    print(table(rows, header))
    print("\nOne ask's parts, alone (p50 / p95 ms):")
    parts = [
        ["store.get_article (a SQuAD article, ~35k chars)", f"{get_p[0]:.2f} / {get_p[1]:.2f}"],
        ["find_passages, index built (k=9)", f"{find_p[0]:.2f} / {find_p[1]:.2f}"],
        ["answer_pages (render 9 passages)", f"{render_p[0]:.2f} / {render_p[1]:.2f}"],
        [
            "parse + build index, a SQuAD article (cold, executor)",
            f"{prep_squad[0]:.1f} / {prep_squad[1]:.1f}",
        ],
        [
            "parse + build index, a news article (cold, executor)",
            f"{prep_news[0]:.1f} / {prep_news[1]:.1f}",
        ],
    ]
    print(table(parts, ["part", "ms"]))
    warm50 = phases[1]
    p95 = warm50.percentile(0.95)
    worst_lag = max(p.lag for p in phases) * 1000
    print(
        f"\ntarget p95 ≤ {TARGET_P95_MS:.0f} ms at {args.concurrency} concurrent (warm): "
        f"{'met' if p95 <= TARGET_P95_MS else 'MISSED'} ({p95:.1f} ms); "
        f"loop lag ≤ {TARGET_LAG_MS:.0f} ms: "
        f"{'met' if worst_lag <= TARGET_LAG_MS else 'MISSED'} ({worst_lag:.1f} ms)"
    )


def process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system, all threads) a process has used so far (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def say(what: str, since: float) -> None:
    print(f"{what} ({time.perf_counter() - since:.1f} s)", file=sys.stderr)


# --- the bot process ----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def bot_process(
    fake: FakeDiscord, lag_file: Path, env: dict[str, str]
) -> AsyncIterator[asyncio.subprocess.Process]:
    """This script with `--serve` (the bot, as `python -m bot` runs it, plus a lag monitor),
    pointed at `fake`; stopped with SIGINT when the block ends. Its output goes to stderr.
    (`tests.e2e.fakediscord.run_bot_process` runs modules only, and an installed package
    called `benchmarks` shadows this folder.)"""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(REPO / "benchmarks" / "bot.py"),
        "--serve",
        str(lag_file),
        env={**os.environ, **fake.env(), "PYTHONUNBUFFERED": "1", **env},
        cwd=REPO,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


def serve(lag_file: Path) -> int:
    """`python -m bot`, with a lag monitor on its event loop; the lags (wall-clock time,
    seconds late) go to `lag_file` when it stops."""
    from bot.config import load_settings
    from bot.runner import serve as serve_bot

    settings = load_settings(create_dirs=False)
    discord.utils.setup_logging(level=settings.log_level_number, root=True)

    async def main(monitor: LagMonitor) -> int:
        async with monitor.running():
            code = await serve_bot(settings)
        return code

    monitor = LagMonitor()
    code = asyncio.run(main(monitor))
    lag_file.write_text(json.dumps(monitor.samples))
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_argument(parser)
    parser.add_argument("--articles", type=int, default=10_000, help="stored articles")
    parser.add_argument("--concurrency", type=int, default=50, help="askers at once")
    parser.add_argument("--rounds", type=int, default=10, help="batches per phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve", type=Path, metavar="LAG_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        raise SystemExit(serve(args.serve))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
