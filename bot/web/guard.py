"""Server-side request forgery guard: which URLs and which IP addresses may be fetched.

The rules are enforced in three places, so that no path reaches a private address:

1. `check_url()` runs on the posted URL and on every redirect target before any request:
   http/https only, no ``user:pass@`` part, no obfuscated numeric hosts (``2130706433``,
   ``0x7f.1``, ``127.1``), and literal IP addresses must be public.
2. `GuardedResolver` wraps the DNS resolver the connector uses: answers that are not public
   addresses are dropped, and a name with no public answer is refused. The check runs on the
   very answer the connection uses, so a name whose DNS answer changes between a "check" and
   the "connect" (DNS rebinding) gains nothing: there is no separate check.
3. `AddressGuard.socket_factory` is called by the connector for each address it is about to
   connect to (aiohttp's ``socket_factory`` hook) and refuses non-public ones. This covers
   literal IP URLs, which aiohttp never passes to the resolver, and anything else.

Public means: a globally routable unicast address. Refused: loopback (127/8, ::1), private
(10/8, 172.16/12, 192.168/16, fc00::/7), shared (100.64/10), link-local (169.254/16 including
169.254.169.254 cloud metadata, fe80::/10), multicast, reserved, unspecified (0.0.0.0, ::),
documentation and benchmarking ranges, site-local fec0::/10, and IPv6 forms that embed an
IPv4 address which is itself not public (::ffff:127.0.0.1, ::127.0.0.1, 6to4 2002::/16,
NAT64 64:ff9b::/96, Teredo). The IPv4-mapped (::ffff:8.8.8.8) and well-known NAT64
(64:ff9b::8.8.8.8) forms of a *public* IPv4 address are public: that is how a host with only
IPv6 reaches IPv4 sites. The deprecated IPv4-compatible form (::8.8.8.8), the local-use NAT64
prefix 64:ff9b:1::/48 (a site's own translator) and Teredo stay refused.

`AllowList` (the ``FETCH_ALLOW_HOSTS`` setting) names exceptions: host names (``localhost``,
``wiki.internal``) and IP addresses or networks (``127.0.0.1``, ``10.1.0.0/16``). A name on
the list may resolve to any address; an address on the list may be connected to whatever name
led there.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from .errors import BadURL, Refused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IANA special-purpose ranges, listed here so the verdict does not depend on the Python
# version's idea of `is_global` (which changed across 3.11-3.13 patch releases).
_SPECIAL_RANGES = """
    0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12
    192.0.0.0/24 192.0.2.0/24 192.88.99.0/24 192.168.0.0/16 198.18.0.0/15
    198.51.100.0/24 203.0.113.0/24 224.0.0.0/4 240.0.0.0/4
    ::/128 ::1/128 ::ffff:0:0/96 64:ff9b:1::/48 100::/64 2001::/23 2001:db8::/32
    3fff::/20 fc00::/7 fe80::/10 fec0::/10 ff00::/8
"""
_SPECIAL = tuple(ipaddress.ip_network(n) for n in _SPECIAL_RANGES.split())
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052
_NAT64 = (_NAT64_WELL_KNOWN, ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# A host made only of numbers (decimal, octal, hex) and dots: C's inet_aton() and many
# resolvers read "2130706433", "0x7f.1", "017700000001" or "127.1" as 127.0.0.1.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$", re.IGNORECASE)
_NUMERIC_LAST_LABEL = re.compile(r"\.(0x[0-9a-f]*|[0-9]+)\.?$", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_HOST_PORT = re.compile(r"^[a-z0-9.-]+:\d+(/|$)", re.IGNORECASE)  # "localhost:8080/x"


def non_public_reason(ip: IPAddress) -> str | None:
    """Why `ip` may not be fetched (a few words), or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = non_public_reason(embedded)
            if reason is not None:
                return f"{reason} (inside an IPv6 address)"
            if ip.ipv4_mapped is not None or ip in _NAT64_WELL_KNOWN:
                # ::ffff:a.b.c.d and 64:ff9b::a.b.c.d reach the IPv4 address itself (a
                # dual-stack socket, the network's NAT64 gateway): as public as it is. An
                # IPv6-only host sees every IPv4 site this way.
                return None
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "a site-local address"
    if ip.is_private:
        return "a private-network address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global or any(ip in net for net in _SPECIAL):
        return "not a public address"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64) or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def parse_ip(text: str) -> IPAddress | None:
    """`text` as an IP address (IPv6 brackets and zone ids allowed), or None."""
    text = text.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def normalize_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True, slots=True)
