"""HTML (or text) in, the article as Markdown the engine parses out.

Two entry points, one path for fetched pages and uploaded files::

    page = extract_text(data, content_type, url=url)          # bytes + Content-Type header
    page = extract_html(html, url=url)                         # str or bytes of an HTML page
    article = bot.article.parse(page.text, title=page.title)

`ExtractedPage.text` is Markdown: ``##`` heading lines (``#`` for h1, ``###`` for h3, …),
one paragraph per line with a blank line between blocks, list items as ``- item`` /
``1. item`` lines (one list per block), block quotes as ``> text`` and table rows as
``- cell | cell`` lines. Navigation, adverts, comments, cookie banners, share bars and
related-links boxes are dropped (trafilatura). The page title is not repeated in the text:
pass it as ``title=``.

A page first goes through `bounds.bound_html`, which leaves real pages as they are and cuts
what would make lxml or trafilatura take more than linear time (thousands of attributes on a
tag, of inline elements in a row, of text nodes under paragraphs, of tags in all).

Both functions are CPU work (a few ms for a news page, about a second for a 5 MB page): in
the bot run them in a thread (``await asyncio.to_thread(extract_text, ...)``), as
`bot.web.fetch.fetch_and_extract` does. They raise `NoArticle` when the page has no article
text (a script-only page, a paywall teaser, an empty page) and `UnsupportedType` for bytes
that are not HTML, text or Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml.etree import _Element

from .bounds import bound_html
from .charset import UNSPECIFIC_TYPES, ContentType, content_type_for_filename, decode, sniff_kind
from .errors import NoArticle, UnsupportedType

# Below this many UTF-8 bytes of paragraph text (headings excluded) a page has no article.
# Bytes rather than characters, so a Japanese page (3 bytes a character) needs fewer.
MIN_ARTICLE_BYTES = 200
FAST_ABOVE_CHARS = 1_000_000

_SOURCE_HEADING_STR = re.compile(r"<h[2-6][\s>]", re.IGNORECASE)
_PAYWALL = re.compile(
    r"subscribe to (continue|keep) reading|already a subscriber|subscribers only|"
    r"(log|sign) in to (continue|read)|this (article|story|content) is (only )?"
    r"(available|reserved) (to|for) (subscribers|members)|create a free account to",
    re.IGNORECASE,
)
_NEEDS_SCRIPT = re.compile(
    r"enable javascript|javascript (is )?(required|disabled)|<div id=\"(root|app|__next)\"></div>",
    re.IGNORECASE,
)
_WS = re.compile(r"\s+")
_BLOCK_CONTAINERS = frozenset({"div", "body", "section", "main", "article", "done"})


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """An article ready for ``bot.article.parse(page.text, title=page.title)``.

    `date` is ISO ``YYYY-MM-DD`` when the page states one in its metadata; `site_name` may
    be the host name when the page names no site; `url` is the final URL after redirects.
    """

    text: str
    title: str | None = None
    author: str | None = None
    site_name: str | None = None
    date: str | None = None
    url: str | None = None


def extract_text(
    data: bytes,
    content_type: str | None = None,
    *,
    url: str | None = None,
    filename: str | None = None,
) -> ExtractedPage:
    """Bytes of a page or an uploaded file, with their Content-Type header if known.

    `filename` (an attachment's name) supplies the type when `content_type` is missing or
    generic. HTML goes through `extract_html`; plain text and Markdown are kept as they are
    (a leading ``# Title`` line of Markdown becomes the title).
    """
    ctype = ContentType.parse(content_type)
    kind = ctype.kind
    if kind is None and ctype.mime in UNSPECIFIC_TYPES and filename:
        kind = ContentType.parse(content_type_for_filename(filename)).kind
    if kind is None and ctype.mime in UNSPECIFIC_TYPES:
        kind = sniff_kind(data)
    if kind is None:
        raise UnsupportedType(
            unsupported_message(ctype.mime), content_type=ctype.mime, detail=f"type {ctype.mime!r}"
        )
    text, _codec = decode(data, charset=ctype.charset, html=kind == "html")
    if kind == "html":
        return extract_html(text, url=url)
    return _plain(text, markdown=kind == "markdown", url=url)


def unsupported_message(mime: str) -> str:
    if mime == "application/pdf":
        return "That link is a PDF, not a web page; I can only read web pages and text."
    if mime.startswith(("image/", "video/", "audio/")):
        return f"That link is {mime.split('/')[0]}, not a web page; I can only read web pages."
    shown = mime or "unknown"
    return f"That link is not a web page or text (type {shown}); I can only read web pages."


def _plain(text: str, *, markdown: bool, url: str | None) -> ExtractedPage:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").strip()
    title = None
    if markdown:
        first, _, rest = text.partition("\n")
        if re.match(r"#\s+\S", first) and not first.startswith("##"):
            title = first.lstrip("#").strip()
            text = rest.strip()
    if not text:
        raise NoArticle("That file has no text in it.")
    return ExtractedPage(text=text, title=title, url=url)


def extract_html(html: str | bytes, *, url: str | None = None) -> ExtractedPage:
    """The article of an HTML page. Bytes are decoded first (``<meta charset>``, detection)."""
    if isinstance(html, bytes):
        html, _codec = decode(html, html=True)
    html = bound_html(html)  # linear time from here on, whatever the page (see bounds.py)
    doc = _bare(html, url, recall=False)
    blocks = _render(doc) if doc is not None else []
    # trafilatura's fallback for pages without a recognisable article container keeps the
    # paragraphs but drops the headings; its recall mode keeps them. Take that result only
    # when it holds the same paragraphs and little else.
    no_headings = not any(b.startswith("#") for b in blocks)
    if doc is not None and no_headings and _SOURCE_HEADING_STR.search(html):
        alt = _bare(html, url, recall=True)
        alt_blocks = _render(alt) if alt is not None else []
        if _same_text_with_headings(blocks, alt_blocks):
            doc, blocks = alt, alt_blocks
    title = _clean(doc.title) if doc is not None and doc.title else None
    if (
        blocks
        and title
        and blocks[0].startswith("#")
        and _norm(blocks[0].lstrip("#")) == _norm(title)
    ):
        blocks = blocks[1:]
    body_bytes = sum(len(b.encode()) for b in blocks if not b.startswith("#"))
    if body_bytes < MIN_ARTICLE_BYTES:
        raise NoArticle(_no_article_message(html, " ".join(blocks)))
    return ExtractedPage(
        text="\n\n".join(blocks),
        title=title,
        author=_clean(doc.author) if doc is not None and doc.author else None,
        site_name=_clean(doc.sitename) if doc is not None and doc.sitename else None,
        date=doc.date if doc is not None and doc.date else None,
        url=url,
    )


def _bare(html: str, url: str | None, *, recall: bool) -> Any:
    return trafilatura.bare_extraction(
        html,
        url=url,
        # past 1 MB skip the second-opinion extractors (readability, jusText): they cost a
        # third of the time there, and long pages are the ones trafilatura gets right alone
        fast=len(html) > FAST_ABOVE_CHARS,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        favor_recall=recall,
        # dates only from the page's metadata, never guessed from numbers in the text
        date_extraction_params={"extensive_search": False, "original_date": True},
    )


def _no_article_message(html: str, found: str) -> str:
    if _PAYWALL.search(found) or _PAYWALL.search(html[:200_000]):
        return "That article seems to be behind a paywall or a login, so I can't read it."
    if _NEEDS_SCRIPT.search(html[:200_000]) or html.count("<script") >= 3:
        return (
            "I found no article text there; the page may be built by JavaScript, which I don't run."
        )
    return "I couldn't find any article text on that page."


def _same_text_with_headings(plain: list[str], alt: list[str]) -> bool:
    if not any(b.startswith("#") for b in alt):
        return False
    alt_paragraphs = {b for b in alt if not b.startswith("#")}
    if not all(b in alt_paragraphs for b in plain):
        return False
    plain_len = sum(len(b) for b in plain)
    return sum(len(b) for b in alt_paragraphs) <= plain_len * 1.25 + 200


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip().casefold()


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _inline(el: _Element, *, skip_lists: bool = False) -> str:
    """The text of an element, line breaks as spaces, nested lists left out if asked."""
    parts: list[str] = [el.text or ""]
    for child in el:
        if child.tag == "lb":
            parts.append(" ")
        elif not (skip_lists and child.tag == "list"):
            parts.append(" " + _inline(child, skip_lists=skip_lists) + " ")
        parts.append(child.tail or "")
    return _clean("".join(parts))


def _render(doc: Any) -> list[str]:
    body = getattr(doc, "body", None)
    blocks: list[str] = []
    if body is not None:
        _blocks(body, blocks)
    return blocks


def _blocks(container: _Element, out: list[str]) -> None:
    if container.text and container.text.strip() and container.tag != "body":
        out.append(_clean(container.text))
    for el in container:
        tag = el.tag
        if tag == "head":
            text = _inline(el)
            if text:
                rend = re.fullmatch(r"h([1-6])", el.get("rend", ""))
                level = int(rend.group(1)) if rend else 2
                out.append("#" * level + " " + text)
        elif tag == "list":
            lines: list[str] = []
            _list_lines(el, lines)
            if lines:
                out.append("\n".join(lines))
        elif tag == "quote":
            _quote(el, out)
        elif tag == "table":
            rows = []
            for row in el.iter("row"):
                cells = [c for c in (_inline(cell) for cell in row.iter("cell")) if c]
                if cells:
                    rows.append("- " + " | ".join(cells))
            if rows:
                out.append("\n".join(rows))
        elif tag == "graphic":
            pass
        elif tag in _BLOCK_CONTAINERS and any(child.tag != "lb" for child in el):
            _blocks(el, out)
        else:  # p, code, and any other element: one paragraph
            text = _inline(el)
            if text:
                out.append(text)
        if el.tail and el.tail.strip():
            out.append(_clean(el.tail))


def _list_lines(lst: _Element, lines: list[str]) -> None:
    ordered = lst.get("rend", "") == "ol"
    number = 0
    for item in lst:
        if item.tag != "item":
            continue
        number += 1
        text = _inline(item, skip_lists=True)
        if text:
            lines.append(f"{number}. {text}" if ordered else f"- {text}")
        for child in item:
            for sub in [child] if child.tag == "list" else child.findall("list"):
                _list_lines(sub, lines)


def _quote(quote: _Element, out: list[str]) -> None:
    paragraphs = [p for p in quote if p.tag == "p"]
    if not paragraphs:
        text = _inline(quote)
        if text:
            out.append("> " + text)
        return
    if quote.text and quote.text.strip():
        out.append("> " + _clean(quote.text))
    for p in paragraphs:
        text = _inline(p)
        if text:
            out.append("> " + text)
