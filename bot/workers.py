"""CPU-heavy work in worker processes: a deadline per request, a memory cap, fair per server.

    workers = Workers(settings)                     # `DigestBot.workers`
    workers.prestart()                              # the zygote, in the background
    article, digest = await workers.articles.run(
        guild_id, jobs.analyze_text, text, title, too_slow="This article is too complex ...")
    answer = await workers.answers.run(
        guild_id, jobs.answer, question, key=(guild_id, number), source=lambda: source)
    workers.answers.forget((guild_id, number))      # deleted: the workers drop it
    await workers.close()

Why processes: the engine and the HTML extractor are pure Python (and lxml), so a thread
running them holds the GIL the event loop needs, and one pathological input (or a bug) can
run for minutes; a thread cannot be stopped. A worker process cannot hold the bot's GIL,
and it can be killed.

- **Deadline**: each request has one (`deadline` seconds from the moment a worker takes it);
  past it the worker is killed (SIGKILL, which also ends a stopped process), the request
  fails with `WorkTimeout` (a `UserError`: its text says "too complex" or "try again"), and
  a new worker takes the next request.
- **Memory cap**: each worker runs under `RLIMIT_AS` (`Limits.memory_bytes`); a request that
  needs more fails with `WorkTooLarge` and that worker is replaced (it exits).
- **Fairness**: requests queue per server (`guild_id`) and servers are served round-robin,
  with at most `per_guild` requests of one server in flight (by default all workers but
  one), so one server's burst queues behind its own requests, never in front of everyone's;
  at most `max_waiting` wait per server (then `ServerBusy`: "try again in a moment"; 8 posts,
  200 questions).
- **Held articles**: a request may name an article (`key`) with a way to make it
  (`source()`: an object with `prepare()` and `size`); the worker prepares it once (parsing,
  indexing) and keeps it, least recently used dropped first (`Limits.max_articles`,
  `max_chars`), and the job function gets the prepared object. The pool remembers which
  worker holds what and prefers that worker; a worker that dropped it answers "miss" and gets
  the source again.

Two pools (`Workers`): `articles` for posted articles and web pages (analysis, extraction;
its workers run at a lower CPU priority, `ARTICLE_NICE`, so that questions win the CPU from
a burst of posts), and `answers` for questions, summaries and key facts about stored
articles. Both fork their workers from one `Zygote`: a process started once that has
imported `bot.jobs` (the engine, the renderer, the extractor), so a new worker starts in
milliseconds and shares those pages. The zygote kills its workers and exits when the bot's
end of its control socket closes (the bot exited, however), and a worker dies with the
zygote (`PR_SET_PDEATHSIG`), so nothing outlives the bot.

Protocol on a worker's socket: frames of a 4-byte big-endian length and a pickle. Bot →
worker: `(id, request)`, the request pickled apart (so that one that does not unpickle is
answered as an error, not lost): `(fn, args, key, source or None)` (`fn(*args)`, or
`fn(prepared, *args)` when `key` is given), or `("forget", key, None, None)` with id 0.
Worker → bot: first `(0, "ready", pid)`, then `(id, "ok", value)`, `(id, "miss", None)`,
`(id, "raise", (type, args, state, traceback))`, `(id, "memory", None)` (then it exits).
The zygote's control socket (SOCK_SEQPACKET): the bot sends `("fork", limits)` with the
worker's socket attached, and `("kill", pid)`; the zygote answers `("ready", pid)` first,
then `("pid", pid)` and `("killed", bool)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import pickle
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from .errors import UserError
from .lru import LRU

if TYPE_CHECKING:
    from .config import Settings

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!I")
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)  # where this `bot` package is
PRELOAD = ("bot.jobs",)  # what the zygote imports before forking workers
# The articles pool's workers: whenever the CPU is contended, questions (of every server) win
# it from posts. `benchmarks/fairness.py`: another server's /ask p95 under a flood of
# worst-case posts went from 2.3x its quiet value at nice 10 to 1.3x at 19 (2 busy cores).
ARTICLE_NICE = 19
MIN_MEMORY_MB = 256

TRY_AGAIN = "Something went wrong while I was working on that; please try again."
UNAVAILABLE = "I can't start the process that does this work right now; please try again soon."
BUSY = "I'm still working on this server's earlier requests; please try again in a moment."
TOO_BIG = "That needs more memory than I may use. Try a shorter or simpler article."


# --- errors -------------------------------------------------------------------------------------


class WorkError(UserError):
    """A request to the workers that could not be carried out; the text is for the user."""


class WorkTimeout(WorkError):
    """The request ran past its deadline; its worker was killed."""


class WorkTooLarge(WorkError):
    """The request needed more memory than a worker may use."""


class WorkerCrashed(WorkError):
    """The worker died while working on the request."""


class WorkUnavailable(WorkError):
    """No worker could be started."""


class ServerBusy(WorkError):
    """Too many of this server's requests are waiting already."""


