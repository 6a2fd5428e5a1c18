"""/ask latency through the fake Discord with 10,000 stored articles, and the event loop's lag.

    .venv/bin/python benchmarks/ask_load.py                    # 10,000 articles, 1 and 50 askers
    .venv/bin/python benchmarks/ask_load.py --articles 3000 --rounds 4  # a quicker look
    .venv/bin/python benchmarks/ask_load.py --profile ask.pstats        # cProfile of the bot's loop

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
articles of ~35,000 characters), once each article has been asked about (parsed and
indexed). "cold": each ask names a news article not asked before, with the first line of its
reference summary as the question, so the bot parses the article and builds its passage index
first. Each scenario runs `--repeats` times (`--rounds` batches each), the runs of the
scenarios interleaved so that a busy spell of the machine does not land on one scenario only,
after an unmeasured warm-up; the table shows medians over the runs, the p95's range and the
worst lag and GC pause over all of them.

Columns: "lag": the worst lateness of a 5 ms sleep in the bot's event loop during a run;
"worst GC": the bot's longest garbage collection; "loop CPU ms/ask": the CPU time of the
bot's event-loop thread per ask (50 asks at once cannot all be answered sooner than 50 × that:
the bound the p95 target needs about 1 ms for); "bot CPU ms/ask": the bot's whole CPU time
per ask (all threads, and its worker processes, `bot.workers`); "fake CPU ms/ask":
this process's (the fake's, which shares the machine's cores with the bot). On a shared
machine the CPU figures are steadier than the latencies.

"floor": the same warm asks to a bot whose /ask sends a page made in advance (with a "More"
button), i.e. what discord.py and the fake cost without the engine, the store or rendering:
no change to the bot's own code can take it under that. Then the parts of one ask are timed
alone.

Targets: p95 ≤ 50 ms at 50 concurrent askers; loop lag ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
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
from _common import REPO, add_data_argument, data_file, read_jsonl, table

from bot.answers import prepare_article
from bot.article import analyze, find_passages, parse
from bot.config import Settings
from bot.render import Page, answer_pages
from storage import NewArticle, open_store

# The fake Discord is in the test tree, which is not an installed package: reach it here.
sys.path.append(str(REPO))
from tests.e2e.fakediscord import FakeDiscord, FakeInteraction, FakeMember

FLOOR_ENV = "BENCH_FLOOR"
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
    the news articles and their copies (each a different article to the bot), and of the
    SQuAD articles."""
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
        while len(news_numbers) + len(squad_numbers) < total:
            base = news[copy % len(news)]
            stored = await store.add_article(_new(base, guild_id, channel_id, copy))
            news_numbers[stored.article.number] = base
            copy += 1
    finally:
        await store.close()
    return news_numbers, squad_numbers


# --- measuring --------------------------------------------------------------------------------