class AllowList:
    """Hosts that may be fetched although they are not public (``FETCH_ALLOW_HOSTS``)."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str] | str | None) -> AllowList:
        """From ``"localhost, 127.0.0.1 10.0.0.0/8"`` or a list of such entries."""
        if entries is None:
            return cls()
        if isinstance(entries, str):
            entries = re.split(r"[\s,]+", entries)
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            ip = parse_ip(entry)
            if ip is not None:
                networks.append(ipaddress.ip_network(ip))
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            name = normalize_host(entry)
            if not re.fullmatch(r"[a-z0-9_.-]+", name) or _NUMERIC_HOST.match(name):
                raise ValueError(f"FETCH_ALLOW_HOSTS: {entry!r} is not a host name or address")
            names.add(name)
        return cls(frozenset(names), tuple(networks))

    def allows_name(self, host: str) -> bool:
        return normalize_host(host) in self.names

    def allows_ip(self, ip: IPAddress) -> bool:
        return any(ip in net for net in self.networks)

    def __bool__(self) -> bool:
        return bool(self.names or self.networks)


def check_url(text: str, allow: AllowList) -> URL:
    """Parse and vet a URL given by a user or a redirect. Raises `BadURL` or `Refused`.

    A bare ``example.com/page`` gets ``https://``; ``<https://…>`` (Discord's no-embed
    form) is unwrapped. Returns the URL exactly as the request will use it.
    """
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if not text:
        raise BadURL("Please give a web address (https://…).")
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise BadURL("That web address contains spaces or control characters.")
    if "://" not in text and (not _SCHEME.match(text) or _HOST_PORT.match(text)):
        text = "https://" + text
    try:
        url = URL(text)
    except (ValueError, TypeError) as exc:
        raise BadURL("That is not a valid web address.", detail=f"{text!r}: {exc}") from exc
    return check_parsed_url(url, allow)


def check_parsed_url(url: URL, allow: AllowList) -> URL:
    """`check_url` for an already-parsed URL (redirect targets)."""
    if url.scheme not in ("http", "https"):
        shown = url.scheme or "that kind of"
        raise Refused(f"Only http and https links can be fetched, not {shown} links.")
    if url.raw_user is not None or url.raw_password is not None or "@" in (url.raw_authority):
        raise Refused("Links with a user name or password in them (user@host) are not accepted.")
    raw_host = url.raw_host
    if not raw_host:
        raise BadURL("That web address has no host name.")
    host = normalize_host(raw_host)
    ip = parse_ip(host)
    if ip is not None:
        if allow.allows_ip(ip) or allow.allows_name(host):
            return url
        reason = non_public_reason(ip)
        if reason is not None:
            shown = f"[{host}]" if ":" in host else host
            raise Refused(f"I don't fetch {shown}: it is {reason}.")
        return url
    if _NUMERIC_HOST.match(host) or _NUMERIC_LAST_LABEL.search(host):
        raise Refused(f"I don't fetch {host}: numeric addresses must be written as a.b.c.d.")
    if allow.allows_name(host):
        return url
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise Refused(f"I don't fetch {host}: it is not a public web host.")
    return url


class BlockedAddressError(OSError):
    """Raised inside the connector when a connection would go to a non-public address.

    It is an OSError so aiohttp wraps it like any connect failure; `bot.web.fetch` turns it
    back into `Refused`. Its `str()` is the same for every address, so that aiohttp's
    happy-eyeballs code keeps this exception type when every address of a host is refused.
    """

    def __init__(self, host: str, addresses: Iterable[str], reason: str) -> None:
        super().__init__("connection refused by the address guard")
        self.host = host
        self.addresses = tuple(addresses)
        self.reason = reason


@dataclass
class AddressGuard:
    """The connector-level half of the guard: shared by the resolver and the socket factory.

    `approved` holds addresses that allowed host names resolved to, so that the socket
    factory lets those through as well.
    """

    allow: AllowList
    approved: set[IPAddress] = field(default_factory=set)

    def ip_allowed(self, ip: IPAddress) -> bool:
        """For a name not on the allow list: public, or an address on the list."""
        return self.allow.allows_ip(ip) or non_public_reason(ip) is None

    def may_connect(self, ip: IPAddress) -> bool:
        """For the socket factory, which sees no name: also what allowed names resolved to."""
        return ip in self.approved or self.ip_allowed(ip)

    def socket_factory(
        self, addr_info: tuple[int, int, int, str, tuple[object, ...]]
    ) -> socket.socket:
        """aiohttp ``TCPConnector(socket_factory=...)``: last check before ``connect()``."""
        family, type_, proto, _, sockaddr = addr_info
        address = str(sockaddr[0])
        ip = parse_ip(address)
        if ip is None or not self.may_connect(ip):
            reason = non_public_reason(ip) if ip is not None else "not an IP address"
            raise BlockedAddressError(address, [address], reason or "not allowed")
        return socket.socket(family=family, type=type_, proto=proto)


class GuardedResolver(AbstractResolver):
    """Wraps a resolver and keeps only the answers the guard allows."""

    def __init__(self, inner: AbstractResolver, guard: AddressGuard) -> None:
        self._inner = inner
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        if self._guard.allow.allows_name(host):
            for answer in answers:
                ip = parse_ip(answer["host"])
                if ip is not None:
                    self._guard.approved.add(ip)
            return answers
        kept: list[ResolveResult] = []
        reasons: list[str] = []
        for answer in answers:
            ip = parse_ip(answer["host"])
            if ip is not None and self._guard.ip_allowed(ip):
                kept.append(answer)
            else:
                reasons.append((non_public_reason(ip) if ip else None) or "not an IP address")
        if not kept:
            raise BlockedAddressError(
                host, [a["host"] for a in answers], reasons[0] if reasons else "no address"
            )
        return kept

    async def close(self) -> None:
        await self._inner.close()
