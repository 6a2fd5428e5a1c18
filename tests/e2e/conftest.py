"""Fixtures for end-to-end tests against the fake Discord (``tests/e2e/fakediscord``).

``fake``: a started :class:`FakeDiscord`, closed after the test. Options for its constructor
come from ``@pytest.mark.fakediscord(privileged_intents_allowed=False, ...)``. When the test
passed, the fixture also fails it if the fake rejected any request the test did not take with
``fake.take_errors()`` (mark ``@pytest.mark.discord_errors_ok`` to allow them).

``error_logs`` (used by every test here): any log record at ERROR or above, from any logger or
thread, that the test did not expect fails it. A test expects one with
``error_logs.expect(r"regex", logger="discord.client")`` (searched in the message and the
exception) or ``@pytest.mark.expected_errors(r"regex", ...)``; ``error_logs.take()`` returns
what was logged so far and accepts it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

import pytest

from tests.e2e.fakediscord import FakeDiscord


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fakediscord(**options): keyword arguments for the fake's FakeDiscord(...)"
    )
    config.addinivalue_line(
        "markers", "discord_errors_ok: rejected requests left in fake.errors do not fail the test"
    )
    config.addinivalue_line(
        "markers", "digestbot(**settings): Settings fields for the digestbot fixture's bot"
    )
    config.addinivalue_line(
        "markers",
        "expected_errors(*patterns): ERROR log records matching a regex do not fail the test",
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
    return report


_CALL_PASSED = pytest.StashKey[bool]()


@pytest.fixture
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    marker = request.node.get_closest_marker("fakediscord")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    async with FakeDiscord(**options) as server:
        yield server
        passed = request.node.stash.get(_CALL_PASSED, False)
        if passed and not request.node.get_closest_marker("discord_errors_ok"):
            server.assert_no_errors()


class ErrorLogs(logging.Handler):
    """Collects every record at ERROR or above; some are expected, the rest fail the test."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.accepted: set[int] = set()
        self.expected: list[tuple[re.Pattern[str], str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def expect(self, pattern: str, *, logger: str = "") -> None:
        """Records whose text (message and exception) matches ``pattern``, from ``logger`` or
        one of its children (``""``: any), are expected."""
        self.expected.append((re.compile(pattern), logger))

    def take(self) -> list[logging.LogRecord]:
        """The records so far, accepted."""
        found = [r for r in self.records if id(r) not in self.accepted]
        self.accepted.update(id(r) for r in found)
        return found

    @staticmethod
    def text(record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text += f"\n{type(error).__name__}: {error}"
        return text

    def is_expected(self, record: logging.LogRecord) -> bool:
        if id(record) in self.accepted:
            return True
        for pattern, logger in self.expected:
            in_logger = not logger or record.name == logger or record.name.startswith(logger + ".")
            if in_logger and pattern.search(self.text(record)):
                return True
        return False

    def unexpected(self) -> list[logging.LogRecord]:
        return [r for r in self.records if not self.is_expected(r)]

    def report(self) -> str:
        lines = [f"{r.name}: {self.text(r)}" for r in self.unexpected()]
        return "unexpected ERROR log records:\n  " + "\n  ".join(lines)


@pytest.fixture(autouse=True)
def error_logs(request: pytest.FixtureRequest) -> Iterator[ErrorLogs]:
    handler = ErrorLogs()
    for marker in request.node.iter_markers("expected_errors"):
        for pattern in marker.args:
            handler.expect(pattern)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
    if request.node.stash.get(_CALL_PASSED, False) and handler.unexpected():
        pytest.fail(handler.report(), pytrace=False)


# The real bot against the fake (see tests/e2e/bot_fixtures.py).
from tests.e2e.bot_fixtures import digestbot, world  # noqa: E402, F401
