"""Local servers and a test DNS for the web tests. Every byte goes to 127.0.0.x or ::1 only.

- `site`: an aiohttp server on 127.0.0.1 serving the pages of tests/fixtures/web and the
  awkward cases (50 MB bodies, slow bodies, redirect chains, gzip, PDF, 404/500...).
- `counter`: a bare TCP server that counts the connections it accepts (127.0.0.1 and ::1 on
  one port, plus 127.0.0.2 on the same port), to prove a refused fetch never connected.
- `StaticResolver`: the DNS of the tests. It knows only the names given to it and never
  asks a real DNS server, so no query leaves the machine either.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import re
import socket
import zlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "web"
BIG = 50 * 1024 * 1024


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def require_engine_list_and_cjk_rules() -> None:
    """xfail the rest of a test when `bot.article.parse` lacks two rules the extractor's
    Markdown relies on: a "- item" line is a list item (never a heading), and "。" ends a
    sentence (so a Japanese paragraph is not a heading). Both belong to the engine (issue 2).
    """
    from bot.article import parse

    lists = parse("An opening paragraph that is long enough.\n\n- Short item\n- Another\n\nEnd.")
    cjk = parse("## 見出し\n\n短い段落です。\n\n次の段落です。")
    if any(s.heading and s.heading.startswith("-") for s in lists.sections) or [
        s.heading for s in cjk.sections
    ] != ["見出し"]:
        pytest.xfail("bot.article.parse lacks the list-item / CJK rules (engine, issue 2)")


class StaticResolver(AbstractResolver):
    """Answers from a table: name -> addresses (or a callable giving them, per call)."""

    def __init__(self, table: Mapping[str, Sequence[str] | Callable[[], Sequence[str]]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls.append(host)
        entry = self.table.get(host.lower().rstrip("."))
        if entry is None:
            raise OSError(socket.EAI_NONAME, f"test DNS: unknown name {host}")
        addresses = entry() if callable(entry) else entry
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in addresses
        ]

    async def close(self) -> None:
        return None


@dataclass
class Counter:
    """A TCP server on 127.0.0.1, ::1 and 127.0.0.2 (same port) counting connections."""

    port: int = 0
    by_host: dict[str, int] = field(default_factory=dict)
    servers: list[asyncio.Server] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_host.values())

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        local = writer.get_extra_info("sockname")[0]
        self.by_host[local] = self.by_host.get(local, 0) + 1
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            body = fixture_bytes("news.html")
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def counter() -> AsyncIterator[Counter]:
    c = Counter()
    first = await asyncio.start_server(c.handle, "127.0.0.1", 0)
    c.port = first.sockets[0].getsockname()[1]
    c.servers.append(first)
    c.servers.append(await asyncio.start_server(c.handle, "127.0.0.2", c.port))
    with contextlib.suppress(OSError):  # without IPv6 loopback the ::1 cases still hold
        c.servers.append(await asyncio.start_server(c.handle, "::1", c.port))
    yield c
    for server in c.servers:
        server.close()
        await server.wait_closed()


@dataclass
class Site:
    """The test web site: `url(path)` on 127.0.0.1, and what its handlers saw."""

    port: int = 0
    big_finished: bool = False
    big_sent: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    redirect_to: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _html(body: bytes, ctype: str = "text/html; charset=utf-8") -> web.Response:
    return web.Response(body=body, headers={"Content-Type": ctype})


def _build_app(site: Site) -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/news")
    async def news(request: web.Request) -> web.Response:
        site.headers = dict(request.headers)
        return _html(fixture_bytes("news.html"))

    @routes.get("/blog")
    async def blog(request: web.Request) -> web.Response:
        return _html(fixture_bytes("blog.html"))

    @routes.get("/cp1252")
    async def cp1252(request: web.Request) -> web.Response:
        return _html(fixture_bytes("cp1252.html"), "text/html")  # only the <meta> tells

    @routes.get("/sjis")
    async def sjis(request: web.Request) -> web.Response:
        return _html(fixture_bytes("shift_jis.html"), "text/html; charset=Shift_JIS")

    @routes.get("/sjis-undeclared")
    async def sjis_undeclared(request: web.Request) -> web.Response:
        data = re.sub(rb"<meta http-equiv[^>]*>\n", b"", fixture_bytes("shift_jis.html"))
        return _html(data, "text/html")

    @routes.get("/script-only")
    async def script_only(request: web.Request) -> web.Response:
        return _html(fixture_bytes("script_only.html"))

    @routes.get("/paywall")
    async def paywall(request: web.Request) -> web.Response:
        return _html(fixture_bytes("paywall.html"))

    @routes.get("/notes.md")
    async def notes(request: web.Request) -> web.Response:
        return _html(fixture_bytes("notes.md"), "text/markdown; charset=utf-8")

    @routes.get("/untyped")
    async def untyped(request: web.Request) -> web.Response:
        return web.Response(body=fixture_bytes("blog.html"), headers={"Content-Type": ""})

    @routes.get("/report.pdf")
    async def pdf(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.7\n" + b"0" * 5000, content_type="application/pdf")

    @routes.get("/missing")
    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, text="<h1>Not Found</h1>", content_type="text/html")

    @routes.get("/broken")
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="Internal Server Error")

    @routes.get("/gzip")
    async def gzipped(request: web.Request) -> web.Response:
        site.headers = dict(request.headers)
        return web.Response(
            body=gzip.compress(fixture_bytes("news.html")),
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
        )

    @routes.get("/deflate")
    async def deflated(request: web.Request) -> web.Response:
        return web.Response(
            body=zlib.compress(fixture_bytes("blog.html")),
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "deflate"},
        )

    @routes.get("/gzip-bomb")
    async def gzip_bomb(request: web.Request) -> web.StreamResponse:
        # 50 MB of HTML that travels as about 50 KB
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        parts = [z.compress(b"<html><body><p>")]
        chunk = b"a" * (1024 * 1024)
        parts += [z.compress(chunk) for _ in range(50)]
        parts.append(z.flush())
        return web.Response(
            body=b"".join(parts),
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        )

    async def _stream_big(request: web.Request, declare_length: bool) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        if declare_length:
            resp.content_length = BIG
        await resp.prepare(request)
        chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        try:
            while site.big_sent < BIG:  # generated as it goes: never 50 MB in memory
                await resp.write(chunk)
                site.big_sent += len(chunk)
            site.big_finished = True
        except (ConnectionError, RuntimeError):
            pass
        return resp

    @routes.get("/big")
    async def big(request: web.Request) -> web.StreamResponse:
        return await _stream_big(request, declare_length=False)

    @routes.get("/big-declared")
    async def big_declared(request: web.Request) -> web.StreamResponse:
        return await _stream_big(request, declare_length=True)

    @routes.get("/slow")
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(10)
        return _html(fixture_bytes("news.html"))

    @routes.get("/drip")
    async def drip(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        try:
            for _ in range(100):  # a byte every 0.1 s: each read is quick, the whole is not
                await resp.write(b"<")
                await asyncio.sleep(0.1)
        except (ConnectionError, RuntimeError):
            pass
        return resp

    @routes.get("/redirect/{n:\\d+}")
    async def redirect(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        target = "/news" if n <= 1 else f"/redirect/{n - 1}"
        raise web.HTTPFound(target)

    @routes.get("/loop")
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    @routes.get("/relative")
    async def relative(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("blog")

    @routes.get("/go/{name}")
    async def go(request: web.Request) -> web.Response:
        raise web.HTTPFound(site.redirect_to[request.match_info["name"]])

    @routes.get("/cookie-check")
    async def cookie_check(request: web.Request) -> web.Response:
        if request.cookies.get("seen") == "1":
            return _html(fixture_bytes("blog.html"))
        resp = web.HTTPFound("/cookie-check")
        resp.set_cookie("seen", "1")
        raise resp

    app = web.Application()
    app.add_routes(routes)
    return app


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    s = Site()
    runner = web.AppRunner(_build_app(s), handler_cancellation=True)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    s.port = runner.addresses[0][1]
    yield s
    await runner.cleanup()
