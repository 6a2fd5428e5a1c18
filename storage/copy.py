"""`python -m storage copy SOURCE TARGET`: every guild's articles, paragraphs, settings,
message and thread links and numbering, and its feeds (with their polling state), the feed
items its channels have seen and its outbox of feed posts, from one store to another (SQLite
to PostgreSQL, or back, or between two of a kind).

Rows are copied as they are: article numbers, paragraph ids (and so guild slots), creation
times, analyses and the next numbers to hand out, so the bot carries on where it was, with
the same `#12` and the same search order. Each batch of articles is one transaction in the
target.

Resumable and idempotent: articles the target already holds (same guild, number and text)
are skipped, links and guild rows are only written where they differ, so a copy stopped
half-way is finished by running it again, and running it once more changes nothing. The
target must be empty or hold only what a copy of this source put there: a guild, slot or
article that disagrees with the source stops the copy before anything is written.

Feeds keep their ids (the outbox names them), and the feed id counter moves with them, so
an id is never handed out twice. The seen keys are copied before the feeds, and posts after
them: an item seen in the source stays seen in the target (nothing is posted twice after a
move), a post sent stays sent and a pending one is sent once, with its nonce.

At the end, the counts of articles, paragraphs and links of every guild, and every guild's
settings and numbering, its feeds (every column), seen keys, posts and pending posts, are
compared between the two stores.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from .base import StorageError
from .common import ArticleRecord, GuildRecord, LinkRecord
from .feeds import Feed, PostRecord, SeenRecord

__all__ = ["CopyReport", "Progress", "copy_store"]

BATCH = 200
ROWS = 2000  # seen keys or posts per transaction


class CopyableStore(Protocol):
    async def export_guilds(self) -> list[GuildRecord]: ...
    async def export_articles(
        self, guild_id: int, after: int, limit: int
    ) -> list[ArticleRecord]: ...
    async def export_links(self, guild_id: int) -> list[LinkRecord]: ...
    async def article_hashes(self, guild_id: int) -> dict[int, bytes]: ...
    async def import_guild(self, record: GuildRecord) -> bool: ...
    async def import_articles(self, guild_id: int, records: list[ArticleRecord]) -> None: ...
    async def import_links(self, guild_id: int, records: list[LinkRecord]) -> int: ...
    async def row_counts(self) -> dict[int, tuple[int, int, int, int]]: ...
    async def export_feed_guilds(self) -> list[int]: ...
    async def export_feeds(self, guild_id: int) -> list[Feed]: ...
    async def export_seen(
        self, guild_id: int, after: tuple[int, bytes] | None, limit: int
    ) -> list[SeenRecord]: ...
    async def export_feed_posts(
        self, guild_id: int, after: int, limit: int
    ) -> list[PostRecord]: ...
    async def feed_counters(self) -> tuple[int, int]: ...
    async def feed_counts(self) -> dict[int, tuple[int, int, int, int]]: ...
    async def import_feeds(self, guild_id: int, feeds: list[Feed]) -> int: ...
    async def import_seen(self, guild_id: int, records: list[SeenRecord]) -> int: ...
    async def import_feed_posts(self, guild_id: int, records: list[PostRecord]) -> int: ...
    async def import_feed_counters(self, feed_id: int, post_id: int) -> bool: ...


class Progress:
    """A progress bar on a terminal (redrawn in place), plain lines every 10% otherwise."""

    def __init__(self, total: int, out: TextIO = sys.stderr, *, width: int = 30) -> None:
        self.total = max(1, total)
        self.done = 0
        self.out = out
        self.width = width
        self.tty = out.isatty()
        self.started = time.monotonic()
        self._shown = -1

    def advance(self, count: int) -> None:
        self.done += count
        share = min(1.0, self.done / self.total)
        rate = self.done / max(1e-9, time.monotonic() - self.started)
        if self.tty:
            bar = "#" * round(share * self.width)
            self.out.write(
                f"\r[{bar:<{self.width}}] {self.done:,}/{self.total:,} articles {rate:,.0f}/s"
            )
            self.out.flush()
        elif int(share * 10) > self._shown:
            self._shown = int(share * 10)
            self.out.write(f"copied {self.done:,} of {self.total:,} articles ({share:.0%})\n")
            self.out.flush()

    def close(self) -> None:
        if self.tty:
            self.out.write("\n")
            self.out.flush()


@dataclass
class CopyReport:
    guilds: int = 0
    articles_copied: int = 0
    articles_skipped: int = 0
    links_written: int = 0
    guild_rows_written: int = 0
    feeds_written: int = 0
    seen_written: int = 0
    posts_written: int = 0
    counters_written: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.articles_copied
            or self.links_written
            or self.guild_rows_written
            or self.feeds_written
            or self.seen_written
            or self.posts_written
            or self.counters_written
        )


async def _check_target(
    source: CopyableStore, source_guilds: list[GuildRecord], target: CopyableStore
) -> dict[int, dict[int, bytes]]:
    """What the target holds per guild (number -> text hash), after checking it holds
    nothing that disagrees with the source."""
    by_id = {g.guild_id: g for g in source_guilds}
    slots = {g.slot: g.guild_id for g in source_guilds}
    held: dict[int, dict[int, bytes]] = {}
    for guild in await target.export_guilds():
        original = by_id.get(guild.guild_id)
        if original is None:
            raise StorageError(
                f"the target holds guild {guild.guild_id}, which the source does not: copy "
                f"into an empty database"
            )
        if guild.slot != original.slot or slots.get(guild.slot) != guild.guild_id:
            raise StorageError(
                f"guild {guild.guild_id} has slot {guild.slot} in the target but "
                f"{original.slot} in the source: copy into an empty database"
            )
        held[guild.guild_id] = await target.article_hashes(guild.guild_id)
    for guild_id, hashes in held.items():
        source_hashes: dict[int, bytes] = {}
        after = 0
        wanted = set(hashes)
        while wanted:
            records = await source.export_articles(guild_id, after, 1000)
            if not records:
                break
            source_hashes.update((r.number, r.text_hash) for r in records)
            wanted -= {r.number for r in records}
            after = records[-1].number
        for number, digest in hashes.items():
            if source_hashes.get(number) != digest:
                raise StorageError(
                    f"guild {guild_id} article #{number} in the target is not the source's "
                    f"#{number}: copy into an empty database"
                )
    await _check_target_feeds(source, target)
    return held


async def _check_target_feeds(source: CopyableStore, target: CopyableStore) -> None:
    """The target's feeds and posts must be the source's (same id, guild and identity)."""
    for guild_id in await target.export_feed_guilds():
        mine = {f.id: (f.guild_id, f.number, f.url) for f in await source.export_feeds(guild_id)}
        for feed in await target.export_feeds(guild_id):
            if mine.get(feed.id) != (feed.guild_id, feed.number, feed.url):
                raise StorageError(
                    f"guild {guild_id} feed {feed.number} in the target is not the source's: "
                    f"copy into an empty database"
                )
        theirs = await _all_posts(target, guild_id)
        if not theirs:
            continue
        source_posts = {
            p.id: (p.guild_id, p.channel_id, p.number, p.nonce)
            for p in await _all_posts(source, guild_id)
        }
        for post in theirs:
            if source_posts.get(post.id) != (
                post.guild_id,
                post.channel_id,
                post.number,
                post.nonce,
            ):
                raise StorageError(
                    f"guild {guild_id} feed post {post.id} in the target is not the source's: "
                    f"copy into an empty database"
                )


async def _all_posts(store: CopyableStore, guild_id: int) -> list[PostRecord]:
    posts: list[PostRecord] = []
    while batch := await store.export_feed_posts(guild_id, posts[-1].id if posts else 0, ROWS):
        posts.extend(batch)
    return posts


async def _copy_feeds(source: CopyableStore, target: CopyableStore, report: CopyReport) -> None:
    """Seen keys first, then the feeds, then their posts (see the module's doc)."""
    guilds = await source.export_feed_guilds()
    for guild_id in guilds:
        after: tuple[int, bytes] | None = None
        while seen := await source.export_seen(guild_id, after, ROWS):
            report.seen_written += await target.import_seen(guild_id, seen)
            after = (seen[-1].channel_id, seen[-1].key)
    for guild_id in guilds:
        report.feeds_written += await target.import_feeds(
            guild_id, await source.export_feeds(guild_id)
        )
        last = 0
        while posts := await source.export_feed_posts(guild_id, last, ROWS):
            report.posts_written += await target.import_feed_posts(guild_id, posts)
            last = posts[-1].id
    report.counters_written += await target.import_feed_counters(*await source.feed_counters())


async def copy_store(
    source: CopyableStore,
    target: CopyableStore,
    *,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy everything from `source` to `target` (see the module's doc)."""
    report = CopyReport()
    guilds = await source.export_guilds()
    held = await _check_target(source, guilds, target)
    counts = await source.row_counts()
    if progress is not None:
        progress.total = max(1, sum(counts.get(g.guild_id, (0, 0, 0, 0))[0] for g in guilds))
    for guild in guilds:
        report.guilds += 1
        have = held.get(guild.guild_id, {})
        # The row first (the articles refer to it), with the source's numbering.
        report.guild_rows_written += await target.import_guild(guild)
        after = 0
        while True:
            records = await source.export_articles(guild.guild_id, after, batch)
            if not records:
                break
            after = records[-1].number
            missing = [r for r in records if r.number not in have]
            if missing:
                await target.import_articles(guild.guild_id, missing)
            report.articles_copied += len(missing)
            report.articles_skipped += len(records) - len(missing)
            if progress is not None:
                progress.advance(len(records))
        report.links_written += await target.import_links(
            guild.guild_id, await source.export_links(guild.guild_id)
        )
    await _copy_feeds(source, target, report)
    if progress is not None:
        progress.close()
    report.mismatches = await verify(source, target)
    return report


async def verify(source: CopyableStore, target: CopyableStore) -> list[str]:
    """Differences between the two stores' guild rows and row counts (none: a good copy)."""
    problems: list[str] = []
    source_guilds = {g.guild_id: g for g in await source.export_guilds()}
    target_guilds = {g.guild_id: g for g in await target.export_guilds()}
    for guild_id in sorted(source_guilds.keys() | target_guilds.keys()):
        if source_guilds.get(guild_id) != target_guilds.get(guild_id):
            problems.append(f"guild {guild_id}: settings or numbering differ")
    names = ("articles", "paragraphs", "message links", "thread links")
    problems += _count_differences(names, await source.row_counts(), await target.row_counts())
    names = ("feeds", "seen feed items", "feed posts", "pending feed posts")
    source_counts = await source.feed_counts()
    problems += _count_differences(names, source_counts, await target.feed_counts())
    for guild_id, (feeds, *_) in sorted(source_counts.items()):
        if feeds and await source.export_feeds(guild_id) != await target.export_feeds(guild_id):
            problems.append(f"guild {guild_id}: the feeds' settings or polling state differ")
    if (await target.feed_counters())[0] < (await source.feed_counters())[0]:
        problems.append("the target's feed id counter is behind the source's")
    return problems


def _count_differences(
    names: tuple[str, ...],
    source: dict[int, tuple[int, int, int, int]],
    target: dict[int, tuple[int, int, int, int]],
) -> list[str]:
    """Per guild of either store, each count (named by `names`) that differs."""
    problems = []
    for guild_id in sorted(source.keys() | target.keys()):
        mine = source.get(guild_id, (0, 0, 0, 0))
        theirs = target.get(guild_id, (0, 0, 0, 0))
        for name, a, b in zip(names, mine, theirs, strict=True):
            if a != b:
                problems.append(f"guild {guild_id}: {a} {name} in the source, {b} in the target")
    return problems
