"""Fixtures for end-to-end tests against the fake Discord (``tests/e2e/fakediscord``).

``fake``: a started :class:`FakeDiscord`, closed after the test. Options for its constructor
come from ``@pytest.mark.fakediscord(privileged_intents_allowed=False, ...)``. When the test
passed, the fixture also fails it if the fake rejected any request the test did not take with
``fake.take_errors()`` (mark ``@pytest.mark.discord_errors_ok`` to allow them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
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


# The real bot against the fake (see tests/e2e/bot_fixtures.py).
from tests.e2e.bot_fixtures import digestbot, world  # noqa: E402, F401
