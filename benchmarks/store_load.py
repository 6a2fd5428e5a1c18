"""Storage benchmark: SQLite and PostgreSQL side by side, on the same articles, in one run.

    .venv/bin/python benchmarks/store_load.py                        # both, 100,000 and 300,000
    .venv/bin/python benchmarks/store_load.py --articles 20000       # at 2,000 and 20,000
    .venv/bin/python benchmarks/store_load.py --backend postgresql   # one store only

PostgreSQL is a server of the benchmark's own (`storage.tempserver.TempPostgres`, the helper the
tests use: Debian's `postgresql` package, in a temporary directory on 127.0.0.1), durable
(`fsync`, `full_page_writes`, `synchronous_commit` on: an acknowledged article is on disk) and
configured as the README recommends for the machine (`server_settings`: shared buffers a
quarter of the RAM up to 4 GB, lz4 WAL compression, 4 GB between checkpoints);
`--pg-defaults` runs it with PostgreSQL's defaults instead, `--pg-set NAME=VALUE` changes one.
The store talks to it over TCP through its pool. Besides latencies, the CPU time the server's
processes used per ingested article, per get and per search is shown: on a shared machine it
moves less than the latencies do. SQLite is
the default store (WAL, `synchronous=NORMAL`: an acknowledged article survives the process being
killed, not a power cut).

Articles are realistic news text: the development articles of
`../shared/eval/summarization.jsonl` recombined at random (4-14 paragraphs of 2-4 consecutive
sentences of one source article each, so paragraphs rarely repeat whole), with a title, an
analysis dict shaped like the engine's `Digest.to_dict()`, 20 channels and 200 authors, all in
one guild; a second, small guild (200 articles) shows that a search in it does not pay for the
big one. Both stores get the same articles (the same seed) and the same queries.

Ingest: 4 writers at once (asyncio tasks, each awaiting its own adds, as the bot's commands do).
Figures, at each checkpoint: ingest rate (and this process's CPU per article), database size,
open time, p50/p95/max of get-by-number, latest-in-channel, latest-in-guild, a listing page,
title autocomplete and search (1-5 consecutive words of a paragraph, at least one not a stop
word), this process's resident memory, and PostgreSQL's server processes' resident memory.
Before measuring, PostgreSQL's tables are vacuumed and analysed (what autovacuum does on a
running server) and a few queries warm each store's caches, as a running bot has them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from storage import NewArticle, PostgresStore, SQLiteStore, open_store
from storage.query import STOP_WORDS
from storage.tempserver import TempPostgres

AnyStore = SQLiteStore | PostgresStore
WRITERS = 4

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval" / "summarization.jsonl"
BIG_GUILD = 1_000_000_000_000_000_001
SMALL_GUILD = 1_000_000_000_000_000_002
SMALL_ARTICLES = 200
CHANNELS = [900_000_000_000_000_000 + i for i in range(20)]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'“])")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


@dataclass
class Corpus:
    paragraphs: list[str]  # the source paragraphs, for queries
    runs: list[list[str]]  # each source article as a list of sentences
    titles: list[str]


def load_corpus(path: Path) -> Corpus:
    paragraphs: list[str] = []
    runs: list[list[str]] = []
    titles: list[str] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            text = json.loads(line)["article"].strip()
            parts = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
            sentences = [s for p in parts for s in _SENTENCE.split(p) if s.strip()]
            if len(sentences) < 4:
                continue
            runs.append(sentences)
            titles.append(" ".join(sentences[0].split()[:9]).rstrip(".,;:"))
            paragraphs.extend(p for p in parts if len(p) > 40)
    return Corpus(paragraphs, runs, titles)


def make_paragraph(rng: random.Random, corpus: Corpus) -> str:
    """2-4 consecutive sentences of one source article: real prose, rarely repeated whole."""
    run = rng.choice(corpus.runs)
    size = rng.randint(2, 4)
    start = rng.randrange(max(1, len(run) - size + 1))
    return " ".join(run[start : start + size])


def make_article(rng: random.Random, corpus: Corpus, guild_id: int) -> NewArticle:
    paras = [make_paragraph(rng, corpus) for _ in range(rng.randint(4, 14))]
    title = rng.choice(corpus.titles)
    sentences = [_SENTENCE.split(p) for p in paras]
    analysis: dict[str, Any] = {
        "title": title,
        "summary": {
            "tldr": [s[0] for s in sentences[:3]],
            "sections": [
                {"heading": None, "sentences": [sentences[i][0]], "paragraphs": [i + 1, i + 2]}
                for i in range(0, len(paras) - 1, 3)
            ],
        },
        "facts": [
            {"text": sentences[i][-1], "paragraph": i + 1} for i in range(min(5, len(paras)))
        ],
        "paragraph_count": len(paras),
        "section_count": (len(paras) + 2) // 3,
        "engine_version": "bench",
    }
    return NewArticle(
        guild_id=guild_id,
        channel_id=rng.choice(CHANNELS),
        author_id=rng.randrange(200) + 700_000_000_000_000_000,
        title=title,
        source_kind=rng.choice(("text", "file", "message", "url")),
        source_ref=f"https://example.com/news/{rng.randrange(10**9)}",
        text="\n\n".join(paras),
        paragraphs=[(i + 1, None, p) for i, p in enumerate(paras)],
        analysis=analysis,
        engine_version="bench",
        meta={"site": "example.com"},
    )


def make_queries(rng: random.Random, corpus: Corpus, n: int) -> list[str]:
    """1-5 consecutive words of a random paragraph, holding at least one non-stop word."""
    queries: list[str] = []
    while len(queries) < n:
        words = _WORD.findall(rng.choice(corpus.paragraphs))
        size = rng.randint(1, 5)
        if len(words) < size:
            continue
        start = rng.randrange(len(words) - size + 1)
        run = words[start : start + size]
        if any(w.lower() not in STOP_WORDS for w in run):
            queries.append(" ".join(run))
    return queries


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Checkpoint:
    articles: int
    figures: dict[str, str] = field(default_factory=dict)


async def timed(calls: list[Callable[[], Awaitable[Any]]]) -> tuple[float, float, float]:
    samples: list[float] = []
    for call in calls:
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 0.95), max(samples)


def ms(p50: float, p95: float, top: float) -> str:
    return f"{p50:.2f} / {p95:.2f} / {top:.1f}"


def rss_mib(pid: int | str = "self") -> float:
    """Resident memory of a process now (VmRSS), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def server_rss_mib(server: TempPostgres) -> float:
    """The PostgreSQL server's processes (the postmaster and its children), summed: shared
    buffers are counted in each process that touched them, so this is an upper bound."""
    assert server.root is not None
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    total = rss_mib(postmaster)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                total += rss_mib(entry.name)
    return total


