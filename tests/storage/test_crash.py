"""Crash safety: an article whose add returned survives SIGKILL at any moment.

A child process adds articles in a loop and prints each number once `add_article` has
returned. It is killed with SIGKILL at random moments, several times over the same database;
then the database must hold every reported article, whole, and nothing half-written (and, for
SQLite, pass SQLite's and FTS5's integrity checks).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from storage import NewArticle, open_store

from .conftest import Backend

REPO = Path(__file__).resolve().parents[2]
GUILD = 123_456_789_012_345_678

CHILD = """
import asyncio, sys
from storage import NewArticle, open_store

async def main(path: str, run: int) -> None:
    store = await open_store(path)
    i = 0
    while True:
        i += 1
        words = " ".join(f"w{run}x{i}y{k}" for k in range(60))
        text = f"Run {run} article {i}.\\n\\n{words}\\n\\nThe end of {run}/{i}."
        paragraphs = [(n + 1, None, p) for n, p in enumerate(text.split("\\n\\n"))]
        result = await store.add_article(NewArticle(
            guild_id=GUILD_ID, channel_id=1, author_id=2, title=f"{run}/{i}", source_kind="text",
            source_ref=None, text=text, paragraphs=paragraphs, analysis={"i": i},
            engine_version="crash",
        ))
        print(result.article.number, run, i, flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def run_and_kill(path: Path | str, run: int, delay: float) -> list[tuple[int, int, int]]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.replace("GUILD_ID", str(GUILD)), str(path), str(run)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    lines: list[bytes] = []
    assert child.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(child.stdout.readline, b"")))
    reader.start()
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    reader.join(timeout=30)
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    # A line only counts once printed whole: its add had returned.
    return [
        (int(n), int(r), int(i))
        for n, r, i in (line.split() for line in lines if line.endswith(b"\n"))
    ]


@pytest.mark.timeout(90)
async def test_sigkill_loses_no_returned_article(backend: Backend) -> None:
    path = backend.location
    rng = random.Random()
    reported: list[tuple[int, int, int]] = []
    for run in range(6):
        # The first kill may land while the schema is being created; later ones mid-write.
        delay = rng.uniform(0.05, 0.6) if run == 0 else rng.uniform(0.6, 1.6)
        reported += run_and_kill(path, run, delay)
    assert len(reported) > 50, "the child should have added articles before being killed"
    numbers = [n for n, _, _ in reported]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)  # never reused

    if backend.path is not None:
        db = sqlite3.connect(backend.path)
        try:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
            db.execute("INSERT INTO paragraph_fts (paragraph_fts) VALUES ('integrity-check')")
        finally:
            db.close()
    stored = dict(
        await backend.fetch(
            "SELECT a.number, b.text FROM articles a JOIN article_bodies b"
            " ON b.article_id = a.id WHERE a.guild_id = ?",
            GUILD,
        )
    )
    paragraphs = dict(
        await backend.fetch(
            "SELECT a.number, count(*) FROM articles a JOIN paragraphs p"
            " ON p.article_id = a.id GROUP BY a.number"
        )
    )
    for number, run, i in reported:
        assert number in stored, f"article #{number} (run {run}, {i}) was reported but is lost"
        assert stored[number].startswith(f"Run {run} article {i}.")
        assert paragraphs[number] == 3
    assert all(paragraphs.get(n) == 3 for n in stored)  # no half-written article either
    assert await backend.count("articles") == len(stored)

    async with await open_store(path) as store:
        number, run, i = reported[-1]
        hits = await store.search(GUILD, f"w{run}x{i}y7")
        assert [(h.number, h.paragraph) for h in hits] == [(number, 2)]
        after = await store.add_article(_new(f"after the crashes {run}"))
        assert after.created and after.article.number > max(numbers)


def _new(text: str) -> NewArticle:
    return NewArticle(
        guild_id=GUILD,
        channel_id=1,
        author_id=2,
        title="after",
        source_kind="text",
        source_ref=None,
        text=text,
        paragraphs=[(1, None, text)],
        analysis={},
        engine_version="crash",
    )
