"""Feeds in, items out: RSS 0.9x/1.0/2.0 and Atom through `feedparser`, JSON Feed (1.0 and
1.1, which feedparser does not read) here, and the feeds a web page links to.

- `parse_feed(body, content_type, url)` → `ParsedFeed` (title, site, ttl, items in the
  feed's order), or `NotAFeed` (its `str()` is for the user). Links are made absolute against
  the feed's address (and `xml:base`); HTML in titles and summaries becomes plain text
  (`html_text`); an item without a date or an id keeps None (the caller dedupes by link and
  content). Malformed XML is read by feedparser's forgiving parser when it can be.
- `discover_feeds(body, url)` → the feeds a page announces with `<link rel="alternate"
  type="application/rss+xml|atom+xml|feed+json">`, absolute, in page order.
- `is_feed_type(mime)`: the media types a feed (or a page that links one) comes as.

CPU work (a large feed takes a while): the bot runs it off the event loop. Linear in the
input: feedparser's SAX parser, `json`, and one pass of `html.parser` per summary.
"""

from __future__ import annotations

import calendar
import html
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import feedparser

from bot.web.charset import ContentType, decode

__all__ = [
    "FeedItem",
    "NotAFeed",
    "ParsedFeed",
    "discover_feeds",
    "html_text",
    "is_feed_type",
    "parse_feed",
]

FEED_TYPES: Final = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "application/xml",
        "text/xml",
        "text/rss+xml",
        "text/atom+xml",
        "application/x-rss+xml",
    }
)
PAGE_TYPES: Final = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
JSON_FEED_VERSION: Final = re.compile(r"^https?://jsonfeed\.org/version/1(\.\d+)?/?$")
MAX_ITEMS: Final = 500  # a feed's items read at most (a feed lists its newest; more is abuse)
TITLE_LIMIT: Final = 300
_BLOCKS: Final = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "hr",
        "dd",
        "dt",
        "dl",
    ]
)
_SKIPPED: Final = frozenset({"script", "style", "template", "noscript", "iframe", "object"})
_SPACES: Final = re.compile(r"[ \t\r\f\v\u00a0]+")
_BREAKS: Final = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINK_TAG: Final = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE: Final = re.compile(
    r"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE
)
_ALTERNATE_TYPES: Final = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
)


class NotAFeed(Exception):
    """The body is not a feed this bot can read; `str()` says so to the user."""


def is_feed_type(mime: str) -> bool:
    """Whether a response of this media type may be a feed or a page that links one."""
    return mime in FEED_TYPES or mime in PAGE_TYPES or mime.endswith(("+xml", "+json"))


@dataclass(frozen=True, slots=True)
class FeedItem:
    guid: str | None
    link: str | None  # absolute http(s), or None
    title: str | None  # plain text
    published: datetime | None  # UTC
    text: str  # the item's own content (or summary) as plain text, paragraphs by blank lines


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    kind: str  # "rss20", "atom10", "json feed 1.1"...
    title: str | None
    site_url: str | None
    ttl: int | None  # seconds the publisher asks feeds to be cached (RSS <ttl>, minutes)
    items: list[FeedItem] = field(default_factory=list)