class WorkerStartError(Exception):
    """The zygote or a worker could not be started."""


class Source(Protocol):
    """What a worker prepares once for requests naming the same article (see `run`)."""

    @property
    def size(self) -> int: ...

    def prepare(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """What a worker is held to (applied in the worker) and how much it keeps."""

    memory_bytes: int | None = None  # RLIMIT_AS
    nice: int = 0
    max_articles: int = 64
    max_chars: int = 8_000_000


# --- frames ---------------------------------------------------------------------------------------


def _frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


async def _read_frame(stream: asyncio.StreamReader) -> Any:
    (size,) = _HEADER.unpack(await stream.readexactly(_HEADER.size))
    return pickle.loads(await stream.readexactly(size))


def _read_frame_sync(inp: IO[bytes]) -> Any:
    header = inp.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = inp.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def _exception_state(exc: BaseException, trace: str | None) -> tuple[Any, ...]:
    """An exception as what rebuilds it on the other side (its class, args and attributes:
    exceptions whose constructor takes other arguments than `args` survive too)."""
    state = {k: v for k, v in getattr(exc, "__dict__", {}).items() if not k.startswith("__")}
    return (type(exc), exc.args, state, trace)


def _rebuild_exception(value: tuple[Any, ...]) -> BaseException:
    cls, args, state, trace = value
    try:
        exc: BaseException = cls.__new__(cls)
        exc.args = args
        exc.__dict__.update(state)
    except Exception:
        exc = RuntimeError(f"{getattr(cls, '__name__', cls)}: {args!r}")
    if trace:
        exc.add_note(f"In the worker process:\n{trace}")
    return exc


# --- the zygote (the bot's side) ----------------------------------------------------------------


class Zygote:
    """The process workers are forked from (module docstring). Blocking and thread-safe: call
    it from a thread (`asyncio.to_thread`), so that one zygote can serve bots on several
    event loops (the tests share one). Started by the first `fork`."""

    start_timeout = 60.0  # its first imports, on a busy machine
    reply_timeout = 10.0

    def __init__(self, preload: tuple[str, ...] = PRELOAD) -> None:
        self.preload = preload
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._closed = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> int:
        """Start the zygote now, unless it runs; its pid."""
        with self._lock:
            if self._closed:
                raise WorkerStartError("the zygote is closed")
            if not self._running():
                self._start()
            assert self._process is not None
            return self._process.pid

    def fork(self, limits: Limits) -> tuple[int, socket.socket]:
        """A new worker held to `limits`: its pid, and the bot's end of its socket."""
        with self._lock:
            for attempt in range(2):
                if self._closed:
                    raise WorkerStartError("the zygote is closed")
                if not self._running():
                    self._start()
                ours, theirs = socket.socketpair()
                try:
                    reply = self._ask(("fork", limits), fds=[theirs.fileno()])
                except (OSError, EOFError, pickle.UnpicklingError) as exc:
                    ours.close()
                    log.warning("the zygote did not fork a worker (%r); starting a new one", exc)
                    self._stop()
                    if attempt:
                        raise WorkerStartError(f"the zygote does not fork: {exc!r}") from exc
                    continue
                finally:
                    theirs.close()
                return int(reply[1]), ours
        raise AssertionError("unreachable")

    def kill(self, pid: int) -> None:
        """SIGKILL a worker. The zygote does it, because it has not reaped the worker yet: the
        pid cannot belong to another process. When the zygote is gone, so are its workers."""
        with self._lock:
            if not self._running():
                return
            try:
                self._ask(("kill", pid))
            except (OSError, EOFError, pickle.UnpicklingError) as exc:
                # Unresponsive but alive: it has reaped nothing since, so the pid is the worker's.
                log.warning("the zygote did not answer (%r); killing worker %s here", exc, pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        """Stop the zygote; it kills its workers first."""
        with self._lock:
            self._closed = True
            self._stop()

    def _running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _start(self) -> None:
        self._stop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        path = os.environ.get("PYTHONPATH")
        roots = [_PACKAGE_ROOT, path] if path else [_PACKAGE_ROOT]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(roots)}
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.workers", str(theirs.fileno()), *self.preload],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            ours.close()
            raise WorkerStartError(f"cannot start the zygote: {exc}") from exc
        finally:
            theirs.close()
        self._process, self._control = process, ours
        try:
            ours.settimeout(self.start_timeout)
            hello = pickle.loads(ours.recv(4096) or pickle.dumps(None))
            if not (isinstance(hello, tuple) and hello[0] == "ready"):
                raise WorkerStartError(f"the zygote said {hello!r}")
        except (OSError, pickle.UnpicklingError, WorkerStartError) as exc:
            self._stop()
            raise WorkerStartError(f"the zygote did not start: {exc!r}") from exc
        ours.settimeout(self.reply_timeout)
        log.info("worker zygote %s ready", process.pid)

    def _ask(self, command: tuple[Any, ...], *, fds: list[int] | None = None) -> Any:
        assert self._control is not None
        data = pickle.dumps(command, protocol=pickle.HIGHEST_PROTOCOL)
        if fds:
            socket.send_fds(self._control, [data], fds)
        else:
            self._control.send(data)
        reply = self._control.recv(4096)
        if not reply:
            raise EOFError("the zygote closed its socket")
        return pickle.loads(reply)

    def _stop(self) -> None:
        if self._control is not None:
            self._control.close()  # the zygote kills its workers and exits
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(5.0)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


# --- the pools (the bot's side) -------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _Task:
    guild_id: int
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    key: Hashable | None
    source: Callable[[], Source] | None
    future: asyncio.Future[Any]
    too_slow: str
    too_big: str
    deadline: float
    id: int = 0


@dataclass(eq=False, slots=True)
class _Worker:
    pid: int
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    known: LRU[Hashable, None]  # the articles it holds, as far as the pool can tell
    task: _Task | None = None
    timer: asyncio.TimerHandle | None = None
    reading: asyncio.Task[None] | None = None
    alive: bool = True
    exiting: bool = False  # it said it will exit (memory): nothing more goes to it


@dataclass(slots=True)
class PoolStats:
    """What a pool has done since it was made (for logs, tests and benchmarks)."""

    started: int = 0
    done: int = 0
    timeouts: int = 0
    crashes: int = 0
    too_large: int = 0
    busy: int = 0


class WorkerPool:
    """Up to `size` worker processes forked from `zygote`, serving servers round-robin
    (module docstring). Workers start when requests need them and stay."""

    start_timeout = 60.0
    retry_start_after = 5.0  # seconds: a failed start fails requests meanwhile

    def __init__(
        self,
        name: str,
        zygote: Zygote,
        *,
        size: int,
        deadline: float,
        limits: Limits,
        per_guild: int | None = None,
        max_waiting: int = 16,
        too_slow: str = TRY_AGAIN,
        too_big: str = TOO_BIG,
    ) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.name = name
        self.zygote = zygote
        self.size = size
        self.deadline = deadline
        self.limits = limits
        self.per_guild = per_guild if per_guild is not None else max(1, size - 1)
        self.max_waiting = max_waiting  # requests of one server waiting (not in flight)
        self.too_slow = too_slow
        self.too_big = too_big
        self.stats = PoolStats()
        self._workers: list[_Worker] = []
        self._starting: set[asyncio.Task[None]] = set()
        self._queues: dict[int, deque[_Task]] = {}
        self._in_flight: dict[int, int] = {}
        self._ring: deque[int] = deque()  # servers with a request to start, in turn
        self._in_ring: set[int] = set()
        self._ids = 0
        self._start_failed_at: float | None = None
        self._chores: set[asyncio.Task[Any]] = set()
        self._closed = False

    # --- asking ------------------------------------------------------------------------

    async def run(
        self,
        guild_id: int,
        fn: Callable[..., Any],
        *args: Any,
        key: Hashable | None = None,
        source: Callable[[], Source] | None = None,
        too_slow: str | None = None,
        too_big: str | None = None,
        deadline: float | None = None,
    ) -> Any:
        """`fn(*args)` in a worker (`fn(prepared, *args)` with `key`: the worker's prepared
        `source()` of that article), for server `guild_id`. `fn` and its arguments must
        pickle (`fn` a module-level function). Raises what `fn` raised, or a `WorkError`:
        `WorkTimeout` (`too_slow` is its text), `WorkTooLarge` (`too_big`), `WorkerCrashed`,
        `WorkUnavailable`, `ServerBusy`."""
        if self._closed:
            raise WorkUnavailable(UNAVAILABLE)
        if (key is None) != (source is None):
            raise ValueError("give both key and source, or neither")
        if len(self._queues.get(guild_id, ())) >= self.max_waiting:
            self.stats.busy += 1
            raise ServerBusy(BUSY)
        loop = asyncio.get_running_loop()
        failed_at = self._start_failed_at
        recently = failed_at is not None and loop.time() - failed_at < self.retry_start_after
        if recently and not self._workers:
            raise WorkUnavailable(UNAVAILABLE)
        self._ids += 1
        task = _Task(
            guild_id,
            fn,
            args,
            key,
            source,
            loop.create_future(),
            too_slow or self.too_slow,
            too_big or self.too_big,
            deadline if deadline is not None else self.deadline,
            self._ids,
        )
        self._queues.setdefault(guild_id, deque()).append(task)
        self._ready(guild_id)
        self._pump()
        return await task.future

    def forget(self, key: Hashable) -> None:
        """Workers holding article `key` drop it (it was deleted)."""
        for worker in self._workers:
            if worker.alive and key in worker.known:
                worker.known.pop(key)
                worker.writer.write(_frame((0, pickle.dumps(("forget", key, None, None)))))

    @property
    def pids(self) -> list[int]:
        """The live workers' process ids."""
        return [w.pid for w in self._workers if w.alive]

    def holders(self, key: Hashable) -> list[int]:
        """The pids of the workers that hold article `key`, as far as the pool knows."""
        return [w.pid for w in self._workers if w.alive and key in w.known]

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._queues.values())

    # --- scheduling --------------------------------------------------------------------

    def _ready(self, guild_id: int) -> None:
        """Put the server in the ring when it has a request waiting and room in flight."""
        if (
            guild_id not in self._in_ring
            and self._queues.get(guild_id)
            and self._in_flight.get(guild_id, 0) < self.per_guild
        ):
            self._ring.append(guild_id)
            self._in_ring.add(guild_id)

    def _pump(self) -> None:
        """Start what can start: the next server in turn on an idle worker; more workers
        when requests wait and there is room for them."""
        if self._closed:
            return
        while self._ring:
            idle = [w for w in self._workers if w.task is None and w.alive and not w.exiting]
            if not idle:
                break
            guild_id = self._ring.popleft()
            self._in_ring.discard(guild_id)
            task = self._next(guild_id)
            if task is None:
                continue
            self._dispatch(self._choose(idle, task), task)
            self._ready(guild_id)
        wanted = len(self._ring) - len(self._starting)
        room = self.size - len(self._workers) - len(self._starting)
        for _ in range(max(0, min(wanted, room))):
            self._start_worker()

    def _next(self, guild_id: int) -> _Task | None:
        queue = self._queues.get(guild_id)
        while queue:
            task = queue.popleft()
            if not task.future.done():  # the asker has not given up
                if not queue:
                    del self._queues[guild_id]
                return task
        self._queues.pop(guild_id, None)
        return None

    @staticmethod
    def _choose(idle: list[_Worker], task: _Task) -> _Worker:
        if task.key is not None:
            for worker in idle:
                if task.key in worker.known:
                    return worker
        return idle[0]

    def _dispatch(self, worker: _Worker, task: _Task) -> None:
        worker.task = task
        self._in_flight[task.guild_id] = self._in_flight.get(task.guild_id, 0) + 1
        self._send(worker, task, with_source=task.key is not None and task.key not in worker.known)
        loop = asyncio.get_running_loop()
        worker.timer = loop.call_later(task.deadline, self._expired, worker, task)

    def _send(self, worker: _Worker, task: _Task, *, with_source: bool) -> None:
        source = task.source() if with_source and task.source is not None else None
        try:
            request = pickle.dumps(
                (task.fn, task.args, task.key, source), protocol=pickle.HIGHEST_PROTOCOL
            )
            data = _frame((task.id, request))
        except Exception as exc:  # an argument that does not pickle: a bug of ours
            self._finish(worker, task)
            task.future.set_exception(exc)
            return
        if task.key is not None:
            worker.known.put(task.key, None, size=source.size if source is not None else 0)
        worker.writer.write(data)

    def _finish(self, worker: _Worker, task: _Task) -> None:
        """`task` is over on `worker` (its result is set by the caller)."""
        if worker.timer is not None:
            worker.timer.cancel()
            worker.timer = None
        worker.task = None
        count = self._in_flight.get(task.guild_id, 0) - 1
        if count > 0:
            self._in_flight[task.guild_id] = count
        else:
            self._in_flight.pop(task.guild_id, None)
        self._ready(task.guild_id)
        self.stats.done += 1
        asyncio.get_running_loop().call_soon(self._pump)

    # --- workers -----------------------------------------------------------------------

    def _start_worker(self) -> None:
        starting = asyncio.create_task(self._start())
        self._starting.add(starting)
        starting.add_done_callback(self._starting.discard)

    async def _start(self) -> None:
        try:
            worker = await self._fork()
        except WorkerStartError as exc:
            log.error("%s pool: could not start a worker: %s", self.name, exc)
            self._start_failed_at = asyncio.get_running_loop().time()
            if not self._workers and len(self._starting) <= 1:
                self._fail_waiting(WorkUnavailable(UNAVAILABLE))
            return
        if self._closed:
            await self._kill(worker)
            return
        self._start_failed_at = None
        self.stats.started += 1
        self._workers.append(worker)
        worker.reading = asyncio.create_task(self._read(worker))
        log.info("%s pool: worker %s ready", self.name, worker.pid)
        self._pump()

    async def _fork(self) -> _Worker:
        pid, sock = await asyncio.to_thread(self.zygote.fork, self.limits)
        try:
            reader, writer = await asyncio.open_unix_connection(sock=sock)
        except BaseException:
            sock.close()
            await asyncio.to_thread(self.zygote.kill, pid)
            raise
        known: LRU[Hashable, None] = LRU(
            max_items=self.limits.max_articles, max_size=self.limits.max_chars
        )
        worker = _Worker(pid, reader, writer, known)
        try:
            async with asyncio.timeout(self.start_timeout):
                hello = await _read_frame(reader)
            if hello[1] != "ready":
                raise WorkerStartError(f"worker {pid} said {hello!r}")
        except (TimeoutError, asyncio.IncompleteReadError, pickle.UnpicklingError) as exc:
            await self._kill(worker)
            raise WorkerStartError(f"worker {pid} did not start: {exc!r}") from exc
        except BaseException:
            await self._kill(worker)
            raise
        return worker

    async def _read(self, worker: _Worker) -> None:
        """The worker's replies, until it closes its socket (exits, or is killed)."""
        try:
            while True:
                request_id, status, value = await _read_frame(worker.reader)
                task = worker.task
                if task is None or task.id != request_id:
                    continue  # a reply to a request that timed out: that worker is gone
                self._reply(worker, task, status, value)
        except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError):
            pass
        except Exception:
            log.exception("%s pool: reading from worker %s failed", self.name, worker.pid)
        finally:
            self._lost(worker)

    def _reply(self, worker: _Worker, task: _Task, status: str, value: Any) -> None:
        if status == "miss":  # it dropped the article: once more, with it
            self._send(worker, task, with_source=True)
            return
        if status == "memory":
            worker.exiting = True  # it exits: a new worker takes the next request
            self.stats.too_large += 1
            log.warning(
                "%s pool: guild %s: a request needed more memory than the cap (%s MB); "
                "worker %s is replaced",
                self.name,
                task.guild_id,
                (self.limits.memory_bytes or 0) // 2**20,
                worker.pid,
            )
        self._finish(worker, task)
        if task.future.done():
            return  # the asker gave up
        if status == "ok":
            task.future.set_result(value)
        elif status == "memory":
            task.future.set_exception(WorkTooLarge(task.too_big))
        else:
            task.future.set_exception(_rebuild_exception(value))

    def _expired(self, worker: _Worker, task: _Task) -> None:
        """`task` ran past its deadline: kill its worker, tell the asker."""
        if worker.task is not task:
            return
        self.stats.timeouts += 1
        log.warning(
            "%s pool: guild %s: a request ran past its %g s deadline; worker %s killed",
            self.name,
            task.guild_id,
            task.deadline,
            worker.pid,
        )
        self._retire(worker)
        self._finish(worker, task)
        if not task.future.done():
            task.future.set_exception(WorkTimeout(task.too_slow))
        self._chore(self._kill(worker))

    def _lost(self, worker: _Worker) -> None:
        """The worker's socket closed: it exited (or was killed)."""
        was_alive = worker.alive
        self._retire(worker)
        task = worker.task
        if task is not None:
            self._finish(worker, task)
            if not task.future.done():
                self.stats.crashes += 1
                log.warning(
                    "%s pool: guild %s: worker %s died during a request",
                    self.name,
                    task.guild_id,
                    worker.pid,
                )
                task.future.set_exception(WorkerCrashed(TRY_AGAIN))
        elif was_alive and not self._closed and not worker.exiting:
            log.warning("%s pool: worker %s exited", self.name, worker.pid)
        if not self._closed:
            self._pump()

    def _retire(self, worker: _Worker) -> None:
        """Nothing more goes to `worker`."""
        worker.alive = False
        if worker in self._workers:
            self._workers.remove(worker)
        worker.writer.close()

    async def _kill(self, worker: _Worker) -> None:
        self._retire(worker)
        await asyncio.to_thread(self.zygote.kill, worker.pid)

    def _chore(self, work: Any) -> None:
        chore = asyncio.ensure_future(work)
        self._chores.add(chore)
        chore.add_done_callback(self._chores.discard)

    def _fail_waiting(self, error: Exception) -> None:
        for queue in self._queues.values():
            for task in queue:
                if not task.future.done():
                    task.future.set_exception(error)
        self._queues.clear()
        self._ring.clear()
        self._in_ring.clear()

    async def close(self) -> None:
        """Fail what waits, stop the workers (their sockets close: they exit; killed if
        busy)."""
        self._closed = True
        for starting in list(self._starting):
            starting.cancel()
        for starting in list(self._starting):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await starting
        self._fail_waiting(WorkUnavailable(UNAVAILABLE))
        workers = list(self._workers)
        for worker in workers:
            busy = worker.task is not None
            self._retire(worker)
            if busy:
                await asyncio.to_thread(self.zygote.kill, worker.pid)
            if worker.reading is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker.reading
        if self._chores:
            await asyncio.gather(*self._chores, return_exceptions=True)


