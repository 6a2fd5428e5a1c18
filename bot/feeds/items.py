"""What makes two feed items the same: their keys.

An item has up to three 16-byte keys, and an item any of whose keys a channel has seen was
handled there already (`storage.feeds`):
- its guid (the feed's `<guid>`, `<id>` or JSON Feed `id`), scoped to the feed's address,
  since ids are unique only within a feed;
- its link, normalised (scheme and host in lower case, no default port, no fragment, no
  tracking parameters such as `utm_source`), so the same article in two feeds, or a feed
  that re-orders or re-titles its items, is still the same;
- its content (the text of its summary or content; with its title when that text is short),
  for items with neither guid nor link.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .parse import FeedItem

KEY_BYTES: Final = 16
CONTENT_ALONE: Final = 200  # characters of text that identify an item without its title
_TRACKING: Final = re.compile(
    r"^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|igshid|ref_src)$"
)
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def normalise_url(url: str) -> str:
    """`url` as a key: see the module's doc."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower()
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))


def _key(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).digest()[:KEY_BYTES]


def item_keys(feed_url: str, item: FeedItem) -> list[bytes]:
    """The item's keys (at least one for any item `bot.feeds.parse` returns)."""
    keys = []
    if item.guid:
        keys.append(_key("guid", normalise_url(feed_url), item.guid))
    if item.link:
        keys.append(_key("link", normalise_url(item.link)))
    text = " ".join(item.text.split())
    if len(text) >= CONTENT_ALONE:
        keys.append(_key("text", text))
    elif text or item.title:
        keys.append(_key("text", " ".join((item.title or "").split()), text))
    return keys