class LagMonitor:
    """How late a short sleep on this event loop wakes: (wall-clock time, seconds late) for
    every wake-up more than a millisecond late; and the garbage collector's pauses over a
    millisecond: (wall-clock time, seconds, generation)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self.gc_pauses: list[tuple[float, float, int]] = []
        self._task: asyncio.Task[None] | None = None
        self._gc_start = 0.0

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        elif (took := time.perf_counter() - self._gc_start) > 0.001:
            self.gc_pauses.append((time.time(), took, info["generation"]))

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
        gc.callbacks.append(self._gc)
        try:
            yield self
        finally:
            gc.callbacks.remove(self._gc)
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
    """One run of a scenario: `asks` in batches of `concurrency` started together."""

    latencies: list[float]
    deferred: int
    answered: int
    start: float  # wall-clock time
    end: float
    lag: float = 0.0  # the bot process's worst loop lag meanwhile (s)
    gc: float = 0.0  # its longest garbage collection meanwhile (s)
    bot_cpu: float = 0.0  # the bot's CPU time (all threads and child processes) per ask (s)
    loop_cpu: float = 0.0  # the CPU time of its event loop's thread per ask (s)
    fake_cpu: float = 0.0  # this process's (the fake's) CPU time per ask (s)

    def percentile(self, q: float) -> float:
        """In milliseconds (nearest rank)."""
        ms = sorted(self.latencies)
        return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))] * 1000


@dataclass
class Scenario:
    name: str
    concurrency: int
    target: bool  # the p95 target applies
    runs: list[Phase]

    def median(self, value: Callable[[Phase], float]) -> float:
        return statistics.median(value(r) for r in self.runs)

    def row(self) -> list[str]:
        p95s = [r.percentile(0.95) for r in self.runs]
        asks = sum(len(r.latencies) for r in self.runs)
        return [
            self.name,
            f"{len(self.runs)}×{len(self.runs[0].latencies)}",
            f"{self.median(lambda r: r.percentile(0.5)):.1f}",
            f"{statistics.median(p95s):.1f}",
            f"{min(p95s):.0f}–{max(p95s):.0f}",
            f"≤ {TARGET_P95_MS:.0f}" if self.target else "—",
            f"{self.median(lambda r: r.lag) * 1000:.0f}",
            f"{max(r.lag for r in self.runs) * 1000:.0f}",
            f"≤ {TARGET_LAG_MS:.0f}",
            f"{max(r.gc for r in self.runs) * 1000:.0f}",
            f"{self.median(lambda r: r.loop_cpu) * 1000:.2f}",
            f"{self.median(lambda r: r.bot_cpu) * 1000:.2f}",
            f"{self.median(lambda r: r.fake_cpu) * 1000:.2f}",
            f"{sum(r.answered for r in self.runs)}/{asks}",
            str(sum(r.deferred for r in self.runs)),
        ]


HEADER = [
    "scenario",
    "runs×asks",
    "p50 ms",
    "p95 ms",
    "p95 range",
    "target p95",
    "lag ms",
    "worst lag",
    "target lag",
    "worst GC",
    "loop CPU ms/ask",
    "bot CPU ms/ask",
    "fake CPU ms/ask",
    "quoted",
    "deferred",
]


async def run_phase(
    fake: FakeDiscord,
    channel: Any,
    askers: list[FakeMember],
    asks: list[tuple[int, str]],
    concurrency: int,
    bot_pid: int | None,
) -> Phase:
    """`asks` (article number, question) in batches of `concurrency` started together, each
    by a member who has not asked before (so no cooldown applies)."""
    latencies: list[float] = []
    deferred = answered = 0
    began = time.time()
    bot_cpu, loop_cpu, fake_cpu = process_cpu(bot_pid), thread_cpu(bot_pid), time.process_time()
    for first in range(0, len(asks), concurrency):
        batch = [
            await fake.slash(
                channel, askers.pop(), "ask", {"question": question, "article": f"#{number}"}
            )
            for number, question in asks[first : first + concurrency]
        ]
        # One waiter for the batch: a waiter per ask would wake 50 times per request.
        await fake.wait_until(
            lambda batch=batch: all(ix.messages() for ix in batch) or None,
            timeout=60,
        )
        for ix in batch:
            seconds, was_deferred = reply_latency(ix)
            latencies.append(seconds)
            deferred += was_deferred
            answered += bool(ix.messages()[0].get("embeds"))
    phase = Phase(latencies, deferred, answered, began, time.time())
    phase.bot_cpu = (process_cpu(bot_pid) - bot_cpu) / len(asks)
    phase.loop_cpu = (thread_cpu(bot_pid) - loop_cpu) / len(asks)
    phase.fake_cpu = (time.process_time() - fake_cpu) / len(asks)
    return phase


def timed_ms(fn: Callable[[], object], repeat: int) -> float:
    """The median time of `fn()`, in ms."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


