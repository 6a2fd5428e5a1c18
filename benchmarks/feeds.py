"""Feed polling at scale: 1,000 feeds of 20 items, polled by one process (the bot's
`FeedService`, its fetcher and a SQLite store) against the local news site of the tests,
which runs in a child process so that its CPU is not counted.

Rounds, each after the clock moved past every feed's next check:
- subscribe: every feed's first check (parsed, its 20 items marked seen; no posts);
- unchanged: every feed answers 304 to the conditional GET — the steady state;
- baseline "no conditional GET": the same round with If-None-Match / If-Modified-Since left
  out, so every feed sends its whole body (an unchanged body is then skipped by its hash);
- new items: `--changed` feeds get one new item each, fetched, extracted, digested, stored
  and posted (to a recorder instead of Discord).

Printed: wall time of a round, CPU seconds of this process per feed or per item, and its
peak memory; the targets: a full round of unchanged feeds within 30 s, using at most 5% of
one core averaged over the 15-minute interval.

    .venv/bin/python benchmarks/feeds.py [--feeds 1000] [--changed 50]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot import jobs
from bot.jobs import Analysed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.feeds import FeedService, FeedSettings, ManualClock, ParsedFeed
from bot.feeds.parse import discover_feeds, parse_feed
from bot.web import (
    ExtractedPage,
    FetchedPage,
    FetchSettings,
    extract_page,
    fetch_article,
    make_session,
)
from storage import Feed, FeedPost, NewFeed, open_store

INTERVAL = 15 * 60
TARGET_ROUND = 30.0
TARGET_CORE = 0.05


def serve(port_out: Any, changed: Any) -> None:
    """The news site, in its own process, until killed."""
    from tests.feedsite import feed_site

    async def main() -> None:
        async with feed_site() as site:
            port_out.send(site.port)
            while True:
                if port_out.poll(0.05):
                    site.bench_changed = set(port_out.recv())
                await asyncio.sleep(0.05)

    asyncio.run(main())


class Engine:
    async def read_feed(self, page: FetchedPage, guild_id: int) -> ParsedFeed:
        return await asyncio.to_thread(parse_feed, page.body, page.content_type, page.url)

    async def discover(self, page: FetchedPage, guild_id: int) -> list[str]:
        return discover_feeds(page.body, page.url, page.content_type)

    async def extract(self, page: FetchedPage, guild_id: int) -> ExtractedPage:
        return await asyncio.to_thread(extract_page, page)

    async def analyze(self, text: str, title: str | None, guild_id: int) -> Analysed:
        return await asyncio.to_thread(jobs.analyze_text, text, title)


class Recorder:
    def __init__(self) -> None:
        self.posts = 0

    async def post(self, post: FeedPost, feed_title: str | None) -> int:
        self.posts += 1
        return self.posts

    async def tell_paused(self, feed: Feed) -> None:
        pass


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(feeds: int, changed: int) -> list[tuple[str, float, float, str]]:
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child, None), daemon=True)
    server.start()
    port = parent.recv()
    rows: list[tuple[str, float, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = await open_store(Path(tmp) / "bench.sqlite3")
        session = make_session(
            FetchSettings(allow_hosts=frozenset({"127.0.0.1"}), total_timeout=60)
        )
        clock = ManualClock()
        conditional = True

        async def fetch(
            url: str,
            *,
            headers: Mapping[str, str] | None = None,
            accept: Callable[[str], bool] | None = None,
        ) -> FetchedPage:
            sent = dict(headers or {})
            if not conditional:
                sent.pop("If-None-Match", None)
                sent.pop("If-Modified-Since", None)
            return await fetch_article(session, url, headers=sent, accept=accept)

        recorder = Recorder()
        service = FeedService(store, fetch, Engine(), recorder, clock, FeedSettings(first_items=0))
        for n in range(feeds):
            await store.add_feed(
                NewFeed(
                    guild_id=1000 + n // 20,
                    channel_id=5000 + n // 20,
                    url=f"http://127.0.0.1:{port}/feeds/{n}",
                    title=None,
                    site_url=None,
                    added_by=1,
                    added_at=clock.now(),
                    every=INTERVAL,
                ),
                limit=20,
            )

        async def round_(name: str, per: int, unit: str) -> None:
            start_cpu, start = cpu(), time.perf_counter()
            await service.run_due()
            wall, used = time.perf_counter() - start, cpu() - start_cpu
            rows.append((name, wall, used, f"{used / max(per, 1) * 1000:.2f} ms CPU per {unit}"))
            clock.advance(INTERVAL * 1.2)

        await round_("subscribe (first check, parse)", feeds, "feed")
        await round_("unchanged (304)", feeds, "feed")
        conditional = False
        await round_("baseline: no conditional GET", feeds, "feed")
        conditional = True
        parent.send(list(range(changed)))
        await asyncio.sleep(0.3)
        await round_(f"new items ({changed} feeds, 1 item each)", changed, "new item")
        assert recorder.posts == changed, recorder.posts
        await session.close()
        await store.close()
    server.kill()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=50)
    args = parser.parse_args()
    rows = asyncio.run(run(args.feeds, args.changed))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.feeds} feeds of 20 items, one process, SQLite, checks {INTERVAL // 60} min apart")
    print(f"{'round':<40} {'wall s':>8} {'CPU s':>8}  per unit")
    for name, wall, used, per in rows:
        print(f"{name:<40} {wall:8.2f} {used:8.2f}  {per}")
    unchanged = rows[1]
    share = unchanged[2] / INTERVAL
    print(f"peak memory (RSS): {peak:.0f} MiB")
    print(
        f"target: a round of unchanged feeds <= {TARGET_ROUND:.0f} s: {unchanged[1]:.2f} s "
        f"{'OK' if unchanged[1] <= TARGET_ROUND else 'MISSED'}"
    )
    print(
        f"target: <= {TARGET_CORE:.0%} of one core over {INTERVAL // 60} min: {share:.2%} "
        f"{'OK' if share <= TARGET_CORE else 'MISSED'}"
    )
    ratio = rows[2][2] / max(unchanged[2], 1e-9)
    print(f"baseline: without conditional GET the round costs {ratio:.1f}x the CPU")


if __name__ == "__main__":
    main()
