"""Feeds: a channel follows a site's RSS, Atom or JSON feed, and each new item arrives as a
digest to discuss (`cogs/feeds.py` is the commands; this package does the work, testable
without Discord).

- `parse`: feeds in, items out (`parse_feed`, `discover_feeds`, `html_text`).
- `items`: what makes two items the same (`item_keys`, `normalise_url`).
- `policy`: when to check a feed again (`Policy`, `publisher_interval`).
- `clock`: `SystemClock` for the bot, `ManualClock` for the tests.
- `service`: `FeedService`, the scheduler, the checks and the outbox.
"""

from .clock import Clock, ManualClock, SystemClock
from .items import item_keys, normalise_url
from .parse import (
    FeedItem,
    NotAFeed,
    ParsedFeed,
    discover_feeds,
    html_text,
    is_feed_type,
    parse_feed,
)
from .policy import Policy, publisher_interval
from .service import Engine, FeedService, FeedSettings, Fetch, Poster, PostGone, Subscribed

__all__ = [
    "Clock",
    "Engine",
    "FeedItem",
    "FeedService",
    "FeedSettings",
    "Fetch",
    "ManualClock",
    "NotAFeed",
    "ParsedFeed",
    "Policy",
    "PostGone",
    "Poster",
    "Subscribed",
    "SystemClock",
    "discover_feeds",
    "html_text",
    "is_feed_type",
    "item_keys",
    "normalise_url",
    "parse_feed",
    "publisher_interval",
]
