"""Test-wide settings.

Hypothesis: `bash scripts/test` (and so CI) runs the property tests with the "ci" profile,
derandomized, so a run is reproducible and a red CI always means a real, re-runnable failure.
A plain `pytest` explores new random examples every run (the "explore" profile): run it that
way while working on the engine, and add any failure it finds as an `@example`.

`zygote`: one worker zygote (`bot.workers.Zygote`) for the whole run, which the bots and pools
of the tests fork their workers from: starting one imports the engine and the extractor
(about a second), forking a worker takes milliseconds.

`pg_server`: one PostgreSQL server for the whole run (`storage.tempserver.TempPostgres`,
started on first use), for the storage tests and the end-to-end tests of shard processes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from bot.workers import Zygote
from storage.tempserver import TempPostgres

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "explore"))


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    shared = Zygote()
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TempPostgres]:
    """The session's PostgreSQL server (started on first use, stopped at the end)."""
    with TempPostgres() as server:
        yield server
