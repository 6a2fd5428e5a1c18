"""Run a bot as a subprocess (``python -m bot``) against a :class:`FakeDiscord`, as a user would.

Example::

    async with run_bot_process(fake, env={"DEV_GUILD_ID": str(guild.id)}) as proc:
        await fake.wait_ready(timeout=20)
        await fake.wait_for_request("PUT", "/commands$", timeout=20)
        ix = await fake.slash(channel, alice, "article list")
        ...
    assert proc.returncode == 0, proc.output

The child gets ``DISCORD_TOKEN``, ``DISCORD_API_BASE`` and ``DISCORD_GATEWAY_URL`` from
``fake.env()``, on top of the current environment and ``env``. Leaving the block sends SIGINT
(then SIGKILL after ``stop_timeout``); stdout and stderr are collected in ``proc.output``.
"""

# A ``timeout=`` argument on waits is this API's contract (as in asyncio.wait_for).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .fake import FakeDiscord


@dataclass(eq=False)
class BotProcess:
    fake: FakeDiscord
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    async def wait_for_output(self, text: str, *, timeout: float = 10.0) -> str:
        """The first output line containing ``text`` (fails early if the process exits)."""

        def check() -> str | None:
            found = next((line for line in self.lines if text in line), None)
            if found is None and self.process.returncode is not None:
                raise AssertionError(
                    f"the bot exited ({self.process.returncode}) before printing {text!r}:\n"
                    + self.output
                )
            return found

        return await self.fake.wait_until(check, timeout=timeout, what=f"output {text!r}")

    async def wait_exit(self, *, timeout: float = 10.0) -> int:
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def stop(self, *, sig: int = signal.SIGINT, timeout: float = 10.0) -> int:
        """Signal the process and wait for it; kill it if it does not exit in time."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.reader is not None:
            await self.reader
        return self.process.returncode if self.process.returncode is not None else -1

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.lines.append(line.decode(errors="replace"))
            self.fake._changed()
        self.fake._changed()


@contextlib.asynccontextmanager
async def run_bot_process(
    fake: FakeDiscord,
    *args: str,
    module: str = "bot",
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    stop_timeout: float = 10.0,
) -> AsyncIterator[BotProcess]:
    """``python -m module *args`` pointed at ``fake``; stopped with SIGINT on exit."""
    child_env = {**os.environ, **fake.env(), "PYTHONUNBUFFERED": "1", **(env or {})}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        env=child_env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    bot = BotProcess(fake, process)
    bot.reader = asyncio.create_task(bot._read())
    try:
        yield bot
    finally:
        await bot.stop(timeout=stop_timeout)
