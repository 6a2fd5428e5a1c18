"""Articles from the web: a fetcher safe to expose to a whole server, and the HTML extractor.

This package does network I/O; the engine (`bot.article`) never imports it.

For the bot (one session, made in ``setup_hook``, closed in ``close``)::

    from bot.web import FetchError, FetchSettings, fetch_and_extract, make_session

    settings = FetchSettings(allow_hosts=config.fetch_allow_hosts)  # FETCH_ALLOW_HOSTS
    session = make_session(settings)
    try:
        fetched = await fetch_article(session, url)  # I/O, on the event loop
        page = extract_page(fetched)  # CPU work: the bot runs it in a worker process
    except FetchError as exc:
        reply(str(exc))           # short, user-facing; exc.detail is for the log
    article = parse(page.text, title=page.title)
    # show page.title / page.author / page.site_name / page.date with page.url;
    # store page.text and page.url, never the raw page.

An ``.html``/``.md``/``.txt`` attachment goes through the same extractor::

    page = extract_text(data, attachment.content_type, filename=attachment.filename)
    # CPU work, like extract_page: the bot runs both in its worker processes (bot.workers)

For the CLI (``python -m bot digest <URL>``): ``if looks_like_url(arg): page =
fetch_url_sync(arg)`` (settings from the environment), then the same `parse`.

Errors (all `FetchError`, `str()` is the message for the user): `BadURL`, `Refused` (private
or non-public address, non-http scheme, ``user@host``), `TooManyRedirects`, `ConnectFailed`,
`FetchTimeout`, `HTTPStatus` (``.status``), `TooLarge`, `UnsupportedType`
(``.content_type``), `NoArticle` (script-only page, paywall, empty page).
"""

from .charset import content_type_for_filename
from .errors import (
    BadURL,
    ConnectFailed,
    FetchError,
    FetchTimeout,
    HTTPStatus,
    NoArticle,
    Refused,
    TooLarge,
    TooManyRedirects,
    UnsupportedType,
)
from .extract import ExtractedPage, extract_html, extract_text
from .fetch import (
    FetchedPage,
    FetchSettings,
    check_url,
    extract_page,
    fetch_and_extract,
    fetch_article,
    fetch_url_sync,
    looks_like_url,
    make_session,
)
from .guard import AllowList

__all__ = [
    "AllowList",
    "BadURL",
    "ConnectFailed",
    "ExtractedPage",
    "FetchError",
    "FetchSettings",
    "FetchTimeout",
    "FetchedPage",
    "HTTPStatus",
    "NoArticle",
    "Refused",
    "TooLarge",
    "TooManyRedirects",
    "UnsupportedType",
    "check_url",
    "content_type_for_filename",
    "extract_html",
    "extract_page",
    "extract_text",
    "fetch_and_extract",
    "fetch_article",
    "fetch_url_sync",
    "looks_like_url",
    "make_session",
]