class _TextOf(HTMLParser):
    """Plain text of an HTML fragment: block elements end paragraphs, scripts are dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data.replace("\n", " "))


def html_text(fragment: str, *, is_html: bool = True) -> str:
    """The plain text of an HTML fragment (or, `is_html=False`, of plain text whose
    paragraphs are separated by blank lines): paragraphs separated by one blank line, spaces
    collapsed."""
    text = fragment
    if is_html and ("<" in fragment or "&" in fragment):
        parser = _TextOf()
        parser.feed(fragment)
        parser.close()
        text = "".join(parser.parts)
    elif is_html:
        text = fragment.replace("\n", " ")
    paragraphs = (_SPACES.sub(" ", p.replace("\n", " ")).strip() for p in _BREAKS.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def _line(value: Any) -> str | None:
    """A one-line plain text (a title), or None."""
    if not isinstance(value, str):
        return None
    text = " ".join(html_text(value).split())
    return text[:TITLE_LIMIT] or None


def _http_url(value: Any, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        absolute = urljoin(base, value.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return absolute


def _from_struct(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _from_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _looks_like_json(body: bytes) -> bool:
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def parse_feed(body: bytes, content_type: str, url: str) -> ParsedFeed:
    """The feed in `body` (fetched from `url`), or `NotAFeed`."""
    mime = ContentType.parse(content_type).mime
    if mime in ("application/feed+json", "application/json") or _looks_like_json(body):
        return _json_feed(body, url)
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": url, "content-type": content_type or ""},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    version = result.get("version") or ""
    entries = result.get("entries") or []
    if not version and not entries:
        if mime in PAGE_TYPES or body.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
            raise NotAFeed("That is a web page, not a feed, and it links no feed.")
        problem = result.get("bozo_exception")
        detail = f" ({problem})" if problem else ""
        raise NotAFeed(f"That is not an RSS, Atom or JSON feed I can read{detail}.")
    feed = result.get("feed") or {}
    ttl = feed.get("ttl")
    items = [_rss_item(entry, url) for entry in entries[:MAX_ITEMS]]
    return ParsedFeed(
        kind=version or "rss",
        title=_line(feed.get("title")),
        site_url=_http_url(feed.get("link"), url),
        ttl=int(ttl) * 60 if isinstance(ttl, str) and ttl.strip().isdigit() else None,
        items=[i for i in items if i is not None],
    )


def _rss_item(entry: Any, base: str) -> FeedItem | None:
    link = _http_url(entry.get("link"), base)
    if link is None:
        for candidate in entry.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate":
                link = _http_url(candidate.get("href"), base)
                if link:
                    break
    details = [c for c in entry.get("content") or [] if isinstance(c, dict)]
    summary = entry.get("summary_detail")
    if isinstance(summary, dict):
        details.append(summary)
    best = max(details, key=lambda d: len(d.get("value") or ""), default={})
    plain = best.get("type") == "text/plain"
    text = html_text(best.get("value") or "", is_html=not plain)
    guid = entry.get("id")
    item = FeedItem(
        guid=guid.strip()[:1000] if isinstance(guid, str) and guid.strip() else None,
        link=link,
        title=_line(entry.get("title")),
        published=_from_struct(entry.get("published_parsed") or entry.get("updated_parsed")),
        text=text,
    )
    return item if (item.guid or item.link or item.title or item.text) else None


def _json_feed(body: bytes, url: str) -> ParsedFeed:
    text, _ = decode(body, charset="utf-8")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise NotAFeed(f"That JSON feed is not valid JSON ({exc}).") from exc
    if not isinstance(data, dict) or not JSON_FEED_VERSION.match(str(data.get("version", ""))):
        raise NotAFeed("That is JSON, but not a JSON Feed (jsonfeed.org) I can read.")
    raw_items = data.get("items")
    if not isinstance(raw_items, list):
        raise NotAFeed("That JSON Feed has no list of items.")
    base = _http_url(data.get("feed_url"), url) or url
    items = []
    for raw in raw_items[:MAX_ITEMS]:
        if isinstance(raw, dict):
            item = _json_item(raw, base)
            if item is not None:
                items.append(item)
    version = str(data["version"]).rstrip("/").rsplit("/", 1)[-1]
    return ParsedFeed(
        kind=f"json feed {version}",
        title=_line(data.get("title")),
        site_url=_http_url(data.get("home_page_url"), base),
        ttl=None,
        items=items,
    )


def _json_item(raw: dict[str, Any], base: str) -> FeedItem | None:
    guid = raw.get("id")
    if isinstance(guid, int | float) and not isinstance(guid, bool):
        guid = str(guid)  # JSON Feed 1.0 feeds sometimes number their items
    link = _http_url(raw.get("url"), base) or _http_url(raw.get("external_url"), base)
    content = ""
    for name, is_html in (("content_html", True), ("content_text", False), ("summary", False)):
        value = raw.get(name)
        if isinstance(value, str) and value.strip():
            content = html_text(value, is_html=is_html)
            break
    item = FeedItem(
        guid=guid.strip()[:1000] if isinstance(guid, str) and guid.strip() else None,
        link=link,
        title=_line(raw.get("title")),
        published=_from_iso(raw.get("date_published")) or _from_iso(raw.get("date_modified")),
        text=content,
    )
    return item if (item.guid or item.link or item.title or item.text) else None


def discover_feeds(body: bytes, url: str, content_type: str = "") -> list[str]:
    """The feeds an HTML page links with `<link rel="alternate" type=...>`, absolute and in
    page order (only the page's first 256 KB are read: the links are in its head)."""
    text, _ = decode(body[: 256 * 1024], charset=ContentType.parse(content_type).charset, html=True)
    found: list[str] = []
    base = url
    for tag in _LINK_TAG.findall(text):
        attributes: dict[str, str] = {}
        for match in _ATTRIBUTE.finditer(tag):
            value = match.group(2) or match.group(3) or match.group(4) or ""
            attributes[match.group(1).lower()] = html.unescape(value)
        rel = attributes.get("rel", "").lower().split()
        kind = attributes.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _ALTERNATE_TYPES:
            link = _http_url(attributes.get("href"), base)
            if link and link not in found:
                found.append(link)
    return found