class Workers:
    """The bot's two pools and their zygote (module docstring). `zygote`: one to share
    (tests share one); otherwise the bot's own, stopped by `close`."""

    def __init__(self, settings: Settings, *, zygote: Zygote | None = None) -> None:
        self._own_zygote = zygote is None
        self.zygote = zygote if zygote is not None else Zygote()
        memory = settings.worker_memory_mb * 2**20 if settings.worker_memory_mb else None
        self.articles = WorkerPool(
            "articles",
            self.zygote,
            size=settings.analysis_workers,
            deadline=settings.analysis_timeout,
            limits=Limits(memory_bytes=memory, nice=ARTICLE_NICE, max_articles=1, max_chars=0),
            max_waiting=8,  # posts: seconds each at worst
        )
        self.answers = WorkerPool(
            "answers",
            self.zygote,
            size=settings.answer_workers,
            deadline=settings.answer_timeout,
            limits=Limits(memory_bytes=memory),
            max_waiting=200,  # questions: milliseconds each; a big server asks a lot at once
        )
        self._prestarting: asyncio.Task[None] | None = None

    def prestart(self) -> None:
        """Start the zygote in the background, so that the first request does not wait for
        its imports (about a second); workers still start when requests need them."""
        if self._prestarting is None:
            self._prestarting = asyncio.create_task(self._start_zygote())

    async def _start_zygote(self) -> None:
        try:
            await asyncio.to_thread(self.zygote.start)
        except WorkerStartError as exc:  # the first request tries again, and says so
            log.warning("the worker zygote did not start: %s", exc)

    async def close(self) -> None:
        if self._prestarting is not None:
            await self._prestarting
        await self.articles.close()
        await self.answers.close()
        if self._own_zygote:
            await asyncio.to_thread(self.zygote.close)


