"""Web-page benchmark: extraction time and peak memory per page, and a 5 MB page end to end.

    .venv/bin/python benchmarks/web.py              # the test pages + a generated 5 MB page
    .venv/bin/python benchmarks/web.py --runs 20    # more timing runs per page

Pages: the fixtures of tests/web (tests/fixtures/web/) and a generated 5 MB news page (about
2,300 paragraphs under h2 headings, with navigation, adverts and a comment section around the
article), built in memory. For each page, `extract_text` (decode + trafilatura + Markdown) is
timed (median and max over `--runs`); then, in a fresh interpreter, run once for the growth
of its peak RSS (which counts lxml's C allocations too) and once under tracemalloc (peak of
Python allocations alone). `parse ms` is the
engine's `bot.article.parse` on the result. The last line fetches a 4.8 MB page (it must fit
under the 5 MB cap) from a local aiohttp server on 127.0.0.1 through `fetch_and_extract`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.article import parse
from bot.web import FetchSettings, NoArticle, extract_text, fetch_and_extract
from bot.web.fetch import make_session

REPO = Path(__file__).resolve().parent.parent

FIXTURES = REPO / "tests" / "fixtures" / "web"
PAGES = [
    ("news.html", "text/html; charset=utf-8"),
    ("blog.html", "text/html; charset=utf-8"),
    ("cp1252.html", "text/html"),
    ("shift_jis.html", "text/html; charset=Shift_JIS"),
    ("script_only.html", "text/html"),
    ("paywall.html", "text/html"),
    ("notes.md", "text/markdown"),
]
_VOCABULARY = (
    "council budget bridge repair plan city harbor street vote million federal grant bond "
    "engineer inspection deck steel ramp traffic detour bus route pedestrian walkway mayor "
    "contract crew schedule month cost report committee member residents business district "
    "water school library station market shop weekend morning evening project approval"
)
WORDS = _VOCABULARY.split()


def big_page(target_bytes: int, seed: int = 7) -> bytes:
    """A news page of about `target_bytes`: boilerplate around many h2 sections."""
    rng = random.Random(seed)

    def sentence() -> str:
        words = [rng.choice(WORDS) for _ in range(rng.randint(12, 26))]
        words[0] = words[0].capitalize()
        if rng.random() < 0.3:
            words.insert(rng.randint(1, len(words) - 1), f"${rng.randint(2, 90)} million")
        return " ".join(words) + "."

    head = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Generated long report</title>"
        "<meta property='og:site_name' content='Bench Daily'></head><body>"
        "<div class='cookie-consent'><p>We use cookies. Accept all?</p></div>"
        "<nav><ul>" + "".join(f"<li><a href='/s{i}'>Section {i}</a></li>" for i in range(40))
    ) + "</ul></nav><main><article><h1>Generated long report</h1>"
    parts = [head]
    size = len(head)
    n = 0
    tail = (
        "</article><section id='comments'><h2>Comments</h2>"
        + "".join(f"<div class='comment'><p>{sentence()}</p></div>" for _ in range(30))
        + "</section></main><footer><p>© Bench Daily</p></footer></body></html>"
    )
    while size < target_bytes - len(tail):
        if n % 6 == 0:
            block = f"<h2>Part {n // 6 + 1}: {rng.choice(WORDS)} and {rng.choice(WORDS)}</h2>"
        elif n % 23 == 0:
            block = "<div class='ad'><span>Advertisement</span><p>Buy now, 70% off.</p></div>"
        else:
            block = "<p>" + " ".join(sentence() for _ in range(rng.randint(2, 5))) + "</p>"
        parts.append(block)
        size += len(block)
        n += 1
    parts.append(tail)
    return "".join(parts).encode()


def memory(what: str) -> tuple[float, float]:
    """(tracemalloc peak MB, peak RSS growth MB) of one extraction, in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, __file__, "--memory-of", what],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout.split()
    return float(out[-2]), float(out[-1])


def _memory_child(what: str) -> None:
    run = _job(what)
    extract_text(FIXTURES.joinpath("news.html").read_bytes(), "text/html")  # imports, caches
    before = rss_mb()
    run()
    rss_growth = rss_mb() - before
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(peak / 1024 / 1024, rss_growth)


def _job(what: str) -> Callable[[], Any]:
    if what == "fetch":
        data = big_page(int(4.8 * 1024 * 1024), seed=8)
        return lambda: asyncio.run(_fetch_once(data))
    if what == "big":
        data, ctype = big_page(5 * 1024 * 1024), "text/html; charset=utf-8"
    else:
        data, ctype = FIXTURES.joinpath(what).read_bytes(), dict(PAGES)[what]

    def run() -> Any:
        try:
            return extract_text(data, ctype)
        except NoArticle as exc:
            return exc

    return run


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times = []
    result: Any = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def rss_mb() -> float:
    """This process's peak RSS. VmHWM (Linux) belongs to the process's own memory map, while
    ru_maxrss also keeps the peak of a parent that forked and exec'd it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def extract_row(name: str, what: str, runs: int) -> list[str]:
    run = _job(what)
    data_kb = len(FIXTURES.joinpath(what).read_bytes()) / 1024 if what != "big" else 5 * 1024.0
    times, result = timed(run, runs)
    peak, rss_growth = memory(what)
    if isinstance(result, NoArticle):
        outcome, sections, parse_ms = "NoArticle", "-", "-"
    else:
        start = time.perf_counter()
        article = parse(result.text, title=result.title)
        parse_ms = f"{(time.perf_counter() - start) * 1000:.1f}"
        outcome = f"{len(result.text):,} ch"
        sections = f"{len(article.sections)}/{len(article.paragraphs)}"
    return [
        name,
        f"{data_kb:,.1f}",
        f"{statistics.median(times) * 1000:.1f}",
        f"{max(times) * 1000:.1f}",
        f"{peak:.1f}",
        f"{rss_growth:.0f}",
        outcome,
        sections,
        parse_ms,
    ]


async def _fetch_once(data: bytes) -> tuple[float, int]:
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=data, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/big", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    settings = FetchSettings(allow_hosts=frozenset({"127.0.0.1"}))
    try:
        async with make_session(settings) as session:
            start = time.perf_counter()
            page = await fetch_and_extract(session, f"http://127.0.0.1:{port}/big")
            return time.perf_counter() - start, len(page.text)
    finally:
        await runner.cleanup()


def fetch_row(runs: int) -> list[str]:
    run = _job("fetch")
    results = [run() for _ in range(runs)]
    times = [t for t, _ in results]
    peak, rss_growth = memory("fetch")
    return [
        "fetch+extract 127.0.0.1",
        f"{4.8 * 1024:,.1f}",
        f"{statistics.median(times) * 1000:.1f}",
        f"{max(times) * 1000:.1f}",
        f"{peak:.1f}",
        f"{rss_growth:.0f}",
        f"{results[-1][1]:,} ch",
        "-",
        "-",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per page (default 10)")
    parser.add_argument("--memory-of", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_of:
        _memory_child(args.memory_of)
        return 0
    rss_start = rss_mb()
    rows = []
    for name, _ctype in PAGES:
        rows.append(extract_row(name, name, args.runs))
    few = max(3, args.runs // 3)
    rows.append(extract_row("generated 5 MB", "big", few))
    rows.append(fetch_row(few))
    header = [
        "page",
        "KB",
        "median ms",
        "max ms",
        "tracemalloc MB",
        "RSS +MB",
        "output",
        "sect/para",
        "parse ms",
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        print(" | ".join(cells))
    print(
        f"\nProcess peak RSS {rss_mb():.0f} MB (started at {rss_start:.0f} MB); "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
