"""The worker pools (`bot.workers`) with real processes and real signals: a stopped or stuck
worker is killed at the deadline and replaced while other servers' requests keep flowing,
servers take turns, the memory cap holds, a crash or an exception comes back as one, a
server's flood is refused before it grows, and nothing outlives a pool or its zygote."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Callable

import pytest

from bot.web import HTTPStatus
from bot.workers import (
    Limits,
    ServerBusy,
    WorkerCrashed,
    WorkerPool,
    WorkTimeout,
    WorkTooLarge,
    WorkUnavailable,
    Zygote,
)
from tests.processes import alive


async def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10.0
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


@pytest.fixture
async def pool(zygote: Zygote) -> AsyncIterator[WorkerPool]:
    made = WorkerPool("test", zygote, size=2, deadline=1.5, limits=Limits(memory_bytes=512 * 2**20))
    try:
        yield made
    finally:
        pids = made.pids
        await made.close()
        await _until(lambda: not any(alive(p) for p in pids), "the workers to exit")


async def _warm(pool: WorkerPool, count: int) -> None:
    """Start `count` workers (a request each, from different servers at once)."""
    await asyncio.gather(*(pool.run(1000 + i, time.sleep, 0.2) for i in range(count)))
    assert len(pool.pids) == count


async def test_a_stopped_worker_is_killed_at_the_deadline_and_others_keep_flowing(
    pool: WorkerPool,
) -> None:
    await _warm(pool, 2)
    stopped, running = pool.pids  # an idle pool gives a request to its first idle worker
    os.kill(stopped, signal.SIGSTOP)
    started = time.monotonic()
    stuck = asyncio.ensure_future(pool.run(1, sum, [1, 2], too_slow="too complex, try again"))
    await asyncio.sleep(0.05)
    assert pool._workers[0].task is not None  # server 1's request is on the stopped worker
    # meanwhile another server's requests are answered by the worker that runs
    for n in range(5):
        assert await pool.run(2, sum, [n, 1]) == n + 1
    assert not stuck.done()
    with pytest.raises(WorkTimeout, match="too complex, try again"):
        await stuck
    assert 1.4 < time.monotonic() - started < 5.0
    await _until(lambda: not alive(stopped), "the stopped worker to be killed")
    assert stopped not in pool.pids and running in pool.pids and pool.stats.timeouts == 1
    # a new worker takes over; nothing queues behind the one that was stopped
    assert await asyncio.gather(*(pool.run(1, sum, [i]) for i in range(4))) == [0, 1, 2, 3]
    await _warm(pool, 2)  # two servers at once: a second worker again


async def test_every_stopped_worker_is_replaced(pool: WorkerPool) -> None:
    await _warm(pool, 2)
    old = pool.pids
    for pid in old:
        os.kill(pid, signal.SIGSTOP)
    results = await asyncio.gather(
        pool.run(1, sum, [1]), pool.run(2, sum, [2]), return_exceptions=True
    )
    assert all(isinstance(r, WorkTimeout) for r in results), results
    assert await pool.run(1, sum, [5]) == 5 and await pool.run(2, sum, [6]) == 6
    assert not set(old) & set(pool.pids)
    await _until(lambda: not any(alive(p) for p in old), "the stopped workers to die")


async def test_a_server_burst_queues_behind_its_own_requests(zygote: Zygote) -> None:
    pool = WorkerPool("fair", zygote, size=1, deadline=10.0, limits=Limits())
    try:
        await pool.run(9, time.sleep, 0)
        done: list[str] = []

        async def job(guild: int, name: str) -> None:
            await pool.run(guild, time.sleep, 0.15)
            done.append(name)

        burst = [asyncio.create_task(job(1, f"a{i}")) for i in range(6)]
        await asyncio.sleep(0.05)  # server 1's burst is queued first
        others = [asyncio.create_task(job(2, "b")), asyncio.create_task(job(3, "c"))]
        await asyncio.gather(*burst, *others)
        # server 1's first request ran; then each server in turn, not the whole burst first
        assert done[:3] == ["a0", "b", "c"] or done[:4] == ["a0", "a1", "b", "c"], done
        assert done.index("c") <= 3
    finally:
        await pool.close()


async def test_several_workers_serve_one_server_but_leave_one_for_the_others(
    pool: WorkerPool,
) -> None:
    assert pool.per_guild == 1  # size 2: one for a server, one left for the others
    await _warm(pool, 2)
    slow = [asyncio.ensure_future(pool.run(1, time.sleep, 0.5)) for _ in range(3)]
    await asyncio.sleep(0.05)
    started = time.monotonic()
    assert await pool.run(2, sum, [1, 1]) == 2
    assert time.monotonic() - started < 0.4  # not behind server 1's work
    await asyncio.gather(*slow)


async def test_the_memory_cap_holds_and_the_worker_is_replaced(pool: WorkerPool) -> None:
    await pool.run(1, sum, [1])
    (first,) = pool.pids
    with pytest.raises(WorkTooLarge) as caught:
        await pool.run(1, bytearray, 1024 * 2**20, too_big="that is too big")
    assert str(caught.value) == "that is too big"
    await _until(lambda: not alive(first), "the worker over its cap to exit")
    assert await pool.run(1, _allocate, 64 * 2**20) == 64 * 2**20  # under the cap: fine
    assert first not in pool.pids


async def test_a_crash_and_exceptions_come_back(pool: WorkerPool) -> None:
    with pytest.raises(WorkerCrashed):
        await pool.run(1, os._exit, 3)
    with pytest.raises(ValueError, match="invalid literal") as bug:
        await pool.run(1, int, "x")
    assert "In the worker process" in "".join(bug.value.__notes__)  # its traceback comes along
    # exceptions whose constructor takes more than a message come back whole
    with pytest.raises(HTTPStatus) as status:
        await pool.run(1, _not_found, "GET /x: 404")
    assert status.value.status == 404 and status.value.detail == "GET /x: 404"
    assert str(status.value) == "Not found."
    # a request that does not unpickle in the worker fails, and the worker goes on
    with pytest.raises(TypeError, match="positional"):
        await pool.run(1, _not_found, _Unpicklable())
    assert await pool.run(1, sum, [1, 2, 3]) == 6


def _allocate(size: int) -> int:
    return len(bytearray(size))


def _not_found(detail: object) -> None:
    raise HTTPStatus("Not found.", status=404, detail=str(detail))


class _Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("made without arguments")  # so `pickle` cannot make it again


async def test_a_flood_from_one_server_is_refused_before_it_grows(zygote: Zygote) -> None:
    pool = WorkerPool("flood", zygote, size=1, deadline=10.0, limits=Limits(), max_waiting=3)
    try:
        await pool.run(1, sum, [0])
        first = asyncio.ensure_future(pool.run(1, time.sleep, 0.3))
        await asyncio.sleep(0.05)
        waiting = [asyncio.ensure_future(pool.run(1, sum, [i])) for i in range(3)]
        await asyncio.sleep(0)
        with pytest.raises(ServerBusy):
            await pool.run(1, sum, [9])
        assert await pool.run(2, sum, [7]) == 7  # another server is not refused
        assert await asyncio.gather(*waiting) == [0, 1, 2]
        await first
        assert pool.stats.busy == 1
    finally:
        await pool.close()


async def test_a_request_given_up_does_not_run(zygote: Zygote) -> None:
    pool = WorkerPool("cancel", zygote, size=1, deadline=10.0, limits=Limits())
    try:
        await pool.run(1, sum, [0])
        busy = asyncio.ensure_future(pool.run(1, time.sleep, 0.3))
        await asyncio.sleep(0.05)
        given_up = asyncio.ensure_future(pool.run(2, time.sleep, 5))
        await asyncio.sleep(0)
        given_up.cancel()
        started = time.monotonic()
        assert await pool.run(3, sum, [1]) == 1
        assert time.monotonic() - started < 2.0  # not behind the cancelled 5 s
        await busy
    finally:
        await pool.close()


async def test_closing_fails_what_waits_and_stops_every_worker() -> None:
    own = Zygote()
    pool = WorkerPool("close", own, size=1, deadline=30.0, limits=Limits())
    try:
        await pool.run(1, sum, [0])
        running = asyncio.ensure_future(pool.run(1, time.sleep, 30))
        waiting = asyncio.ensure_future(pool.run(2, sum, [1]))
        await asyncio.sleep(0.1)
        (pid,) = pool.pids
        started = time.monotonic()
        await pool.close()
        assert time.monotonic() - started < 5.0  # the busy worker is killed, not awaited
        with pytest.raises(WorkUnavailable):
            await waiting
        await _until(lambda: not alive(pid), "the worker to stop")
        running.cancel()
        with pytest.raises(WorkUnavailable):
            await pool.run(1, sum, [0])
    finally:
        await asyncio.to_thread(own.close)


async def test_workers_die_with_their_zygote_and_a_new_one_starts() -> None:
    own = Zygote()
    pool = WorkerPool("zygote", own, size=1, deadline=30.0, limits=Limits())
    try:
        await pool.run(1, sum, [0])
        (worker,) = pool.pids
        zygote_pid = own.pid
        assert zygote_pid is not None
        os.kill(zygote_pid, signal.SIGKILL)
        await _until(lambda: not alive(worker), "the worker to die with its zygote")
        await _until(lambda: pool.pids == [], "the pool to notice")
        assert await pool.run(1, sum, [4]) == 4  # a new zygote, a new worker
        assert own.pid not in (None, zygote_pid)
    finally:
        await pool.close()
        await asyncio.to_thread(own.close)
    assert own.pid is None
