"""Fetch a web page for the article pipeline, safely enough to expose to a whole server.

Typical use in the bot (one session for the bot's lifetime)::

    settings = FetchSettings(allow_hosts=config.fetch_allow_hosts)   # FETCH_ALLOW_HOSTS
    session = make_session(settings)             # in setup_hook; `await session.close()` in close
    try:
        fetched = await fetch_article(session, url)  # I/O, on the event loop
        page = extract_page(fetched)  # CPU work: the bot runs it in a worker process
    except FetchError as exc:                    # every failure; str(exc) is for the user
        await send(str(exc))
    article = bot.article.parse(page.text, title=page.title)   # store page.text and page.url

and in the offline CLI (``python -m bot digest <URL>``): ``page = fetch_url_sync(url)``.

Other resources (a feed: `bot.feeds`) go through the same guarded fetch:
``fetch_article(session, url, headers={"If-None-Match": etag}, accept=is_feed_type)`` sends
the extra request headers on every hop, takes the media types `accept` admits instead of an
article's, and returns a ``304 Not Modified`` as a `FetchedPage` with ``status == 304`` and no
body; `FetchedPage.headers` holds the response's headers (lower-case names), and an
`HTTPStatus` error its ``Retry-After``.

`fetch_article` (bytes only, no extraction) and `extract_page` split the two steps when the
caller wants them apart. Only sessions made by `make_session` are accepted: their connector
carries the address guard (`bot.web.guard`), which checks the IP address of every connection,
so a redirect, a DNS answer that changes between a check and the connect, or a literal IP
cannot reach a private address.

What a fetch does: http/https only; every redirect (at most `max_redirects`) is followed by
hand and checked like the first URL; cookies live for one fetch only; the body is streamed
and abandoned past `max_bytes` (decompressed size, so a gzip bomb stops too); gzip and
deflate always, brotli and zstd when aiohttp has them (``aiohttp[speedups]``); accepted
types are HTML, XHTML, plain text and Markdown (a body with no type is sniffed); timeouts
for connecting and for the whole fetch, redirects included. No proxy from the environment.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from .charset import UNSPECIFIC_TYPES, ContentType, sniff_kind
from .errors import (
    ConnectFailed,
    FetchError,
    FetchTimeout,
    HTTPStatus,
    Refused,
    TooLarge,
    TooManyRedirects,
    UnsupportedType,
)
from .extract import ExtractedPage, extract_text, unsupported_message
from .guard import AddressGuard, AllowList, BlockedAddressError, GuardedResolver, check_parsed_url
from .guard import check_url as _check_url

log = logging.getLogger(__name__)

USER_AGENT = "Mozilla/5.0 (compatible; digestbot/0.1; +article digest bot for Discord)"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/markdown;q=0.8,text/plain;q=0.8,*/*;q=0.1"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TOTAL_TIMEOUT = 30.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """Limits of a fetch. `allow_hosts`: the ``FETCH_ALLOW_HOSTS`` entries (host names, IP
    addresses, CIDR networks) that may be fetched although they are not public."""

    allow_hosts: frozenset[str] = frozenset()
    max_bytes: int = DEFAULT_MAX_BYTES
    connect_timeout: float = 10.0
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    allow: AllowList = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_redirects < 0:
            raise ValueError("max_bytes must be positive and max_redirects not negative")
        if self.connect_timeout <= 0 or self.total_timeout <= 0:
            raise ValueError("timeouts must be positive")
        object.__setattr__(self, "allow_hosts", frozenset(self.allow_hosts))
        object.__setattr__(self, "allow", AllowList.parse(self.allow_hosts))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FetchSettings:
        """``FETCH_ALLOW_HOSTS`` (comma or space separated) and the optional
        ``FETCH_MAX_BYTES`` and ``FETCH_TIMEOUT`` (total seconds) from the environment."""
        env = os.environ if environ is None else environ
        hosts = frozenset(env.get("FETCH_ALLOW_HOSTS", "").replace(",", " ").split())
        max_bytes = env.get("FETCH_MAX_BYTES", "").strip()
        total = env.get("FETCH_TIMEOUT", "").strip()
        return cls(
            allow_hosts=hosts,
            max_bytes=int(max_bytes) if max_bytes else DEFAULT_MAX_BYTES,
            total_timeout=float(total) if total else DEFAULT_TOTAL_TIMEOUT,
        )


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A fetched body: `url` is the final URL (after redirects), `content_type` the header."""

    url: str
    requested_url: str
    status: int
    content_type: str
    body: bytes
    redirects: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names


