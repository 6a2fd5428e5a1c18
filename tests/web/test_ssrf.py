"""The SSRF table: every refused form, proven by a counting server to open no connection.

Traffic rules of these tests: fetches go only to 127.0.0.1, 127.0.0.2 and ::1 (where the
counting server listens). Private ranges other than loopback are tested without any
connection: `check_url` on the literal, the guarded resolver on a name the test DNS maps to
them, and the guard's socket factory on the address (it refuses before a socket exists).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import aiohttp
import pytest

from bot.web import BadURL, FetchError, FetchSettings, Refused, check_url, fetch_article
from bot.web.fetch import make_session
from bot.web.guard import (
    AddressGuard,
    AllowList,
    BlockedAddressError,
    GuardedResolver,
    non_public_reason,
)

from .conftest import Counter, StaticResolver

NOTHING_ALLOWED = FetchSettings()

# URLs that point at the counting server (loopback) in some disguise.
LOOPBACK_URLS = [
    "http://127.0.0.1:{port}/",
    "http://127.0.0.2:{port}/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::ffff:7f00:1]:{port}/",
    "http://[::127.0.0.1]:{port}/",
    "http://0.0.0.0:{port}/",
    "http://[::]:{port}/",
    "http://localhost:{port}/",
    "http://LOCALHOST.:{port}/",
    "http://foo.localhost:{port}/",
    "http://2130706433:{port}/",
    "http://0x7f.1:{port}/",
    "http://0x7f000001:{port}/",
    "http://017700000001:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://127.1:{port}/",
    "http://127.0.1:{port}/",
    "http://0:{port}/",
    "http://user@127.0.0.1:{port}/",
    "http://user:password@127.0.0.1:{port}/",
    "http://example.com@127.0.0.1:{port}/",
    "http://example.com:80@127.0.0.1:{port}/",
    "http://127.0.0.1:{port}#@example.com/",
    "http://127.0.0.1:{port}\\@example.com/",
    "https://127.0.0.1:{port}/",
    "gopher://127.0.0.1:{port}/_GET%20/",
    "ftp://127.0.0.1:{port}/",
    "dict://127.0.0.1:{port}/info",
    "ws://127.0.0.1:{port}/",
    "file:///etc/passwd",
    "file://127.0.0.1/etc/passwd",
    "javascript:alert(1)",
    "data:text/html,<p>hi</p>",
    "mailto:someone@example.com",
    "localhost:{port}",
    # names whose (test) DNS answers are loopback: refused on the answer itself
    "http://evil.test:{port}/",
    "http://evil6.test:{port}/",
    "http://mapped.test:{port}/",
    "http://mixed.test:{port}/",
    "http://zero.test:{port}/",
]

TEST_DNS: dict[str, list[str]] = {
    "evil.test": ["127.0.0.1"],
    "evil6.test": ["::1"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "mixed.test": ["127.0.0.2", "::1", "127.0.0.1"],
    "zero.test": ["0.0.0.0"],
    "localhost": ["127.0.0.1", "::1"],
    "foo.localhost": ["127.0.0.1"],
}


@pytest.mark.parametrize("template", LOOPBACK_URLS)
async def test_refused_without_any_connection(counter: Counter, template: str) -> None:
    url = template.format(port=counter.port)
    async with make_session(NOTHING_ALLOWED, resolver=StaticResolver(TEST_DNS)) as session:
        with pytest.raises((Refused, BadURL)) as info:
            await fetch_article(session, url)
    message = str(info.value)
    assert 0 < len(message) < 120 and "\n" not in message
    assert counter.total == 0, f"{url} reached the server"


async def test_the_counting_server_does_count(counter: Counter) -> None:
    """Control: with the address allowed, the same fetch does connect (so 0 above means 0)."""
    allowed = FetchSettings(allow_hosts=frozenset({"127.0.0.1", "evil.test"}))
    async with make_session(allowed, resolver=StaticResolver(TEST_DNS)) as session:
        page = await fetch_article(session, f"http://127.0.0.1:{counter.port}/")
        assert b"Harbor Street bridge" in page.body
        await fetch_article(session, f"http://evil.test:{counter.port}/")
    assert counter.by_host == {"127.0.0.1": 2}


async def test_allowed_name_does_not_open_its_addresses_to_other_names(counter: Counter) -> None:
    allowed = FetchSettings(allow_hosts=frozenset({"site.test"}))
    dns = StaticResolver({"site.test": ["127.0.0.1"], "evil.test": ["127.0.0.1"]})
    async with make_session(allowed, resolver=dns) as session:
        await fetch_article(session, f"http://site.test:{counter.port}/")
        with pytest.raises(Refused):
            await fetch_article(session, f"http://evil.test:{counter.port}/")
        with pytest.raises(Refused):
            await fetch_article(session, f"http://127.0.0.1:{counter.port}/")
    assert counter.total == 1


async def test_dns_answer_that_changes_is_checked_when_connecting(counter: Counter) -> None:
    """Rebinding: first answer allowed (127.0.0.2), the next one not (127.0.0.1)."""
    answers = iter([["127.0.0.2"]] + [["127.0.0.1"]] * 10)
    dns = StaticResolver({"rebind.test": lambda: next(answers)})
    allowed = FetchSettings(allow_hosts=frozenset({"127.0.0.2"}))
    async with make_session(allowed, resolver=dns) as session:
        await fetch_article(session, f"http://rebind.test:{counter.port}/")
        assert isinstance(session.connector, aiohttp.TCPConnector)
        session.connector.clear_dns_cache()  # the answer's TTL ran out
        with pytest.raises(Refused) as info:
            await fetch_article(session, f"http://rebind.test:{counter.port}/")
    assert str(info.value) == "I don't fetch rebind.test: it is not a public web address."
    assert "127.0.0.1" not in str(info.value)  # the internal answer is not told to the user
    assert counter.by_host == {"127.0.0.2": 1}
    assert dns.calls == ["rebind.test", "rebind.test"]  # one resolution per connection


async def test_the_connector_refuses_on_its_own(counter: Counter) -> None:
    """Without `fetch_article`'s URL check, the session itself still refuses."""
    async with make_session(NOTHING_ALLOWED, resolver=StaticResolver(TEST_DNS)) as session:
        for url in (
            f"http://127.0.0.1:{counter.port}/",  # literal: the socket factory refuses
            f"http://[::1]:{counter.port}/",
            f"http://evil.test:{counter.port}/",  # name: the resolver refuses
        ):
            with pytest.raises(aiohttp.ClientConnectorError) as info:
                await session.get(url)
            assert isinstance(info.value.os_error, BlockedAddressError)
    assert counter.total == 0


