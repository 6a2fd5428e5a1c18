"""Storage benchmark: ingest, size, open time and read latencies at 10,000 and 100,000 articles.

    .venv/bin/python benchmarks/store_load.py                   # 10,000 then 100,000 articles
    .venv/bin/python benchmarks/store_load.py --articles 20000  # smaller (checkpoint at 1/10)

Articles are realistic news text: the development articles of
`../shared/eval/summarization.jsonl` recombined at random (4-14 paragraphs of 2-4 consecutive
sentences of one source article each, so paragraphs rarely repeat whole), with a
title, an analysis dict shaped like the engine's `Digest.to_dict()`, 20 channels and 200
authors, all in one guild. A second, small guild (200 articles) lives in the same database to
show that a search in it does not pay for the big one. Every add is awaited on its own, so each
is its own transaction, as in the bot.

Figures printed (one table, targets beside them), measured at 1/10 of the run and at the end:
ingest rate (and CPU per article: the machine is shared, and CPU time is what is this
process's own), database size, open time (close, then `open_store` on the existing file), p50/p95
of get-by-number, latest-in-channel, latest-in-guild, a listing page, title autocomplete and
search (1-5-word queries cut from the text), and peak RSS. `--compare` also times the search
queries with the guild filtered by a join instead of the rowid range, on both guilds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage import NewArticle, SQLiteStore, open_store
from storage.query import STOP_WORDS, build_match

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


async def timed(
    calls: list[Callable[[], Awaitable[Any]]],
) -> tuple[float, float, float]:
    samples: list[float] = []
    for call in calls:
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 0.95), max(samples)


def ms(p50: float, p95: float, top: float) -> str:
    return f"{p50:.2f} / {p95:.2f} / {top:.1f}"


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


async def measure(
    store: SQLiteStore,
    path: Path,
    total: int,
    rng: random.Random,
    corpus: Corpus,
    samples: int,
    compare: bool,
) -> tuple[SQLiteStore, dict[str, str]]:
    figures: dict[str, str] = {}
    await store.close()
    figures["database size"] = f"{db_size(path) / 2**20:.0f} MiB"
    opens: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        store = await open_store(path)
        opens.append((time.perf_counter() - start) * 1000)
        if len(opens) < 3:
            await store.close()
    figures["open time"] = f"{opens[0]:.1f} ms (then {min(opens[1:]):.1f})"

    numbers = [rng.randint(1, total) for _ in range(samples)]
    figures["get by number p50/p95/max"] = ms(
        *await timed([lambda n=n: store.get_article(BIG_GUILD, n) for n in numbers])
    )
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
    for q in queries[:20]:  # warm the page cache, as a running bot has it
        await store.search(BIG_GUILD, q)
    hits: list[int] = []

    async def search(q: str, guild: int = BIG_GUILD) -> None:
        hits.append(len(await store.search(guild, q)))

    cpu = time.process_time()
    figures["search p50/p95/max"] = ms(*await timed([lambda q=q: search(q) for q in queries]))
    figures["search CPU per query (mean)"] = (
        f"{(time.process_time() - cpu) / len(queries) * 1000:.2f} ms"
    )
    figures["search: queries with hits"] = f"{sum(1 for h in hits if h) / len(hits):.0%}"
    hits.clear()
    figures[f"search small guild ({SMALL_ARTICLES}) p50/p95/max"] = ms(
        *await timed([lambda q=q: search(q, SMALL_GUILD) for q in queries])
    )
    if compare:
        figures.update(compare_filters(path, queries))
    figures["peak RSS"] = f"{rss_mib():.0f} MiB"
    return store, figures


def compare_filters(path: Path, queries: list[str]) -> dict[str, str]:
    """The same top-25 searches with the guild filtered by a join (no rowid range)."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA cache_size = -32000")
    out: dict[str, str] = {}
    sql = """
        SELECT a.number, p.number, snippet(paragraph_fts, 0, '', '', '…', 24), rank
        FROM paragraph_fts JOIN paragraphs p ON p.id = paragraph_fts.rowid
        JOIN articles a ON a.id = p.article_id
        WHERE paragraph_fts MATCH ? AND a.guild_id = ? ORDER BY rank LIMIT 25
    """
    for guild, label in ((BIG_GUILD, "big"), (SMALL_GUILD, "small")):
        samples: list[float] = []
        for q in queries:
            match = build_match(q)
            assert match is not None
            start = time.perf_counter()
            rows = db.execute(sql, (match.all_terms, guild)).fetchall()
            if not rows and len(match.terms) > 1:
                db.execute(sql, (match.any_term, guild)).fetchall()
            samples.append((time.perf_counter() - start) * 1000)
        out[f"search via rank+join, {label} guild p50/p95/max"] = ms(
            statistics.median(samples), percentile(samples, 0.95), max(samples)
        )
    db.close()
    return out