class GuardedConnector(aiohttp.TCPConnector):
    """A TCPConnector whose resolver and socket factory enforce the address guard."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        resolver: AbstractResolver | None = None,
        limit: int = 20,
        limit_per_host: int = 4,
    ) -> None:
        self.settings = settings
        self.guard = AddressGuard(settings.allow)
        inner = resolver if resolver is not None else aiohttp.ThreadedResolver()
        super().__init__(
            resolver=GuardedResolver(inner, self.guard),
            socket_factory=self.guard.socket_factory,
            limit=limit,
            limit_per_host=limit_per_host,
        )


def make_session(
    settings: FetchSettings | None = None, *, resolver: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """The session to fetch pages with (call inside a running event loop; close it).

    `resolver` replaces the DNS resolver under the guard (tests use one that answers private
    addresses for test names). The session keeps no cookies, ignores proxy variables, and
    sends the User-Agent of `settings`.
    """
    settings = settings if settings is not None else FetchSettings()
    connector = GuardedConnector(settings, resolver=resolver)
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        headers={"User-Agent": settings.user_agent, "Accept": ACCEPT},
        timeout=aiohttp.ClientTimeout(
            total=settings.total_timeout, sock_connect=settings.connect_timeout
        ),
    )


def check_url(url: str, settings: FetchSettings | None = None) -> str:
    """Vet a URL without fetching it (for a quick answer before deferring a reply).

    Returns the normalized URL; raises `BadURL` or `Refused`.
    """
    settings = settings if settings is not None else FetchSettings()
    return str(_check_url(url, settings.allow))


async def fetch_article(
    session: aiohttp.ClientSession,
    url: str,
    *,
    settings: FetchSettings | None = None,
    headers: Mapping[str, str] | None = None,
    accept: Callable[[str], bool] | None = None,
) -> FetchedPage:
    """Fetch `url` and return its body. Raises a `FetchError` subclass on every failure.

    `settings` defaults to the ones the session was made with. `headers` are sent too (on
    every redirect as well); `accept(mime)` says which media types are wanted (default: an
    article's: HTML, XHTML, text, Markdown); a 304 answer is returned as it is.
    """
    connector = session.connector
    if not isinstance(connector, GuardedConnector):
        raise TypeError("fetch_article needs a session made by bot.web.make_session()")
    settings = settings if settings is not None else connector.settings
    target = _check_url(url, settings.allow)
    try:
        async with asyncio.timeout(settings.total_timeout):
            return await _fetch(session, target, settings, headers or {}, accept)
    except TimeoutError as exc:
        raise FetchTimeout(
            f"The site took too long to answer (over {settings.total_timeout:g} s).",
            detail=f"timeout fetching {target}",
        ) from exc


async def fetch_and_extract(
    session: aiohttp.ClientSession,
    url: str,
    *,
    settings: FetchSettings | None = None,
    executor: Executor | None = None,
) -> ExtractedPage:
    """`fetch_article` then `extract_page` in a worker thread (never blocks the loop)."""
    page = await fetch_article(session, url, settings=settings)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, extract_page, page)


def extract_page(page: FetchedPage) -> ExtractedPage:
    """The article of a fetched page (CPU work: run it in a thread). Raises `NoArticle`."""
    return extract_text(page.body, page.content_type, url=page.url)


def fetch_url_sync(url: str, settings: FetchSettings | None = None) -> ExtractedPage:
    """Fetch and extract in a fresh event loop: for the offline CLI, not for the bot."""
    settings = settings if settings is not None else FetchSettings.from_env()

    async def run() -> ExtractedPage:
        async with make_session(settings) as session:
            return await fetch_and_extract(session, url, settings=settings)

    return asyncio.run(run())


def looks_like_url(text: str) -> bool:
    """Whether a CLI argument or message is a URL rather than a path or text."""
    head = text.strip().lower()
    return head.startswith(("http://", "https://", "<http://", "<https://"))


async def _fetch(
    session: aiohttp.ClientSession,
    url: URL,
    settings: FetchSettings,
    extra: Mapping[str, str],
    accept: Callable[[str], bool] | None,
) -> FetchedPage:
    requested = str(url)
    hops: list[str] = []
    cookies: list[tuple[str, bool, str, str]] = []  # (host or domain, is domain, name, value)
    timeout = aiohttp.ClientTimeout(
        total=settings.total_timeout, sock_connect=settings.connect_timeout
    )
    while True:
        try:
            async with session.get(
                url,
                allow_redirects=False,
                timeout=timeout,
                cookies=_cookies_for(cookies, url),
                headers={**extra, "User-Agent": settings.user_agent},
            ) as resp:
                _keep_cookies(cookies, resp)
                if resp.status in _REDIRECTS and "Location" in resp.headers:
                    location = resp.headers["Location"]
                    if len(hops) >= settings.max_redirects:
                        raise TooManyRedirects(
                            f"That link redirects too many times (more than "
                            f"{settings.max_redirects}).",
                            detail=f"{requested}: redirects {[*hops, str(url)]}",
                        )
                    hops.append(str(url))
                    try:
                        next_url = resp.url.join(URL(location))
                    except ValueError as exc:
                        raise ConnectFailed(
                            "That link redirects to an invalid address.",
                            detail=f"{url} -> {location!r}",
                        ) from exc
                    url = check_parsed_url(next_url, settings.allow)
                    continue
                return await _read(resp, requested, hops, settings, accept)
        except FetchError:
            raise
        except aiohttp.ClientConnectorError as exc:
            raise _connect_error(url, exc) from exc
        except aiohttp.ClientPayloadError as exc:
            raise ConnectFailed(
                "The site sent a broken or badly compressed page.", detail=f"{url}: {exc}"
            ) from exc
        except aiohttp.TooManyRedirects as exc:  # pragma: no cover - redirects are manual
            raise TooManyRedirects("That link redirects too many times.") from exc
        except aiohttp.InvalidURL as exc:
            raise Refused("That address is not allowed.", detail=f"{url}: {exc}") from exc
        except TimeoutError:
            raise
        except (aiohttp.ClientError, OSError) as exc:
            raise ConnectFailed(
                "I couldn't download that page (the connection failed).", detail=f"{url}: {exc!r}"
            ) from exc


def _keep_cookies(jar: list[tuple[str, bool, str, str]], resp: aiohttp.ClientResponse) -> None:
    host = (resp.url.host or "").lower()
    for name, morsel in resp.cookies.items():
        domain = morsel["domain"].lstrip(".").lower()
        if domain and host != domain and not host.endswith("." + domain):
            continue  # a cookie for another site: ignored, as a browser would
        jar[:] = [c for c in jar if c[2] != name]
        jar.append((domain or host, bool(domain), name, morsel.value))


def _cookies_for(jar: list[tuple[str, bool, str, str]], url: URL) -> dict[str, str] | None:
    """Cookies set earlier in this fetch (a redirect's cookie check) that `url` should get."""
    host = (url.host or "").lower()
    sent = {
        name: value
        for where, is_domain, name, value in jar
        if host == where or (is_domain and host.endswith("." + where))
    }
    return sent or None


def _connect_error(url: URL, exc: aiohttp.ClientConnectorError) -> FetchError:
    cause: BaseException | None = exc.os_error
    while cause is not None and not isinstance(cause, BlockedAddressError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, BlockedAddressError):
        return Refused(
            f"I don't fetch {url.host}: it is not a public web address.",
            detail=f"{url}: {cause.host} -> {cause.addresses} ({cause.reason})",
        )
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return ConnectFailed(f"I couldn't find the site {url.host}.", detail=f"{url}: {exc}")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return ConnectFailed(
            f"{url.host} has a broken HTTPS certificate, so I didn't read it.",
            detail=f"{url}: {exc}",
        )
    return ConnectFailed(f"I couldn't connect to {url.host}.", detail=f"{url}: {exc}")


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """The seconds a ``Retry-After`` header asks to wait (a number, or an HTTP date), or None
    when there is none or it cannot be read."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


async def _read(
    resp: aiohttp.ClientResponse,
    requested: str,
    hops: list[str],
    settings: FetchSettings,
    accept: Callable[[str], bool] | None = None,
) -> FetchedPage:
    final = str(resp.url)
    headers = {k.lower(): v for k, v in resp.headers.items()}
    if resp.status == 304:
        return FetchedPage(final, requested, 304, "", b"", tuple(hops), headers)
    if resp.status >= 400 or resp.status < 200:
        raise HTTPStatus(
            _status_message(resp.status),
            status=resp.status,
            detail=f"{final}: {resp.status}",
            retry_after=retry_after(resp.headers.get("Retry-After")),
        )
    header = resp.headers.get("Content-Type", "")
    ctype = ContentType.parse(header)
    wanted = ctype.kind is not None if accept is None else accept(ctype.mime)
    if not wanted and ctype.mime not in UNSPECIFIC_TYPES:
        raise UnsupportedType(
            unsupported_message(ctype.mime), content_type=ctype.mime, detail=f"{final}: {header}"
        )
    too_large = TooLarge(
        f"That page is too large (over {settings.max_bytes // (1024 * 1024) or 1} MB).",
        detail=f"{final}: more than {settings.max_bytes} bytes",
    )
    if resp.content_length is not None and resp.content_length > settings.max_bytes:
        resp.close()
        raise too_large
    body = bytearray()
    async for chunk in resp.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > settings.max_bytes:
            resp.close()
            raise too_large
    data = bytes(body)
    if accept is None and ctype.kind is None:  # no usable Content-Type: look at the bytes
        kind = sniff_kind(data)
        if kind is None:
            raise UnsupportedType(
                unsupported_message(ctype.mime), content_type=ctype.mime, detail=f"{final}"
            )
        header = "text/html" if kind == "html" else "text/plain"
    log.debug("fetched %s (%d bytes, %s) after %d redirects", final, len(data), header, len(hops))
    return FetchedPage(
        url=final,
        requested_url=requested,
        status=resp.status,
        content_type=header,
        body=data,
        redirects=tuple(hops),
        headers=headers,
    )


def _status_message(status: int) -> str:
    if status == 404 or status == 410:
        return f"That page was not found (HTTP {status})."
    if status in (401, 403):
        return f"That site refused to show me the page (HTTP {status}); it may need a login."
    if status == 429:
        return "That site is limiting requests right now (HTTP 429); try again later."
    if status >= 500:
        return f"That site had an error (HTTP {status}); try again later."
    return f"That site answered with an error (HTTP {status})."