async def atimed_ms(fn: Callable[[], Awaitable[object]], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _indexes(text: str) -> bool:
    """Whether the engine parses and indexes `text` without an error (it is being worked on)."""
    try:
        prepare_article(text, None)
    except Exception:
        return False
    return True


def plan_scenarios(
    args: argparse.Namespace, warm: list[tuple[int, str]], cold: list[tuple[int, str]]
) -> list[tuple[Scenario, list[list[tuple[int, str]]]]]:
    """The four scenarios and the asks of each of their runs (never an ask twice: a cold
    article is cold only once)."""
    n = args.rounds * args.concurrency
    shapes = [
        ("1 asker, warm", 1, False, warm, n),
        (f"{args.concurrency} at once, warm", args.concurrency, True, warm, n),
        ("1 asker, cold", 1, False, cold, n // 2),
        (f"{args.concurrency} at once, cold", args.concurrency, False, cold, n),
    ]
    taken = {id(warm): 0, id(cold): 0}
    plan: list[tuple[Scenario, list[list[tuple[int, str]]]]] = [
        (Scenario(name, c, target, []), []) for name, c, target, _, _ in shapes
    ]
    for _ in range(args.repeats):
        for (_, runs), (_, _, _, pool, size) in zip(plan, shapes, strict=True):
            start = taken[id(pool)]
            runs.append(pool[start : start + size])
            taken[id(pool)] = start + size
    short = [s.name for s, runs in plan if any(len(r) < len(runs[0]) or not r for r in runs)]
    if short:
        raise SystemExit(
            f"not enough {'/'.join(short)} asks for {args.repeats} runs of {args.rounds} "
            "rounds: store more --articles or use fewer --rounds/--repeats"
        )
    return plan


Plan = list[tuple[Scenario, list[list[tuple[int, str]]]]]


async def measure(
    fake: FakeDiscord,
    channel: Any,
    askers: list[FakeMember],
    plan: Plan,
    *,
    env: dict[str, str],
    tmp: Path,
    squad_asks: list[tuple[int, str]],
    warm_up: list[tuple[int, str]],
    concurrency: int,
    profile: Path | None = None,
) -> None:
    """Start a bot process, warm it up, and run every scenario of `plan` into its `runs`."""
    lag_file = tmp / "lag.json"
    if profile is not None:
        env = {**env, "BENCH_PROFILE": str(profile)}
    t0 = time.perf_counter()
    repeats = len(plan[0][1])
    async with bot_process(fake, lag_file, env) as proc:
        await fake.wait_ready(timeout=60)
        await fake.wait_for_request("PUT", rf"/guilds/{channel.guild.id}/commands$", timeout=60)
        say("the bot process is up", t0)
        # Warm-up, not measured: the SQuAD articles into the bot's parse cache (that is what
        # "warm" means), then two batches through the whole path.
        await run_phase(fake, channel, askers, squad_asks, 1, proc.pid)
        await run_phase(fake, channel, askers, warm_up, concurrency, proc.pid)
        # Runs interleave (each scenario once, then again...), so that a busy spell of the
        # machine does not land on one scenario only.
        for i in range(repeats):
            for scenario, runs in plan:
                if "warm" in scenario.name:  # cold runs may have pushed them out
                    await run_phase(fake, channel, askers, squad_asks, 1, proc.pid)
                profiled = profile is not None and scenario.target
                if profiled:
                    proc.send_signal(signal.SIGUSR1)
                phase = await run_phase(
                    fake, channel, askers, runs[i], scenario.concurrency, proc.pid
                )
                scenario.runs.append(phase)
                if profiled:
                    proc.send_signal(signal.SIGUSR2)
            say(f"run {i + 1}/{repeats} of each scenario", t0)
    if proc.returncode != 0:
        raise SystemExit(f"the bot process failed ({proc.returncode})")
    recorded = json.loads(lag_file.read_text())
    for scenario, _ in plan:
        for phase in scenario.runs:
            during = [lag for at, lag in recorded["lags"] if phase.start <= at <= phase.end]
            phase.lag = max(during, default=0)
            pauses = [took for at, took, _ in recorded["gc"] if phase.start <= at <= phase.end]
            phase.gc = max(pauses, default=0)


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    news, squad = load_bases(args.data)
    say(f"parsed and analysed {len(news)} news + {len(squad)} SQuAD articles", t0)
    async with FakeDiscord() as fake:
        guild = fake.create_guild("Bench")
        channel = fake.create_text_channel(guild, "articles")
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
        warm_up, warm = warm[: 2 * args.concurrency], warm[2 * args.concurrency :]
        plan = plan_scenarios(args, warm, cold)
        squad_asks = [(n, "?") for n in squad_numbers]
        asks = sum(len(r) for _, runs in plan for r in runs) + len(warm_up)
        asks += len(squad_asks) * (1 + 2 * args.repeats)
        # Every ask by a member who has not asked before, so that no cooldown applies.
        askers = [fake.create_member(guild, f"asker{i}") for i in range(2 * asks)]
        env = {"DIGESTBOT_DB": str(db), "DEV_GUILD_ID": str(guild.id), "LOG_LEVEL": "WARNING"}
        common: dict[str, Any] = {
            "tmp": tmp,
            "squad_asks": squad_asks,
            "warm_up": warm_up,
            "concurrency": args.concurrency,
        }
        await measure(fake, channel, askers, plan, env=env, profile=args.profile, **common)
        floor: Plan = []
        if not args.no_floor:
            # The same warm asks to a bot that answers each with a page made in advance.
            for scenario, runs in plan[:2]:
                shape = Scenario(f"floor: {scenario.name}", scenario.concurrency, False, [])
                floor.append((shape, runs))
            await measure(fake, channel, askers, floor, env={**env, FLOOR_ENV: "1"}, **common)

        # The parts of one ask, alone, in this process.
        store = await open_store(db)
        try:
            squad_number, squad_base = next(iter(squad_numbers.items()))
            get_ms = await atimed_ms(lambda: store.get_article(guild.id, squad_number), 200)
            stored = await store.get_article(guild.id, squad_number)
        finally:
            await store.close()
    assert stored is not None
    article = prepare_article(stored.text, stored.title)
    questions = squad_base.questions[:200]
    qi = iter(questions * 3)
    find_ms = timed_ms(lambda: find_passages(article, next(qi), k=9), 200)
    passages = find_passages(article, questions[0], k=9)
    render_ms = timed_ms(
        lambda: answer_pages(passages, number=1, title="t", question=questions[0]), 200
    )
    texts = [b.text for b in squad]
    prep_squad = timed_ms(lambda: prepare_article(rng.choice(texts), None), 20)
    sample = [b.text for b in rng.sample(news, 120)]
    news_texts = [t for t in sample if _indexes(t)]
    prep_news = timed_ms(lambda: prepare_article(rng.choice(news_texts), None), 100)

    print(
        f"\n/ask through the fake Discord: {args.articles:,} stored articles, "
        f"{os.cpu_count()} CPUs, the bot in its own process; latency from the interaction's "
        f"dispatch to the bot's reply request. Medians over {args.repeats} runs (the p95 "
        "range and worst lag over all runs). Floor: the same asks to a bot whose /ask sends "
        "a page made in advance (discord.py and the fake only).\n"
    )
    print(table([scenario.row() for scenario, _ in [*plan, *floor]], HEADER))
    failed = len(sample) - len(news_texts)
    print(
        f"\nparts alone, median ms: store.get_article (SQuAD, ~35k chars) {get_ms:.2f} · "
        f"find_passages (k=9) {find_ms:.2f} · answer_pages {render_ms:.2f} · parse + index "
        f"a SQuAD article {prep_squad:.1f}, a news article {prep_news:.1f}"
        + (f" ({failed}/{len(sample)} news articles fail in the engine)" if failed else "")
    )
    target = next(scenario for scenario, _ in plan if scenario.target)
    p95 = target.median(lambda r: r.percentile(0.95))
    worst_lag = max(phase.lag for scenario, _ in plan for phase in scenario.runs) * 1000
    print(
        f"target p95 ≤ {TARGET_P95_MS:.0f} ms at {args.concurrency} concurrent (warm): "
        f"{'met' if p95 <= TARGET_P95_MS else 'MISSED'} ({p95:.1f} ms); "
        f"loop lag ≤ {TARGET_LAG_MS:.0f} ms: "
        f"{'met' if worst_lag <= TARGET_LAG_MS else 'MISSED'} ({worst_lag:.1f} ms)"
    )


def thread_cpu(pid: int | None) -> float:
    """CPU seconds the main thread of a process (the bot's event loop) has used so far."""
    try:
        fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system, all threads) a process and the processes it started
    (still running, e.g. workers) have used so far (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [
            int(child)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()
        ]
    except OSError:
        return float("nan")
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(process_cpu(child) for child in children)


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
        str(REPO / "benchmarks" / "ask_load.py"),
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
    floor = bool(os.environ.get(FLOOR_ENV))

    async def main(monitor: LagMonitor) -> int:
        async with monitor.running():
            code = await (serve_floor(settings) if floor else serve_bot(settings))
        return code

    monitor = LagMonitor()
    profile_to = os.environ.get("BENCH_PROFILE")
    profiler = cProfile.Profile() if profile_to else None

    async def profiled(monitor: LagMonitor) -> int:
        loop = asyncio.get_running_loop()
        assert profiler is not None
        loop.add_signal_handler(signal.SIGUSR1, profiler.enable)
        loop.add_signal_handler(signal.SIGUSR2, profiler.disable)
        return await main(monitor)

    code = asyncio.run(profiled(monitor) if profiler else main(monitor))
    lag_file.write_text(json.dumps({"lags": monitor.samples, "gc": monitor.gc_pauses}))
    if profiler is not None and profile_to:
        profiler.dump_stats(profile_to)
    return code


def floor_page() -> Page:
    """The first page of a real answer (the sample article, a question it answers)."""
    text = (REPO / "tests" / "fixtures" / "anthropic-amazon-partnership.txt").read_text()
    question = "How much did Amazon invest in Anthropic?"
    passages = find_passages(parse(text), question, k=9)
    return answer_pages(passages, number=1, title="Sample", question=question)[0]


async def serve_floor(settings: Settings) -> int:
    """A bot whose `/ask` (the same options) sends `floor_page()` with a "More" button: what
    discord.py and the fake cost per ask without the engine, the store or rendering."""
    from discord import app_commands
    from discord.ext import commands

    from bot.client import DigestBot
    from bot.views import send_page

    page = floor_page()

    class Floor(commands.Cog):
        @commands.hybrid_command(name="ask")  # type: ignore[arg-type]
        @app_commands.describe(question="What you want to know", article="#number or title")
        async def ask(
            self, ctx: commands.Context[Any], *, question: str, article: str | None = None
        ) -> None:
            view = discord.ui.View(timeout=180)
            view.add_item(discord.ui.Button(label="More"))
            await send_page(ctx, page, view=view)

    class FloorBot(DigestBot):
        async def setup_hook(self) -> None:
            await self.add_cog(Floor())
            await super().setup_hook()

    from bot.runner import settle_when_ready

    assert settings.token is not None
    store = await open_store(settings.db_path)
    bot = FloorBot(settings, store, extensions=())
    settling = asyncio.create_task(settle_when_ready(bot))  # as `python -m bot` does
    asyncio.get_running_loop().add_signal_handler(
        signal.SIGINT, lambda: asyncio.ensure_future(bot.close())
    )
    try:
        async with bot:
            await bot.start(settings.token)
    finally:
        settling.cancel()
        await store.close()
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_argument(parser)
    parser.add_argument("--articles", type=int, default=10_000, help="stored articles")
    parser.add_argument("--concurrency", type=int, default=50, help="askers at once")
    parser.add_argument("--rounds", type=int, default=10, help="batches per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each scenario")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the floor (discord.py only) scenarios"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="PSTATS",
        help="cProfile the bot's event loop thread during the warm concurrent phase",
    )
    parser.add_argument("--serve", type=Path, metavar="LAG_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        raise SystemExit(serve(args.serve))
    if args.profile is not None:
        args.profile = args.profile.resolve()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