TARGETS = {
    "ingest rate": "≥ 300/s",
    "open time": "≤ 200 ms",
    "get by number p50/p95/max": "p95 ≤ 2 ms",
    "search p50/p95/max": "p95 ≤ 20 ms",
}


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    corpus = load_corpus(args.data)
    print(
        f"corpus: {len(corpus.paragraphs):,} paragraphs from {len(corpus.titles):,} articles; "
        f"SQLite {sqlite3.sqlite_version}; synchronous={args.synchronous}",
        flush=True,
    )
    total = args.articles
    marks = sorted({max(1, total // 10), total})
    path = args.workdir / "bench.sqlite3"
    store = await open_store(path, synchronous=args.synchronous)
    checkpoints: list[Checkpoint] = []
    added = small_added = duplicates = 0
    try:
        for mark in marks:
            start = time.perf_counter()
            cpu = time.process_time()
            first = added
            while added < mark:
                # One small-guild article per 1/SMALL_ARTICLES of the run, interleaved.
                if small_added < SMALL_ARTICLES * added // total:
                    await store.add_article(make_article(rng, corpus, SMALL_GUILD))
                    small_added += 1
                result = await store.add_article(make_article(rng, corpus, BIG_GUILD))
                duplicates += not result.created
                added += 1
                if added % 10_000 == 0:
                    rate = (added - first) / (time.perf_counter() - start)
                    print(f"  {added:,} articles, {rate:,.0f}/s", file=sys.stderr, flush=True)
            elapsed = time.perf_counter() - start
            point = Checkpoint(mark)
            point.figures["ingest rate"] = f"{(added - first) / elapsed:,.0f}/s"
            point.figures["ingest CPU per article"] = (
                f"{(time.process_time() - cpu) / (added - first) * 1000:.2f} ms"
            )
            store, figures = await measure(
                store, path, added, rng, corpus, args.samples, args.compare
            )
            point.figures.update(figures)
            checkpoints.append(point)
            print(f"measured at {mark:,} articles", file=sys.stderr, flush=True)
    finally:
        await store.close()
    print(f"duplicates returned: {duplicates}; database: {path if args.keep else '(removed)'}")
    print("latencies in ms: p50 / p95 / max")
    names = list(checkpoints[0].figures)
    width = max(len(n) for n in names) + 2
    header = f"{'figure':<{width}}{'target':<14}" + "".join(
        f"{f'{c.articles:,} articles':>26}" for c in checkpoints
    )
    print(header)
    print("-" * len(header))
    for name in names:
        row = f"{name:<{width}}{TARGETS.get(name, ''):<14}"
        row += "".join(f"{c.figures.get(name, ''):>26}" for c in checkpoints)
        print(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--samples", type=int, default=1000, help="timed calls per figure")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--synchronous", choices=("NORMAL", "FULL"), default="NORMAL")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database")
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--compare", action="store_true", help="also time a join guild filter")
    args = parser.parse_args()
    if args.articles < 10:
        parser.error("--articles must be at least 10")
    args.workdir = Path(tempfile.mkdtemp(prefix="digestbot-bench-", dir=args.dir))
    try:
        asyncio.run(run(args))
    finally:
        if not args.keep:
            shutil.rmtree(args.workdir)


if __name__ == "__main__":
    main()