# --- the worker processes ---------------------------------------------------------------------


def _die_with_parent() -> None:
    """SIGKILL this process when its parent (the zygote) dies (Linux's PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _expected(exc: BaseException) -> bool:
    """An exception that is an answer (a user's mistake, a page without an article), not a
    bug: no traceback in the log."""
    from .web.errors import FetchError

    return isinstance(exc, UserError | FetchError)


def serve_worker(sock: socket.socket, limits: Limits) -> None:
    """A worker: run requests from `sock` until it closes (module docstring)."""
    _die_with_parent()
    if limits.nice:
        with contextlib.suppress(OSError):
            os.nice(limits.nice)
    if limits.memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    held: LRU[Hashable, Any] = LRU(max_items=limits.max_articles, max_size=limits.max_chars)
    inp = sock.makefile("rb")
    out = sock.makefile("wb")

    def reply(message: tuple[Any, ...]) -> None:
        out.write(_frame(message))
        out.flush()

    reply((0, "ready", os.getpid()))
    reserve: bytearray | None = bytearray(1 << 20)  # given back to answer "memory"
    while (frame := _read_frame_sync(inp)) is not None:
        request_id, request = frame
        message = _run_request(request_id, request, held)
        if message is None:
            continue
        data = None
        if message[1] != "memory":
            try:
                data = _frame(message)
            except MemoryError:
                pass
            except Exception as exc:  # a value or an exception that does not pickle
                failed = _exception_state(RuntimeError(repr(exc)), None)
                data = _frame((request_id, "raise", failed))
        message = None
        if data is None:  # out of memory: say so, and exit (a fresh worker replaces this one)
            held.clear()
            reserve = None
            gc.collect()
            reply((request_id, "memory", None))
            return
        out.write(data)
        out.flush()
    del reserve


def _run_request(
    request_id: int, request: bytes, held: LRU[Hashable, Any]
) -> tuple[Any, ...] | None:
    """The reply to one request (None for "forget"). Out of memory, the reply is "memory",
    made after this function returned: the traceback holds what used the memory."""
    fn: Any = None
    try:
        fn, args, key, source = pickle.loads(request)
        if fn == "forget":
            held.pop(args)
            return None
        if key is None:
            return (request_id, "ok", fn(*args))
        if source is not None and key not in held:
            held.put(key, source.prepare(), size=source.size)
        prepared = held.get(key)
        if prepared is None:
            return (request_id, "miss", None)
        return (request_id, "ok", fn(prepared, *args))
    except MemoryError:
        pass
    except Exception as exc:
        trace = None
        if not _expected(exc):
            trace = traceback.format_exc()
            log.error("worker %s: %s failed:\n%s", os.getpid(), fn, trace)
        return (request_id, "raise", _exception_state(exc, trace))
    return (request_id, "memory", None)


def _fork_worker(control: socket.socket, fd: int, limits: Limits) -> int:
    """Fork a worker on socket `fd`; its pid."""
    pid = os.fork()
    if pid:
        os.close(fd)
        return pid
    code = 0
    try:
        control.close()
        serve_worker(socket.socket(fileno=fd), limits)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def _reap(children: set[int]) -> None:
    for pid in list(children):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            children.discard(pid)


def zygote_main(argv: list[str]) -> int:
    """The zygote (argv: its control socket's fd, then the modules to preload)."""
    import importlib

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the bot stops it (its socket closes)
    logging.basicConfig(level=logging.WARNING, format="worker %(levelname)s %(name)s: %(message)s")
    control = socket.socket(fileno=int(argv[0]))
    for name in argv[1:]:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()  # what every worker shares stays out of their collections (and their pages)
    children: set[int] = set()
    control.send(pickle.dumps(("ready", os.getpid())))
    try:
        while True:
            readable, _, _ = select.select([control], [], [], 1.0)
            _reap(children)
            if not readable:
                continue
            data, fds, _, _ = socket.recv_fds(control, 65536, 1)
            if not data:
                break  # the bot closed its end: it is stopping, or gone
            command = pickle.loads(data)
            if command[0] == "fork" and fds:
                pid = _fork_worker(control, fds[0], command[1])
                children.add(pid)
                control.send(pickle.dumps(("pid", pid)))
            elif command[0] == "kill":
                pid = int(command[1])
                alive = pid in children
                if alive:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                control.send(pickle.dumps(("killed", alive)))
            else:
                for fd in fds:
                    os.close(fd)
                control.send(pickle.dumps(("error", f"unknown command {command[0]!r}")))
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    # Run the module's own `zygote_main`, not this copy's (`__main__`): what workers pickle
    # must be importable by the bot as `bot.workers...`.
    from bot.workers import zygote_main as main

    sys.exit(main(sys.argv[1:]))
