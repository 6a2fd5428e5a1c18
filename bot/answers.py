"""Answering questions about articles, in this process or in a child process.

    answers = AnswerProcess()
    answers.start_soon()                    # spawns `python -m bot.answers` in the background
    if answers.ready:
        answer = await answers.answer(stored, question)   # Answer.of(answer_pages_for(...))
    await answers.close()

`prepare_article` (parse and index) and `answer_pages_for` (`find_passages`, then the pages
of `bot.render.answer_pages`) are what both sides run; `Answer` is what an answer is once
computed: its first page, and the pages "More" shows after it, pickled.

Why a child process: an answer is ~1 ms of pure Python, and fifty questions at once are
fifty such milliseconds in which the event loop does nothing else, so the burst's last
reply waits for all of them. The child does that work on another core, and parses the
articles it is asked about too (a parse is 2-50 ms, up to a second for a very long
article), so neither stalls the loop. What crosses the pipe is small: the question, and
the answer's pages back (measured ~0.15 ms of the loop's CPU per answer, against ~1.1 ms
to compute it in place); an article's text goes over once, and the child keeps it parsed
(least recently used dropped first, bounded like the bot's own: `bot.discussion`).

Requests are answered in the order they were sent (one child, one pipe), so an article
sent once is known to every later request; when the child has dropped it, it answers
"miss" and the request goes again with the article. When the child dies, pending answers
fail with `AnswerProcessGone` (the caller answers in-process) and `start_soon` starts a new
one at most every `restart_after` seconds.

Protocol: frames of a 4-byte big-endian length and a pickle, on the child's stdin (requests
`(id, key, source or None, question)`; id 0 with question None forgets `key`) and stdout
(`(id, "ok" | "miss" | "error", value)`, first `(0, "ready", pid)`). The child's stderr is
the parent's, and anything it prints goes there, not into the protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import os
import pickle
import signal
import struct
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .article import Article, find_passages, parse
from .lru import LRU
from .render import Page, answer_pages, not_covered_text, text_pages

if TYPE_CHECKING:
    from storage import StoredArticle

log = logging.getLogger(__name__)

MAX_PASSAGES = 9  # an answer's passages: the first message and two "More"
_HEADER = struct.Struct("!I")
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)  # where this `bot` package is
Key = tuple[int, int]  # (guild id, article number)


# --- what both sides run --------------------------------------------------------------------


def prepare_article(text: str, title: str | None, language: str | None = None) -> Article:
    """Parse a stored article (in the language it was stored with, so it parses as it did when
    posted) and build `find_passages`' index (cached on the Article: the first call builds it).
    Blocking: run it in an executor or the child."""
    article = parse(text, title=title, language=language)
    if article.paragraphs:
        find_passages(article, article.paragraphs[0].text, k=1)
    return article


def parse_title(stored: StoredArticle) -> str | None:
    """The title to re-parse `stored` with so that it parses as when it was posted: none when
    the title was taken from the article's first heading (given as a title, that heading
    would be dropped and the first section would lose its name)."""
    first = stored.paragraphs[0].heading if stored.paragraphs else None
    if first and stored.title and first.split() == stored.title.split():
        return None
    return stored.title


@dataclass(frozen=True, slots=True)
class AnswerSource:
    """What answering needs of a stored article (what goes to the child once)."""

    number: int
    title: str | None
    parse_title: str | None
    text: str
    headings: Mapping[int, str | None]
    language: str | None = None

    @classmethod
    def of(cls, stored: StoredArticle) -> AnswerSource:
        return cls(
            number=stored.number,
            title=stored.title,
            parse_title=parse_title(stored),
            text=stored.text,
            headings={p.number: p.heading for p in stored.paragraphs},
            language=stored.language,
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer's first page, and the pages "More" shows after it, pickled (`more`): an
    answer's "More" button stays for minutes, and thousands of answers' embeds held that long
    would lengthen every full pass of the garbage collector (bytes are not walked)."""

    first: Page
    more: bytes
    more_count: int

    @classmethod
    def of(cls, pages: Sequence[Page]) -> Answer:
        rest = list(pages[1:])
        more = pickle.dumps(rest, protocol=pickle.HIGHEST_PROTOCOL) if rest else b""
        return cls(pages[0], more, len(rest))

    def more_pages(self) -> list[Page]:
        pages: list[Page] = pickle.loads(self.more) if self.more_count else []
        return pages


