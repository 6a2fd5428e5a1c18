"""Fetch + extract + `bot.article.parse` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.article import parse
from bot.web import (
    ConnectFailed,
    FetchSettings,
    FetchTimeout,
    HTTPStatus,
    NoArticle,
    Refused,
    TooLarge,
    TooManyRedirects,
    UnsupportedType,
    fetch_and_extract,
    fetch_article,
    fetch_url_sync,
    make_session,
)

from .conftest import Counter, Site, StaticResolver, require_engine_list_and_cjk_rules

LOCAL = FetchSettings(allow_hosts=frozenset({"127.0.0.1"}))
NEWS_FURNITURE = [
    "cookies",
    "Accept all",
    "Advertisement",
    "Mattress",
    "Refinance",
    "Lakeside",
    "Related stories",
    "Mill Road crossing reopens",
    "riverrat",
    "Eleven months of detours",
    "Comments",
    "Most read",
    "robotics",
    "Share on",
    "morning briefing",
    "Politics",
    "Privacy policy",
    "All rights reserved",
    "Spotted an error",
]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with make_session(LOCAL, resolver=StaticResolver({})) as s:
        yield s


async def test_news_page_becomes_sections_without_furniture(
    site: Site, session: aiohttp.ClientSession
) -> None:
    page = await fetch_and_extract(session, site.url("/news"))
    assert page.title == "City council approves $48 million bridge repair plan"
    assert page.author == "Maria Okafor"
    assert page.site_name == "The Riverton Ledger"
    assert page.date == "2024-03-14"
    assert page.url == site.url("/news")
    for junk in NEWS_FURNITURE:
        assert junk not in page.text, junk
    article = parse(page.text, title=page.title)
    assert article.title == page.title
    headings = [s.heading for s in article.sections]
    assert headings == [None, "What the work involves", "Detours and traffic", "Who pays for it"]
    texts = [p.text for p in article.paragraphs]
    assert texts[0].startswith("The Riverton city council voted 7 to 2")
    assert any("Deck replacement: $29 million." in t for t in texts)  # the list is kept
    assert any("Nobody likes a detour" in t for t in texts)  # so is the block quote
    assert "We are borrowing money we may not have needed to borrow" in texts[-1]
    # the request was an honest one
    assert "digestbot" in site.headers["User-Agent"]
    assert "gzip" in site.headers["Accept-Encoding"]


async def test_blog_post_keeps_subheadings_lists_and_quote(
    site: Site, session: aiohttp.ClientSession
) -> None:
    page = await fetch_and_extract(session, site.url("/blog"))
    assert page.title == "Why our build went from 14 minutes to 90 seconds"
    assert page.author == "Priya Raman"
    assert page.date == "2023-11-02"
    assert "### What we cached" in page.text
    assert "- the linter's own cache directory, which alone saved forty seconds." in page.text
    assert "1. Tag the slow tests with a marker." in page.text
    assert "> We had spent a month arguing" in page.text
    for junk in ["Great write-up", "Leave a Reply", "Recent Posts", "Share this", "Previous:"]:
        assert junk not in page.text
    article = parse(page.text, title=page.title)
    headings = {s.heading for s in article.sections}
    assert {"Measure before you cut", "What we cached", "What we would do differently"} <= headings
    # list items are never headings, even short ones without end punctuation
    assert not any(h and h.startswith(("-", "1.")) for h in headings)


async def test_windows_1252_page_with_only_a_meta_charset(
    site: Site, session: aiohttp.ClientSession
) -> None:
    page = await fetch_and_extract(session, site.url("/cp1252"))
    assert page.title == "Café culture returns to the old market"
    for word in ["cafés", "crêperie", "€2.40", "£900", "“We wanted", "hasn’t", "naïve", "—", "…"]:
        assert word in page.text, word
    for mojibake in ["Ã", "â€", "\x80", "\x92", "\x85", "\ufffd"]:
        assert mojibake not in page.text
    assert [s.heading for s in parse(page.text, title=page.title).sections][1:] == [
        "Prices and opening hours",
        "What comes next",
    ]


@pytest.mark.parametrize("path", ["/sjis", "/sjis-undeclared"])
async def test_shift_jis_page(site: Site, session: aiohttp.ClientSession, path: str) -> None:
    page = await fetch_and_extract(session, site.url(path))
    assert page.title == "市立図書館が平日夜間の開館を開始"
    assert "約６割が「夜間の開館があれば利用したい」と答えた。" in page.text
    assert "\ufffd" not in page.text
    assert "## 自習室も拡張" in page.text
    require_engine_list_and_cjk_rules()
    article = parse(page.text, title=page.title)
    assert "自習室も拡張" in [s.heading for s in article.sections]


async def test_markdown_and_untyped_pages(site: Site, session: aiohttp.ClientSession) -> None:
    notes = await fetch_and_extract(session, site.url("/notes.md"))
    assert notes.title == "Release notes for version 2.0"
    assert notes.text.startswith("Version 2.0 replaces")
    assert "## Breaking changes" in notes.text
    untyped = await fetch_and_extract(session, site.url("/untyped"))  # sniffed as HTML
    assert untyped.title == "Why our build went from 14 minutes to 90 seconds"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/script-only", "JavaScript"),
        ("/paywall", "paywall"),
    ],
)
async def test_pages_without_an_article(
    site: Site, session: aiohttp.ClientSession, path: str, words: str
) -> None:
    with pytest.raises(NoArticle) as info:
        await fetch_and_extract(session, site.url(path))
    assert words in str(info.value)
    assert len(str(info.value)) < 120


async def test_http_errors_and_wrong_types(site: Site, session: aiohttp.ClientSession) -> None:
    with pytest.raises(HTTPStatus) as not_found:
        await fetch_article(session, site.url("/missing"))
    assert not_found.value.status == 404
    assert str(not_found.value) == "That page was not found (HTTP 404)."
    with pytest.raises(HTTPStatus) as broken:
        await fetch_article(session, site.url("/broken"))
    assert broken.value.status == 500
    assert "HTTP 500" in str(broken.value)
    with pytest.raises(UnsupportedType) as pdf:
        await fetch_article(session, site.url("/report.pdf"))
    assert pdf.value.content_type == "application/pdf"
    assert "PDF" in str(pdf.value)


async def test_gzip_and_deflate(site: Site, session: aiohttp.ClientSession) -> None:
    page = await fetch_and_extract(session, site.url("/gzip"))
    assert "## Who pays for it" in page.text
    assert "gzip" in site.headers["Accept-Encoding"]
    blog = await fetch_and_extract(session, site.url("/deflate"))
    assert "## Measure before you cut" in blog.text


@pytest.mark.parametrize("path", ["/big", "/big-declared", "/gzip-bomb"])
async def test_50_mb_bodies_are_cut_off(
    site: Site, session: aiohttp.ClientSession, path: str
) -> None:
    start = time.perf_counter()
    with pytest.raises(TooLarge) as info:
        await fetch_article(session, site.url(path))
    assert str(info.value) == "That page is too large (over 5 MB)."
    assert time.perf_counter() - start < 5
    await asyncio.sleep(0.05)  # let the server notice the closed connection
    assert not site.big_finished
    if path == "/big-declared":  # refused on the header, before reading the body
        assert site.big_sent < 10 * 1024 * 1024


@pytest.mark.parametrize("path", ["/slow", "/drip"])
async def test_slow_servers_time_out(site: Site, path: str) -> None:
    settings = FetchSettings(allow_hosts=frozenset({"127.0.0.1"}), total_timeout=0.5)
    async with make_session(settings, resolver=StaticResolver({})) as session:
        start = time.perf_counter()
        with pytest.raises(FetchTimeout) as info:
            await fetch_article(session, site.url(path))
        assert time.perf_counter() - start < 2
    assert "took too long" in str(info.value)


async def test_redirects(site: Site, session: aiohttp.ClientSession) -> None:
    page = await fetch_article(session, site.url("/redirect/5"))  # five redirects: fine
    assert len(page.redirects) == 5
    assert page.url == site.url("/news")
    assert page.requested_url == site.url("/redirect/5")
    with pytest.raises(TooManyRedirects) as six:
        await fetch_article(session, site.url("/redirect/6"))
    assert "more than 5" in str(six.value)
    with pytest.raises(TooManyRedirects):
        await fetch_article(session, site.url("/loop"))
    relative = await fetch_article(session, site.url("/relative"))
    assert relative.url == site.url("/blog")
    # a cookie set by a redirect is sent back within the same fetch, and forgotten after it
    checked = await fetch_article(session, site.url("/cookie-check"))
    assert checked.redirects == (site.url("/cookie-check"),)


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
        "http://2852039166/latest/meta-data/",
        "http://evil.test:{port}/",
        "http://127.0.0.2:{port}/",
        "file:///etc/passwd",
        "gopher://127.0.0.2:{port}/_GET",
        "http://user:pass@127.0.0.2:{port}/",
    ],
)
async def test_redirects_to_private_addresses_are_refused(
    site: Site, counter: Counter, target: str
) -> None:
    site.redirect_to["x"] = target.format(port=counter.port)
    resolver = StaticResolver({"evil.test": ["127.0.0.2"]})
    async with make_session(LOCAL, resolver=resolver) as session:
        with pytest.raises(Refused) as info:
            await fetch_article(session, site.url("/go/x"))
    assert len(str(info.value)) < 120
    assert counter.total == 0


async def test_connection_failures_are_short_messages(
    session: aiohttp.ClientSession,
) -> None:
    port = unused_port()
    with pytest.raises(ConnectFailed) as refused:
        await fetch_article(session, f"http://127.0.0.1:{port}/")
    assert str(refused.value) == "I couldn't connect to 127.0.0.1."
    with pytest.raises(ConnectFailed) as unknown:
        await fetch_article(session, "http://no-such-host.test/")
    assert str(unknown.value) == "I couldn't find the site no-such-host.test."


async def test_only_guarded_sessions_are_accepted(site: Site) -> None:
    async with aiohttp.ClientSession() as plain:
        with pytest.raises(TypeError):
            await fetch_article(plain, site.url("/news"), settings=LOCAL)


async def test_cli_helper_fetches_in_its_own_loop(site: Site) -> None:
    page = await asyncio.to_thread(fetch_url_sync, site.url("/blog"), LOCAL)
    assert page.title == "Why our build went from 14 minutes to 90 seconds"


def test_settings_from_env() -> None:
    settings = FetchSettings.from_env(
        {"FETCH_ALLOW_HOSTS": "localhost, 127.0.0.1 10.1.0.0/16", "FETCH_TIMEOUT": "12"}
    )
    assert settings.allow_hosts == {"localhost", "127.0.0.1", "10.1.0.0/16"}
    assert settings.total_timeout == 12
    assert settings.max_bytes == 5 * 1024 * 1024
    assert settings.max_redirects == 5
    with pytest.raises(ValueError, match="FETCH_ALLOW_HOSTS"):
        FetchSettings(allow_hosts=frozenset({"not a host!"}))


def unused_port() -> int:
    """A 127.0.0.1 port that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