def memory_mib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 4096


def server_settings(memory: int) -> dict[str, str]:
    """The benchmark server's configuration: the README's recommendation for a server of
    `memory` MiB (durable: fsync, full-page writes and synchronous commits stay on)."""
    return {
        "shared_buffers": f"{min(memory // 4, 4096)}MB",
        "effective_cache_size": f"{memory // 2}MB",
        "wal_compression": "lz4",
        "max_wal_size": "4GB",
        "checkpoint_timeout": "15min",
        "random_page_cost": "1.1",
    }


def server_cpu_seconds(server: TempPostgres | None) -> float:
    """CPU time the PostgreSQL server's processes have used so far (user + system, the
    postmaster's, its live children's and its exited children's)."""
    if server is None or server.root is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


class Backend:
    """One store under test: how to open it, its size, and its server's memory."""

    def __init__(self, name: str, workdir: Path, server: TempPostgres | None) -> None:
        self.name = name
        self.server = server
        if server is None:
            self.location = str(workdir / "bench.sqlite3")
        else:
            self.location = server.create_database("bench")

    async def open(self) -> AnyStore:
        return await open_store(self.location)

    async def size_mib(self) -> float:
        if self.server is None:
            path = Path(self.location)
            return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
        connection = await asyncpg.connect(self.location)
        try:
            size = await connection.fetchval("SELECT pg_database_size(current_database())")
        finally:
            await connection.close()
        return int(size) / 2**20

    async def settle(self) -> None:
        """What a running server does by itself between bursts: vacuum and analyse."""
        if self.server is None:
            return
        connection = await asyncpg.connect(self.location)
        try:
            await connection.execute("VACUUM ANALYZE")
        finally:
            await connection.close()