def answer_pages_for(
    article: Article,
    question: str,
    *,
    number: int,
    title: str | None,
    headings: Mapping[int, str | None],
) -> list[Page]:
    """The pages answering `question` from article `number` (parsed: `article`); one plain
    page when the article does not cover it."""
    passages = find_passages(article, question, k=MAX_PASSAGES)
    if not passages:
        return text_pages(not_covered_text(number, title))
    return answer_pages(passages, number=number, title=title, question=question, headings=headings)


# --- the parent's side ----------------------------------------------------------------------


class AnswerProcessGone(Exception):
    """The answer process is not running, or it stopped with this answer pending."""


class AnswerError(Exception):
    """Answering failed in the child (its log has the traceback)."""


class AnswerProcess:
    """The child process that answers (see the module docstring). `ready` when it runs."""

    restart_after = 60.0  # seconds between attempts to (re)start the child
    start_timeout = 60.0

    def __init__(self, *, max_articles: int = 64, max_chars: int = 8_000_000) -> None:
        self.max_articles = max_articles
        self.max_chars = max_chars
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._starting: asyncio.Task[bool] | None = None
        self._tried_at: float | None = None
        self._ids = itertools.count(1)
        # id → (future, article, source sent with it, question)
        self._pending: dict[int, tuple[asyncio.Future[Answer], StoredArticle, bool, str]] = {}
        # the articles sent to the child, as far as known (it holds `max_articles` of them)
        self._known: LRU[Key, bool] = LRU(max_items=4 * max_articles)
        self._closed = False

    @property
    def ready(self) -> bool:
        return self._reader is not None and not self._reader.done()

    def start_soon(self) -> None:
        """Start the child in the background, unless it runs, is starting, or an attempt was
        made less than `restart_after` seconds ago."""
        if self.ready or self._closed or (self._starting and not self._starting.done()):
            return
        now = asyncio.get_running_loop().time()
        if self._tried_at is not None and now - self._tried_at < self.restart_after:
            return
        self._starting = asyncio.create_task(self.start())

    async def start(self) -> bool:
        """Start the child and wait until it is ready; False (logged) when it cannot start."""
        self._tried_at = asyncio.get_running_loop().time()
        path = os.environ.get("PYTHONPATH")
        roots = [_PACKAGE_ROOT, path] if path else [_PACKAGE_ROOT]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(roots)}
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.answers",
                str(self.max_articles),
                str(self.max_chars),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env=env,
            )
        except OSError as exc:
            log.warning("could not start the answer process: %s", exc)
            return False
        assert process.stdout is not None
        try:
            hello = await asyncio.wait_for(_read_frame(process.stdout), self.start_timeout)
        except (TimeoutError, asyncio.IncompleteReadError, pickle.UnpicklingError) as exc:
            log.warning("the answer process did not start: %r", exc)
            await _stop(process)
            return False
        except BaseException:  # cancelled (closing): no child is left behind
            process.kill()
            await _stop(process)
            raise
        if self._closed:
            await _stop(process)
            return False
        if self._process is not None:  # the one that died
            await _stop(self._process)
        self._process = process
        self._known.clear()
        self._reader = asyncio.create_task(self._read_answers(process.stdout))
        log.info("answer process %s ready", hello[2])
        return True

    def answer(self, stored: StoredArticle, question: str) -> asyncio.Future[Answer]:
        """The answer to `question` from `stored`, from the child (`AnswerProcessGone` when it
        is not ready or stops first; `AnswerError` when it fails)."""
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        if not self.ready:
            future.set_exception(AnswerProcessGone())
        else:
            key = (stored.guild_id, stored.number)
            self._send(future, stored, key not in self._known, question)
        return future

    def forget(self, guild_id: int, number: int) -> None:
        """Let the child drop an article (deleted)."""
        key = (guild_id, number)
        if self._known.pop(key) and self.ready:
            self._write((0, key, None, None))

    def _send(
        self, future: asyncio.Future[Answer], stored: StoredArticle, with_source: bool, q: str
    ) -> None:
        key = (stored.guild_id, stored.number)
        request_id = next(self._ids)
        self._pending[request_id] = (future, stored, with_source, q)
        self._write((request_id, key, AnswerSource.of(stored) if with_source else None, q))
        self._known.put(key, True)

    def _write(self, request: tuple[Any, ...]) -> None:
        assert self._process is not None and self._process.stdin is not None
        data = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        self._process.stdin.write(_HEADER.pack(len(data)) + data)

    async def _read_answers(self, stdout: asyncio.StreamReader) -> None:
        try:
            while True:
                request_id, status, value = await _read_frame(stdout)
                entry = self._pending.pop(request_id, None)
                if entry is None:
                    continue
                future, stored, with_source, question = entry
                if status == "miss" and not with_source:
                    self._send(future, stored, True, question)
                elif future.done():
                    pass  # the asker gave up
                elif status == "ok":
                    future.set_result(value)
                else:
                    future.set_exception(AnswerError(str(value)))
        except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError) as exc:
            if not self._closed:
                log.warning("the answer process stopped (%r); answering in-process", exc)
        except Exception:
            log.exception("reading from the answer process failed; answering in-process")
        finally:
            for future, *_ in self._pending.values():
                if not future.done():
                    future.set_exception(AnswerProcessGone())
            self._pending.clear()
            self._known.clear()

    async def close(self) -> None:
        """Stop the child (it exits when its stdin closes)."""
        self._closed = True
        if self._starting is not None:
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starting
        if self._process is not None:
            await _stop(self._process)
            self._process = None
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


