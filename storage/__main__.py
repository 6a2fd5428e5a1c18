"""`python -m storage copy SOURCE TARGET`: move a digestbot database between stores.

    python -m storage copy data/digestbot.sqlite3 postgresql://bot:pw@db:5432/digestbot
    python -m storage copy postgresql://bot:pw@db:5432/digestbot backup.sqlite3

SOURCE and TARGET are what `DIGESTBOT_DB` takes: a SQLite path (or `sqlite:///path`) or a
PostgreSQL URL. Stop the bot first. Exit status: 0 when the copy is complete and its counts
agree, 1 when they do not or the copy failed, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from . import (
    DatabaseUnreachableError,
    Location,
    PostgresStore,
    SQLiteStore,
    StorageError,
    open_store,
    parse_location,
)
from .copy import BATCH, Progress, copy_store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storage", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    copy = commands.add_parser(
        "copy",
        help="copy every guild's data from SOURCE to TARGET (resumable, idempotent)",
        description="Copy every guild's articles, paragraphs, settings, links, numbering, "
        "feeds, seen feed items and feed posts from SOURCE to TARGET. Run it again to "
        "finish an interrupted copy; once complete, running it again changes nothing.",
    )
    copy.add_argument("source", help="a SQLite path or sqlite:/// URL, or a postgresql:// URL")
    copy.add_argument("target", help="the same kinds; created (SQLite) or migrated if empty")
    copy.add_argument("--batch", type=int, default=BATCH, help="articles per transaction")
    args = parser.parse_args(argv)
    try:
        source, target = parse_location(args.source), parse_location(args.target)
    except ValueError as exc:
        parser.error(str(exc))
    if source == target:
        parser.error("SOURCE and TARGET are the same database")
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(_copy(source, target, args.batch))
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted: run the same command again to finish the copy\n")
        return 130


async def _open(location: Location, role: str) -> SQLiteStore | PostgresStore | None:
    try:
        return await open_store(location)
    except (DatabaseUnreachableError, StorageError) as exc:
        sys.stderr.write(f"storage copy: the {role} {location.describe()}: {exc}\n")
        return None


async def _copy(source_location: Location, target_location: Location, batch: int) -> int:
    source = await _open(source_location, "source")
    if source is None:
        return 1
    try:
        target = await _open(target_location, "target")
        if target is None:
            return 1
        try:
            report = await copy_store(source, target, batch=batch, progress=Progress(0))
        except StorageError as exc:
            sys.stderr.write(f"storage copy: {exc}\n")
            return 1
        finally:
            await target.close()
    finally:
        await source.close()
    print(
        f"{report.guilds:,} guilds: {report.articles_copied:,} articles copied, "
        f"{report.articles_skipped:,} already there; {report.links_written:,} links and "
        f"{report.guild_rows_written:,} guild rows written; {report.feeds_written:,} feeds, "
        f"{report.seen_written:,} seen feed items and {report.posts_written:,} feed posts "
        f"written"
    )
    if report.mismatches:
        for line in report.mismatches:
            print(f"MISMATCH {line}")
        return 1
    print(
        "verified: every guild's articles, paragraphs, links, settings, numbering, feeds, "
        "seen feed items and feed posts agree"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
