"""When to check a feed again: the polling a site operator would welcome.

- Every feed is checked every `every` seconds (default 15 minutes, never under 5), and never
  sooner than the publisher asks: RSS `<ttl>`, `Cache-Control: max-age` (or `s-maxage`), and
  `Retry-After` on a 429 or 503. Nothing waits more than a day.
- A failing feed backs off: the wait doubles with each failure in a row, up to 6 hours; after
  `PAUSE_AFTER` failures in a row (about a day and a half at the default interval) it is paused
  and the channel told once. A `410 Gone` pauses it at once.
- Each feed's checks are spread by a fixed offset of up to 10% of its interval (from its id),
  so feeds added together do not stay in step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

DEFAULT_EVERY: Final = 15 * 60
MIN_EVERY: Final = 5 * 60
MAX_WAIT: Final = 24 * 3600
MAX_BACKOFF: Final = 6 * 3600
PAUSE_AFTER: Final = 10
_MAX_AGE: Final = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d{1,10})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Policy:
    """The polling rules (settings: `FEED_MIN_INTERVAL`)."""

    min_every: int = MIN_EVERY
    default_every: int = DEFAULT_EVERY
    max_wait: int = MAX_WAIT
    max_backoff: int = MAX_BACKOFF
    pause_after: int = PAUSE_AFTER

    def every(self, asked: int | None) -> int:
        """The interval for a feed whose moderators asked for `asked` seconds."""
        wanted = self.default_every if asked is None else asked
        return max(self.min_every, min(wanted, self.max_wait))

    def after_success(self, every: int, publisher: int, feed_id: int) -> int:
        """Seconds until the next check of a feed that answered."""
        wait = max(self.every(every), min(publisher, self.max_wait))
        return wait + spread(feed_id, wait)

    def after_failure(
        self, every: int, failures: int, feed_id: int, retry_after: float | None = None
    ) -> int:
        """Seconds until the next check of a feed that failed `failures` times in a row."""
        base = self.every(every)
        wait = min(base << max(0, min(failures - 1, 16)), max(base, self.max_backoff))
        if retry_after is not None:
            wait = max(wait, min(int(retry_after), self.max_wait))
        return wait + spread(feed_id, wait)


def spread(feed_id: int, wait: int) -> int:
    """A fixed offset of up to 10% of `wait` for this feed."""
    return (feed_id * 2654435761 % 1000) * wait // 10_000


def publisher_interval(ttl: int | None, headers: Mapping[str, str]) -> int:
    """Seconds the publisher asks clients to keep a copy: the largest of the RSS ttl and the
    response's max-age (0 when it says nothing)."""
    asked = ttl or 0
    match = _MAX_AGE.search(headers.get("cache-control", ""))
    if match:
        asked = max(asked, int(match.group(1)))
    return asked