async def _read_frame(stream: asyncio.StreamReader) -> Any:
    (size,) = _HEADER.unpack(await stream.readexactly(_HEADER.size))
    return pickle.loads(await stream.readexactly(size))


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Close its stdin (it exits), wait for it (kill it after 5 s)."""
    if process.stdin is not None:
        process.stdin.close()
    if process.returncode is None:
        try:
            await asyncio.wait_for(process.wait(), 5.0)
        except TimeoutError:
            process.kill()
            await process.wait()


# --- the child ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    article: Article
    source: AnswerSource


def _articles(max_articles: int, max_chars: int) -> LRU[Key, _Entry]:
    """The child's parsed articles, least recently used dropped first."""
    return LRU(max_items=max_articles, max_size=max_chars)


def _hold(articles: LRU[Key, _Entry], key: Key, source: AnswerSource) -> None:
    """Parse and keep `source` (an article never changes: one already held stays)."""
    if key not in articles:
        article = prepare_article(source.text, source.parse_title, source.language)
        articles.put(key, _Entry(article, source), size=len(source.text))


def _write_frame(out: IO[bytes], message: tuple[Any, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(data)) + data)
    out.flush()


def _read_request(inp: IO[bytes]) -> Any:
    header = inp.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    return pickle.loads(inp.read(size))


def serve(argv: list[str]) -> int:
    """The child (argv: max articles, max characters): answer requests from stdin until it
    closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it (stdin closes)
    logging.basicConfig(level=logging.WARNING, format="answers %(levelname)s %(name)s: %(message)s")
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print goes to stderr, not into the protocol
    inp = sys.stdin.buffer
    articles = _articles(int(argv[0]), int(argv[1]))
    gc.freeze()  # the start-up objects stay out of full passes (see bot.runner.settle_memory)
    _write_frame(out, (0, "ready", os.getpid()))
    while (request := _read_request(inp)) is not None:
        request_id, key, source, question = request
        if question is None:
            articles.pop(key)
            continue
        try:
            if source is not None:
                _hold(articles, key, source)
            entry = articles.get(key)
            if entry is None:
                reply: tuple[Any, ...] = (request_id, "miss", None)
            else:
                pages = answer_pages_for(
                    entry.article,
                    question,
                    number=entry.source.number,
                    title=entry.source.title,
                    headings=entry.source.headings,
                )
                reply = (request_id, "ok", Answer.of(pages))
        except Exception as exc:
            log.exception("answering a question about article %s failed", key)
            reply = (request_id, "error", f"{type(exc).__name__}: {exc}")
        _write_frame(out, reply)
    return 0


if __name__ == "__main__":
    # Run the module's `serve`, not this copy's (`__main__`): what it pickles must be
    # importable by the parent as `bot.answers.Answer`.
    from bot.answers import serve as serve_answers

    sys.exit(serve_answers(sys.argv[1:]))