async def ingest(
    store: AnyStore, rng: random.Random, corpus: Corpus, first: int, last: int, total: int
) -> int:
    """Add articles `first`..`last` (of `total`) with WRITERS tasks; returns duplicates."""
    pending = iter(range(first, last))
    duplicates = 0
    small_every = max(1, total // SMALL_ARTICLES)

    def next_article() -> NewArticle | None:
        for i in pending:
            guild = SMALL_GUILD if i % small_every == small_every - 1 else BIG_GUILD
            return make_article(rng, corpus, guild)
        return None

    async def writer() -> None:
        nonlocal duplicates
        while (new := next_article()) is not None:
            result = await store.add_article(new)
            duplicates += not result.created

    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    return duplicates


async def measure(
    store: AnyStore,
    backend: Backend,
    total: int,
    rng: random.Random,
    corpus: Corpus,
    samples: int,
) -> tuple[AnyStore, dict[str, str]]:
    figures: dict[str, str] = {}
    await store.close()
    await backend.settle()
    figures["database size"] = f"{await backend.size_mib():,.0f} MiB"
    opens: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        store = await backend.open()
        opens.append((time.perf_counter() - start) * 1000)
        if len(opens) < 3:
            await store.close()
    figures["open time"] = f"{opens[0]:.1f} ms (then {min(opens[1:]):.1f})"

    numbers = [rng.randint(1, total) for _ in range(samples)]
    for n in numbers[:50]:
        await store.get_article(BIG_GUILD, n)
    cpu = time.process_time()
    server_cpu = server_cpu_seconds(backend.server)
    figures["get by number p50/p95/max"] = ms(
        *await timed([lambda n=n: store.get_article(BIG_GUILD, n) for n in numbers])
    )
    figures["get CPU here per call (mean)"] = (
        f"{(time.process_time() - cpu) / len(numbers) * 1000:.2f} ms"
    )
    if backend.server is not None:
        used = server_cpu_seconds(backend.server) - server_cpu
        figures["get CPU of the server per call"] = f"{used / len(numbers) * 1000:.2f} ms"
    figures["latest in channel p50/p95/max"] = ms(
        *await timed(
            [
                lambda c=c: store.latest_article(BIG_GUILD, channel_id=c)
                for c in rng.choices(CHANNELS, k=samples)
            ]
        )
    )
    figures["latest in guild p50/p95/max"] = ms(
        *await timed([lambda: store.latest_article(BIG_GUILD) for _ in range(samples)])
    )
    figures["list page p50/p95/max"] = ms(
        *await timed(
            [
                lambda o=o: store.list_articles(BIG_GUILD, offset=o * 10)
                for o in rng.choices(range(200), k=samples)
            ]
        )
    )
    title_words = [w for t in corpus.titles for w in _WORD.findall(t) if len(w) > 3]
    figures["find_titles p50/p95/max"] = ms(
        *await timed(
            [
                lambda w=w: store.find_titles(BIG_GUILD, w[:5])
                for w in rng.choices(title_words, k=samples // 4)
            ]
        )
    )
    queries = make_queries(rng, corpus, samples)
    for q in queries[:20]:  # warm the caches, as a running bot has them
        await store.search(BIG_GUILD, q)
    hits: list[int] = []

    async def search(q: str, guild: int = BIG_GUILD) -> None:
        hits.append(len(await store.search(guild, q)))

    cpu = time.process_time()
    server_cpu = server_cpu_seconds(backend.server)
    figures["search p50/p95/max"] = ms(*await timed([lambda q=q: search(q) for q in queries]))
    figures["search CPU here per query (mean)"] = (
        f"{(time.process_time() - cpu) / len(queries) * 1000:.2f} ms"
    )
    if backend.server is not None:
        used = server_cpu_seconds(backend.server) - server_cpu
        figures["search CPU of the server per query"] = f"{used / len(queries) * 1000:.2f} ms"
    figures["search: queries with hits"] = f"{sum(1 for h in hits if h) / len(hits):.0%}"
    hits.clear()
    figures[f"search small guild ({SMALL_ARTICLES}) p50/p95/max"] = ms(
        *await timed([lambda q=q: search(q, SMALL_GUILD) for q in queries])
    )
    figures["memory: this process (RSS)"] = f"{rss_mib():,.0f} MiB"
    if backend.server is not None:
        figures["memory: PostgreSQL processes"] = f"{server_rss_mib(backend.server):,.0f} MiB"
    return store, figures


TARGETS = {
    "ingest rate (4 writers)": "PG ≥ 1,000/s",
    "get by number p50/p95/max": "p95 ≤ 2 ms",
    "search p50/p95/max": "p95 ≤ 20 ms",
}


async def run_backend(
    backend: Backend, corpus: Corpus, marks: list[int], args: argparse.Namespace
) -> list[Checkpoint]:
    rng = random.Random(args.seed)  # the same articles for every backend
    measure_rng = random.Random(args.seed + 1)  # and the same queries
    store = await backend.open()
    checkpoints: list[Checkpoint] = []
    added = 0
    try:
        for mark in marks:
            start = time.perf_counter()
            cpu = time.process_time()
            server_cpu = server_cpu_seconds(backend.server)
            await ingest(store, rng, corpus, added, mark, marks[-1])
            elapsed = time.perf_counter() - start
            point = Checkpoint(mark)
            point.figures["ingest rate (4 writers)"] = f"{(mark - added) / elapsed:,.0f}/s"
            point.figures["ingest CPU here per article"] = (
                f"{(time.process_time() - cpu) / (mark - added) * 1000:.2f} ms"
            )
            if backend.server is not None:
                used = server_cpu_seconds(backend.server) - server_cpu
                point.figures["ingest CPU of the server per article"] = (
                    f"{used / (mark - added) * 1000:.2f} ms"
                )
            added = mark
            store, figures = await measure(store, backend, mark, measure_rng, corpus, args.samples)
            point.figures.update(figures)
            checkpoints.append(point)
            print(f"{backend.name}: measured at {mark:,} articles", file=sys.stderr, flush=True)
    finally:
        await store.close()
    return checkpoints


async def run(args: argparse.Namespace) -> None:
    corpus = load_corpus(args.data)
    marks = args.marks
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"corpus: {len(corpus.paragraphs):,} paragraphs from {len(corpus.titles):,} articles; "
        f"checkpoints at {', '.join(f'{m:,}' for m in marks)} articles; {WRITERS} writers",
        flush=True,
    )
    results: dict[str, list[Checkpoint]] = {}
    server: TempPostgres | None = None
    try:
        for name in backends:
            if name == "postgresql":
                settings = {} if args.pg_defaults else server_settings(memory_mib())
                for pair in args.pg_set:
                    name, _, value = pair.partition("=")
                    settings[name] = value
                server = TempPostgres(fast=False, base_dir=args.workdir, settings=settings).start()
                version = server.psql("SHOW server_version").strip()
                shown = ", ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"
                print(
                    f"PostgreSQL {version} (durable: fsync, synchronous_commit on; {shown})",
                    flush=True,
                )
            else:
                import sqlite3

                print(f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)", flush=True)
            backend = Backend(name, args.workdir, server if name == "postgresql" else None)
            results[name] = await run_backend(backend, corpus, marks, args)
    finally:
        if server is not None:
            server.stop()
    print("latencies in ms: p50 / p95 / max")
    columns = [(name, point) for name in backends for point in results[name]]
    names = list(dict.fromkeys(n for _, p in columns for n in p.figures))
    width = max(len(n) for n in names) + 2
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    header = f"{'figure':<{width}}{'target':<16}" + "".join(
        f"{f'{label[name]} {point.articles:,}':>26}" for name, point in columns
    )
    print(header)
    print("-" * len(header))
    for name in names:
        row = f"{name:<{width}}{TARGETS.get(name, ''):<16}"
        row += "".join(f"{point.figures.get(name, '—'):>26}" for _, point in columns)
        print(row)


def compare_unspaced(data: Path) -> None:
    """Chinese and Thai search: the stores' index (characters and character pairs, FTS5's
    `ascii` tokenizer over `storage.query` terms) against FTS5's `trigram` tokenizer, on the
    XQuAD paragraphs, with each answer as the query (is its paragraph among the hits?)."""
    import sqlite3

    from storage.query import build_match, search_form

    print("unspaced scripts: index size (of text), answers found, search latency (ms)")
    print(f"{'':10}{'index':<16}{'size':>18}{'found':>8}{'queries':>9}{'p50 / p95':>14}")
    for language in ("zh", "th"):
        paragraphs: list[str] = []
        answers: list[tuple[str, int]] = []
        with (data.parent / "multi" / f"xquad.{language}.jsonl").open(encoding="utf-8") as f:
            for line in f:
                item = json.loads(line)
                base = len(paragraphs)
                paragraphs += item["paragraphs"]
                answers += [
                    (q["answer"], base + q["paragraph_index"] + 1) for q in item["questions"]
                ]
        for name in ("pairs (ours)", "trigram"):
            db = sqlite3.connect(":memory:")
            if name == "trigram":
                db.execute("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'trigram')")
                rows = [(i + 1, p) for i, p in enumerate(paragraphs)]
            else:
                db.execute(
                    "CREATE VIRTUAL TABLE t USING fts5 (x, content = '', tokenize = 'ascii')"
                )
                rows = [(i + 1, search_form(p)) for i, p in enumerate(paragraphs)]
            db.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", rows)
            db.commit()
            size = db.execute("SELECT sum(length(block)) FROM t_data").fetchone()[0] + (
                db.execute("SELECT sum(length(c0)) FROM t_content").fetchone()[0]
                if name == "trigram"
                else 0
            )
            found = 0
            samples: list[float] = []
            for answer, paragraph in answers:
                if name == "trigram":
                    expression = '"' + answer.replace('"', '""') + '"'
                else:
                    match = build_match(answer)
                    if match is None:
                        continue
                    expression = match.all_terms
                start = time.perf_counter()
                hits = [
                    r[0]
                    for r in db.execute(
                        "SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank LIMIT 25", (expression,)
                    )
                ]
                samples.append((time.perf_counter() - start) * 1000)
                found += paragraph in hits
            db.close()
            latency = f"{statistics.median(samples):.2f} / {percentile(samples, 0.95):.2f}"
            text = sum(len(p.encode("utf-8")) for p in paragraphs)
            print(
                f"{language:10}{name:<16}{size / 1024:>8,.0f} KB ({size / text:.1f}x)"
                f"{found / len(answers):>8.0%}{len(answers):>9}{latency:>14}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--articles", type=int, default=300_000)
    parser.add_argument(
        "--checkpoints",
        default=None,
        help="comma-separated article counts to measure at (default: 100,000 and the total, "
        "or 1/10 and the total for a smaller run)",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--samples", type=int, default=1000, help="timed calls per figure")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the databases")
    parser.add_argument(
        "--pg-defaults",
        action="store_true",
        help="PostgreSQL's default configuration (128 MB shared buffers...), not ours",
    )
    parser.add_argument(
        "--pg-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the benchmark's server (repeatable)",
    )
    parser.add_argument(
        "--unspaced",
        action="store_true",
        help="only compare indexes for Chinese and Thai (ours against FTS5's trigram)",
    )
    args = parser.parse_args()
    if args.unspaced:
        compare_unspaced(args.data)
        return
    if args.articles < 10:
        parser.error("--articles must be at least 10")
    if args.checkpoints:
        args.marks = sorted({int(m) for m in args.checkpoints.split(",")} | {args.articles})
    elif args.articles > 100_000:
        args.marks = [100_000, args.articles]
    else:
        args.marks = sorted({max(1, args.articles // 10), args.articles})
    args.workdir = Path(tempfile.mkdtemp(prefix="digestbot-bench-", dir=args.dir))
    os.chmod(args.workdir, 0o755)  # the PostgreSQL server's own user reaches its directory
    try:
        asyncio.run(run(args))
    finally:
        shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
