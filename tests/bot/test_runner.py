"""`python -m bot` at start: a bad setting or an unreachable Discord is one short message and an
exit code, never a traceback or a process that hangs, and whatever was opened is closed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.config import Settings
from bot.runner import serve

REPO = Path(__file__).parents[2]


def _run_bot(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FETCH_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(REPO), "DIGESTBOT_DB": str(tmp_path / "db.sqlite3"), **env},
        capture_output=True,
        text=True,
        timeout=60,  # today's hang is a failure, not a stuck test run
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_invalid_fetch_allow_hosts_exits_2_at_once(tmp_path: Path) -> None:
    done = _run_bot(tmp_path, DISCORD_TOKEN="abc", FETCH_ALLOW_HOSTS="wiki.internal, bad!host")
    assert done.returncode == 2, done.stderr
    assert "FETCH_ALLOW_HOSTS: 'bad!host' is not a host name" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "db.sqlite3").exists()  # nothing was opened


def test_discord_unreachable_at_start_is_one_line(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{_closed_port()}/api/v10"
    done = _run_bot(tmp_path, DISCORD_TOKEN="abc", DISCORD_API_BASE=base, LOG_LEVEL="WARNING")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("digestbot:")]
    assert len(lines) == 1 and f"cannot reach Discord at {base}" in lines[0], done.stderr


async def test_a_failure_after_the_store_opened_closes_it(tmp_path: Path) -> None:
    # Settings made without load_settings' checks: building the bot fails, after the store
    # was opened; the store's thread must not keep the process alive.
    before = set(threading.enumerate())
    settings = Settings(
        token="abc", db_path=tmp_path / "db.sqlite3", fetch_allow_hosts=frozenset({"bad!host"})
    )
    with pytest.raises(ValueError, match="FETCH_ALLOW_HOSTS"):
        await serve(settings)
    assert (tmp_path / "db.sqlite3").exists()
    for thread in set(threading.enumerate()) - before:
        # (the event loop's own executor threads end with the loop, after the test)
        if not thread.daemon and not thread.name.startswith("asyncio_"):
            thread.join(5.0)  # the store's thread ends once it is closed
            assert not thread.is_alive(), f"{thread} keeps the process alive"


def test_some_shards_on_sqlite_exit_2_with_one_line(tmp_path: Path) -> None:
    done = _run_bot(tmp_path, DISCORD_TOKEN="abc", SHARD_COUNT="2", SHARD_IDS="0")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("- ")]
    assert "SHARD_IDS=0 runs 1 of 2 shards" in line and "PostgreSQL URL" in line
    assert not (tmp_path / "db.sqlite3").exists()  # nothing was opened