# ---- non-loopback addresses: refused with no connection at all -------------------------

PRIVATE = [
    "10.0.0.1",
    "10.255.255.254",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.0.1",
    "192.168.255.254",
    "169.254.169.254",
    "169.254.0.1",
    "100.64.0.1",
    "0.0.0.0",
    "0.1.2.3",
    "127.255.255.254",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "::1",
    "::",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd00::2",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "::10.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::7f00:1",
    "2002:a9fe:a9fe::1",
    "2002:7f00:1::1",
    "2001:db8::1",
    "2001::1",
    "100::1",
    "::ffff:100.64.0.1",
    "::ffff:192.0.2.1",
    "64:ff9b::c0a8:1",
    "64:ff9b::a00:1",
    "64:ff9b:1::808:808",  # the local-use NAT64 prefix: a site's own translator
    "::8.8.8.8",  # IPv4-compatible (deprecated)
]
PUBLIC = [
    "93.184.215.14",
    "8.8.8.8",
    "1.1.1.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    # how an IPv6-only host reaches public IPv4 sites
    "::ffff:808:808",  # ::ffff:8.8.8.8
    "::ffff:5db8:d70e",
    "64:ff9b::808:808",
    "64:ff9b::101:101",  # 64:ff9b::1.1.1.1
]


