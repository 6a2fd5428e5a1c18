"""`python -m storage copy SOURCE TARGET`: every guild's articles, paragraphs, settings,
message and thread links and numbering, from one store to another (SQLite to PostgreSQL, or
back, or between two of a kind).

Rows are copied as they are: article numbers, paragraph ids (and so guild slots), creation
times, analyses and the next numbers to hand out, so the bot carries on where it was, with
the same `#12` and the same search order. Each batch of articles is one transaction in the
target.

Resumable and idempotent: articles the target already holds (same guild, number and text)
are skipped, links and guild rows are only written where they differ, so a copy stopped
half-way is finished by running it again, and running it once more changes nothing. The
target must be empty or hold only what a copy of this source put there: a guild, slot or
article that disagrees with the source stops the copy before anything is written.

At the end, the counts of articles, paragraphs and links of every guild, and every guild's
settings and numbering, are compared between the two stores.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from .base import StorageError
from .common import ArticleRecord, GuildRecord, LinkRecord

__all__ = ["CopyReport", "Progress", "copy_store"]

BATCH = 200


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
    mismatches: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.articles_copied or self.links_written or self.guild_rows_written)


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
    return held


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
    source_counts, target_counts = await source.row_counts(), await target.row_counts()
    names = ("articles", "paragraphs", "message links", "thread links")
    for guild_id in sorted(source_counts.keys() | target_counts.keys()):
        mine = source_counts.get(guild_id, (0, 0, 0, 0))
        theirs = target_counts.get(guild_id, (0, 0, 0, 0))
        for name, a, b in zip(names, mine, theirs, strict=True):
            if a != b:
                problems.append(f"guild {guild_id}: {a} {name} in the source, {b} in the target")
    return problems
