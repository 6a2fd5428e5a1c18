"""A CPU-time limit for the tests that guard linear time (see tests/article/test_adversarial.py).

Wall-clock timeouts are at the mercy of a busy machine; CPU time is not: `cpu_limit(5)` fails
the block with `CPUTimeExceeded` once the process has spent 5 s of CPU in it, whatever else
runs on the machine. The interval timer counts user CPU time (ITIMER_VIRTUAL) and its signal
interrupts Python code and a running regular expression alike.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType


class CPUTimeExceeded(Exception):
    """The block used more CPU time than it was allowed."""


@contextlib.contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise CPUTimeExceeded(f"more than {seconds:g} s of CPU time")

    previous = signal.signal(signal.SIGVTALRM, expire)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    except CPUTimeExceeded as exc:
        # raised afresh here: the signal may have landed where the frame has no line number,
        # and pytest cannot show such a traceback
        raise CPUTimeExceeded(str(exc)) from None
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