def _url_for(address: str) -> str:
    return f"http://[{address.replace('%', '%25')}]/" if ":" in address else f"http://{address}/"


@pytest.mark.parametrize("address", PRIVATE)
def test_private_literals_are_refused(address: str) -> None:
    ip = ipaddress.ip_address(address.split("%")[0])
    assert non_public_reason(ip) is not None
    with pytest.raises(Refused) as info:
        check_url(_url_for(address))
    assert str(info.value).startswith("I don't fetch ")


@pytest.mark.parametrize(
    "url",
    [
        "http://0xa9fea9fe/",  # 169.254.169.254
        "http://2852039166/",
        "http://0251.0376.0251.0376/",
        "http://169.254.43518/",
        "http://10.1/",
        "http://3232235521/",  # 192.168.0.1
        "http://metadata.google.internal/",
        "http://printer.local/",
        "http://example.123/",
    ],
)
def test_obfuscated_and_internal_hosts_are_refused(url: str) -> None:
    with pytest.raises(Refused):
        check_url(url)


@pytest.mark.parametrize("url", ["", "   ", "http://", "http://exa mple.com/", "http://[::1/"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(FetchError):
        check_url(url)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert non_public_reason(ipaddress.ip_address(address)) is None
    assert check_url(_url_for(address)) == _url_for(address)


def test_url_forms_users_paste() -> None:
    assert check_url("<https://example.com/a?b=1>") == "https://example.com/a?b=1"
    assert check_url("example.com/news/1") == "https://example.com/news/1"
    assert check_url("https://bücher.example/x") == "https://xn--bcher-kva.example/x"


@pytest.mark.parametrize("address", PRIVATE)
async def test_guarded_resolver_drops_private_answers(address: str) -> None:
    guard = AddressGuard(AllowList())
    resolver = GuardedResolver(StaticResolver({"inside.test": [address]}), guard)
    with pytest.raises(BlockedAddressError):
        await resolver.resolve("inside.test", 80)
    mixed = GuardedResolver(StaticResolver({"mixed.test": [address, "93.184.215.14"]}), guard)
    kept = await mixed.resolve("mixed.test", 80)
    assert [a["host"] for a in kept] == ["93.184.215.14"]


def _addr_info(address: str) -> tuple[int, int, int, str, tuple[object, ...]]:
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, 80, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 80))


@pytest.mark.parametrize("address", PRIVATE)
def test_socket_factory_refuses_before_a_socket_exists(address: str) -> None:
    guard = AddressGuard(AllowList())
    with pytest.raises(BlockedAddressError):
        guard.socket_factory(_addr_info(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_socket_factory_gives_public_addresses_a_socket(address: str) -> None:
    sock = AddressGuard(AllowList()).socket_factory(_addr_info(address))
    sock.close()  # created, never connected


def test_allow_list_entries() -> None:
    allow = AllowList.parse("localhost, Wiki.Internal. 127.0.0.1 10.1.0.0/16 ::1")
    assert allow.names == {"localhost", "wiki.internal"}
    check: Callable[[str], str] = lambda url: str(check_url(url))  # noqa: E731
    allowed = FetchSettings(allow_hosts=frozenset(allow.names | {"127.0.0.1", "10.1.0.0/16"}))
    for url in ("http://localhost/", "http://wiki.internal/", "http://10.1.2.3/"):
        assert check_url(url, allowed) == url
        with pytest.raises(Refused):
            check(url)
    with pytest.raises(Refused):  # the allow list never lets another scheme through
        check_url("gopher://localhost/", allowed)
    with pytest.raises(Refused):
        check_url("http://10.2.0.1/", allowed)
