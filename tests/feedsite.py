"""A news site on 127.0.0.1 for the feed tests (`tests/feeds`, `tests/e2e/test_feeds.py`,
`benchmarks/feeds.py`): the same items as RSS 2.0, RSS 0.91, RSS 1.0, Atom and JSON Feed,
with ETag / Last-Modified (a 304 when they match), and the awkward cases.

Routes: `/rss`, `/rss091`, `/rdf`, `/atom`, `/json` (the items of `site.items`, newest first),
`/home` (a page linking `/atom`), `/a/{slug}` (an item's article page; `site.paywalled` and
`site.missing` hold slugs served as a paywall or a 404), `/gzip` (the RSS gzipped),
`/moved` (301 to `/rss`), `/malformed` (RSS with broken XML), `/garbage`, `/huge` (a 20 MB
feed, streamed), `/drip` (a byte every 0.2 s), `/status/{code}` (with `Retry-After: 120` on
429 and 503), `/ttl` (RSS with `<ttl>` and `Cache-Control: max-age`), `/noguid` (items
without guid), `/feeds/{n}` (the `bench` feeds: 20 items each, for the benchmark).
`site.hits[path]` counts requests, `site.not_modified[path]` the 304s sent.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from aiohttp import web

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
TOPICS = [
    ("lighthouse", "The harbour council voted to restore the old lighthouse on the north pier."),
    ("orchard", "Volunteers planted four hundred apple trees in the community orchard."),
    ("tramway", "The city reopened the tramway line after eleven months of repairs."),
    ("observatory", "Astronomers at the hill observatory catalogued a new comet."),
    ("bakery", "A family bakery celebrated its hundredth year with free bread for all."),
    ("glacier", "Researchers measured the glacier retreating sixty metres since spring."),
    ("library", "The public library extended its opening hours to midnight on weekdays."),
    ("regatta", "Forty boats raced in the annual regatta despite strong winds."),
]


@dataclass
class Item:
    slug: str
    title: str
    summary: str
    published: datetime | None
    guid: bool = True

    def body(self) -> str:
        """The article page's text: four paragraphs with the item's own words."""
        word = self.slug.split("-")[0]
        return "\n".join(
            f"<p>{escape(p)}</p>"
            for p in (
                self.summary,
                f"The {word} project (file {self.slug}) cost 2.4 million euros, according to "
                f"the council's budget report published on Monday. Officials said the {word} "
                "work would finish before the summer season begins.",
                f"Residents gathered near the {word} to watch the ceremony. Many said they "
                "had waited years for the announcement and welcomed the decision warmly.",
                f"A spokesperson said the next phase of the {word} plan starts in March, "
                "when contractors will present detailed drawings to the public.",
            )
        )


def make_item(n: int, *, hours: int | None = None, guid: bool = True) -> Item:
    topic, sentence = TOPICS[n % len(TOPICS)]
    when = START + timedelta(hours=n if hours is None else hours)
    return Item(f"{topic}-{n}", f"{topic.title()} news {n}", sentence, when, guid)


@dataclass
class FeedSite:
    port: int = 0
    items: list[Item] = field(default_factory=list)  # newest first
    paywalled: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    hits: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)
    bench_items: int = 20
    bench_changed: set[int] = field(default_factory=set)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, *items: Item) -> None:
        self.items[:0] = list(items)

    # -- the formats -------------------------------------------------------------------

    def rss(self, items: list[Item] | None = None, *, extra: str = "", version: str = "2.0") -> str:
        entries = []
        for item in self.items if items is None else items:
            guid = f"<guid isPermaLink='false'>urn:item:{item.slug}</guid>" if item.guid else ""
            date = f"<pubDate>{format_datetime(item.published)}</pubDate>" if item.published else ""
            entries.append(
                f"<item><title>{escape(item.title)}</title><link>/a/{item.slug}</link>"
                f"<description>{escape('<p>' + item.summary + '</p>')}</description>"
                f"{guid}{date}</item>"
            )
        return (
            f"<?xml version='1.0' encoding='utf-8'?><rss version='{version}'><channel>"
            f"<title>Harbour Gazette</title><link>{self.url('/')}</link>{extra}"
            f"<description>Local news</description>{''.join(entries)}</channel></rss>"
        )

    def rdf(self) -> str:
        entries = "".join(
            f"<item rdf:about='{self.url('/a/' + i.slug)}'><title>{escape(i.title)}</title>"
            f"<link>{self.url('/a/' + i.slug)}</link><description>{escape(i.summary)}"
            "</description></item>"
            for i in self.items
        )
        return (
            "<?xml version='1.0'?><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'"
            " xmlns='http://purl.org/rss/1.0/'><channel rdf:about='x'><title>Harbour Gazette"
            f"</title><link>{self.url('/')}</link><description>d</description></channel>"
            f"{entries}</rdf:RDF>"
        )

    def atom(self) -> str:
        entries = "".join(
            f"<entry><title type='html'>{escape(i.title)}</title>"
            f"<link rel='alternate' href='a/{i.slug}'/><id>urn:item:{i.slug}</id>"
            + (f"<updated>{i.published.isoformat()}</updated>" if i.published else "")
            + f"<summary type='html'>{escape('<b>' + i.summary + '</b>')}</summary></entry>"
            for i in self.items
        )
        return (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
            f"xml:base='{self.url('/')}'><title>Harbour Gazette (Atom)</title>"
            f"<link href='{self.url('/')}'/><id>urn:feed</id>"
            f"<updated>{START.isoformat()}</updated>{entries}</feed>"
        )

    def json_feed(self) -> str:
        return json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "Harbour Gazette (JSON)",
                "home_page_url": self.url("/"),
                "feed_url": self.url("/json"),
                "items": [
                    {
                        "id": f"urn:item:{i.slug}",
                        "url": f"/a/{i.slug}",
                        "title": i.title,
                        "content_html": f"<p>{escape(i.summary)}</p>",
                        **({"date_published": i.published.isoformat()} if i.published else {}),
                    }
                    for i in self.items
                ],
            }
        )

    def bench_feed(self, n: int) -> str:
        shift = 1 if n in self.bench_changed else 0
        items = [make_item(n * 100 + k + shift) for k in range(self.bench_items)]
        return self.rss(items)


def _conditional(site: FeedSite, request: web.Request, body: bytes, ctype: str) -> web.Response:
    path = request.path
    site.hits[path] += 1
    digest = hashlib.sha1(body).hexdigest()
    etag = f'"{digest[:16]}"'
    modified = format_datetime(START + timedelta(seconds=int(digest[:5], 16)), usegmt=True)
    asked = request.headers.get("If-None-Match")
    if asked == etag or (asked is None and request.headers.get("If-Modified-Since") == modified):
        site.not_modified[path] += 1
        return web.Response(status=304, headers={"ETag": etag})
    return web.Response(
        body=body, headers={"Content-Type": ctype, "ETag": etag, "Last-Modified": modified}
    )


def build_app(site: FeedSite) -> web.Application:
    routes = web.RouteTableDef()
    rss_type = "application/rss+xml; charset=utf-8"

    @routes.get("/rss")
    async def rss(request: web.Request) -> web.Response:
        return _conditional(site, request, site.rss().encode(), rss_type)

    @routes.get("/rss091")
    async def rss091(request: web.Request) -> web.Response:
        return _conditional(site, request, site.rss(version="0.91").encode(), "text/xml")

    @routes.get("/rdf")
    async def rdf(request: web.Request) -> web.Response:
        return _conditional(site, request, site.rdf().encode(), "application/rdf+xml")

    @routes.get("/atom")
    async def atom(request: web.Request) -> web.Response:
        return _conditional(site, request, site.atom().encode(), "application/atom+xml")

    @routes.get("/json")
    async def json_route(request: web.Request) -> web.Response:
        return _conditional(site, request, site.json_feed().encode(), "application/feed+json")

    @routes.get("/ttl")
    async def ttl(request: web.Request) -> web.Response:
        response = _conditional(site, request, site.rss(extra="<ttl>60</ttl>").encode(), rss_type)
        response.headers["Cache-Control"] = "public, max-age=1800"
        return response

    @routes.get("/noguid")
    async def noguid(request: web.Request) -> web.Response:
        items = [Item(i.slug, i.title, i.summary, i.published, guid=False) for i in site.items]
        return _conditional(site, request, site.rss(items).encode(), rss_type)

    @routes.get("/home")
    async def home(request: web.Request) -> web.Response:
        site.hits[request.path] += 1
        page = (
            "<!doctype html><html><head><title>Harbour Gazette</title>"
            "<link rel='stylesheet' href='/s.css'>"
            '<link rel="alternate" type="application/atom+xml" title="News" href="/atom">'
            "</head><body><p>Welcome.</p></body></html>"
        )
        return web.Response(text=page, content_type="text/html")

    @routes.get("/a/{slug}")
    async def article(request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        site.hits["/a/"] += 1
        if slug in site.missing:
            return web.Response(status=404, text="<h1>Not found</h1>", content_type="text/html")
        found = next((i for i in site.items if i.slug == slug), None) or make_item(
            int(slug.rsplit("-", 1)[-1])
        )
        if slug in site.paywalled:
            body = (
                f"<h1>{escape(found.title)}</h1><p>Subscribe to continue reading. "
                "Already a subscriber? Log in.</p>"
            )
        else:
            body = f"<article><h1>{escape(found.title)}</h1>{found.body()}</article>"
        html = f"<!doctype html><html><head><title>{escape(found.title)}</title></head>"
        return web.Response(text=html + f"<body>{body}</body></html>", content_type="text/html")

    @routes.get("/gzip")
    async def gzipped(request: web.Request) -> web.Response:
        site.hits[request.path] += 1
        return web.Response(
            body=gzip.compress(site.rss().encode()),
            headers={"Content-Type": rss_type, "Content-Encoding": "gzip"},
        )

    @routes.get("/moved")
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/rss")

    @routes.get("/malformed")
    async def malformed(request: web.Request) -> web.Response:
        site.hits[request.path] += 1
        broken = site.rss().replace("</channel>", "").replace("Harbour Gazette", "Harbour & Co <")
        return web.Response(text=broken, content_type="application/rss+xml")

    @routes.get("/garbage")
    async def garbage(request: web.Request) -> web.Response:
        return web.Response(body=b"\x00\x01 not a feed {[", content_type="application/xml")

    @routes.get("/huge")
    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": rss_type})
        await response.prepare(request)
        chunk = site.rss().encode() * 8
        sent = 0
        try:
            while sent < 20 * 1024 * 1024:
                await response.write(chunk)
                sent += len(chunk)
        except (ConnectionError, RuntimeError):
            pass
        return response

    @routes.get("/drip")
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": rss_type})
        await response.prepare(request)
        try:
            for _ in range(50):
                await response.write(b" ")
                await asyncio.sleep(0.2)
        except (ConnectionError, RuntimeError):
            pass
        return response

    @routes.get("/status/{code:\\d+}")
    async def status(request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        site.hits[request.path] += 1
        headers = {"Retry-After": "120"} if code in (429, 503) else {}
        return web.Response(status=code, text="no", headers=headers)

    @routes.get("/feeds/{n:\\d+}")
    async def bench(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        return _conditional(site, request, site.bench_feed(n).encode(), rss_type)

    app = web.Application()
    app.add_routes(routes)
    return app


@asynccontextmanager
async def feed_site(items: int = 5) -> AsyncIterator[FeedSite]:
    site = FeedSite(items=[make_item(n) for n in reversed(range(items))])
    runner = web.AppRunner(build_app(site), handler_cancellation=True, access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await tcp.start()
    site.port = runner.addresses[0][1]
    try:
        yield site
    finally:
        await runner.cleanup()
