"""The one exception hierarchy of `bot.web`.

Every failure of fetching or extracting a page is a `FetchError` whose `str()` is a short
message meant for the person who posted the link (one sentence, no traceback, no internal
detail such as the address a host name resolved to). Callers show `str(exc)` to the user and
log `exc.detail` (and the traceback) for the operator::

    try:
        page = await fetch_and_extract(session, url)
    except FetchError as exc:
        log.info("fetch of %s failed: %s", url, exc.detail)
        await interaction.followup.send(str(exc), ephemeral=True)

Subclasses say what went wrong, so a caller can treat some kinds differently (for example
retry a `FetchTimeout` later, but never a `Refused`).
"""

from __future__ import annotations


class FetchError(Exception):
    """Base class. `str(exc)` is the user-facing message; `detail` is for logs."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail if detail is not None else message

    def __str__(self) -> str:
        return self.message


class BadURL(FetchError):
    """The text is not a usable web address."""


class Refused(FetchError):
    """The address is not allowed: private/loopback/link-local/... host, scheme, credentials."""


class TooManyRedirects(FetchError):
    """More redirects than `FetchSettings.max_redirects`, or a redirect loop."""


class ConnectFailed(FetchError):
    """The host could not be found or reached (DNS, refused connection, TLS)."""


class FetchTimeout(FetchError):
    """The server was too slow (connect or total time limit)."""


class HTTPStatus(FetchError):
    """The server answered with an error status (4xx/5xx). `retry_after`: the seconds its
    ``Retry-After`` header asked to wait, when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, detail=detail)
        self.status = status
        self.retry_after = retry_after


class TooLarge(FetchError):
    """The body is bigger than `FetchSettings.max_bytes` (after decompression)."""


class UnsupportedType(FetchError):
    """Not a web page or text: PDF, image, video, binary..."""

    def __init__(self, message: str, *, content_type: str, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.content_type = content_type


class NoArticle(FetchError):
    """The page holds no article text (script-only page, paywall, empty page)."""
