"""The extractor and the decoder on their own (no network): the path attachments take."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.article import parse
from bot.web import (
    FetchError,
    NoArticle,
    UnsupportedType,
    content_type_for_filename,
    extract_html,
    extract_text,
)
from bot.web.charset import ContentType, codec_for_label, decode, meta_charset, sniff_kind
from tests.cpu import cpu_limit

from .conftest import fixture_bytes, require_engine_list_and_cjk_rules

PARAGRAPH = (
    "The committee published its findings on Monday after eighteen months of hearings, "
    "recommending that the port authority publish its accounts every quarter."
)


def page(body: str, head: str = "<title>Port inquiry reports</title>") -> str:
    return f"<!doctype html><html><head>{head}</head><body><article>{body}</article></body></html>"


def test_attachment_and_fetched_page_take_the_same_path() -> None:
    data = fixture_bytes("news.html")
    attached = extract_text(data, None, filename="story.html")
    fetched = extract_text(data, "text/html; charset=utf-8", url="https://example.com/story")
    assert attached.text == fetched.text
    assert attached.title == fetched.title
    assert fetched.url == "https://example.com/story" and attached.url is None


@pytest.mark.parametrize(
    ("content_type", "filename"),
    [("application/octet-stream", "story.htm"), ("", "story.html"), (None, None)],
)
def test_type_from_filename_or_bytes(content_type: str | None, filename: str | None) -> None:
    page_ = extract_text(fixture_bytes("blog.html"), content_type, filename=filename)
    assert "## Measure before you cut" in page_.text


def test_markdown_and_text_files() -> None:
    md = extract_text(fixture_bytes("notes.md"), "text/markdown")
    assert md.title == "Release notes for version 2.0"
    txt = extract_text(fixture_bytes("notes.md"), "text/plain; charset=utf-8")
    assert txt.title is None and txt.text.startswith("# Release notes")
    assert extract_text(b"\xef\xbb\xbfHello there.\r\n", None, filename="a.txt").text == (
        "Hello there."
    )
    with pytest.raises(NoArticle):
        extract_text(b"  \n\n ", "text/plain")


@pytest.mark.parametrize(
    ("data", "ctype", "word"),
    [
        (b"%PDF-1.7 ...", "application/pdf", "PDF"),
        (b"\x89PNG\r\n\x1a\n", "image/png", "image"),
        (b"%PDF-1.7 ...", None, "not a web page"),
        (b"PK\x03\x04zip", "application/octet-stream", "not a web page"),
        (b"{}", "application/json", "application/json"),
    ],
)
def test_unsupported_types(data: bytes, ctype: str | None, word: str) -> None:
    with pytest.raises(UnsupportedType) as info:
        extract_text(data, ctype)
    assert word in str(info.value)


def test_title_heading_is_not_repeated_and_breaks_join_lines() -> None:
    html = page(
        "<h1>Port inquiry reports</h1>"
        f"<p>{PARAGRAPH}</p>"
        "<h2>Findings</h2>"
        "<p>The accounts for 2019<br>to 2022 were incomplete, the report says, and two "
        "contracts worth $14 million were never put out to tender as the rules require.</p>"
        "<h2>What happens next</h2>"
        "<ul><li>Quarterly accounts</li><li>An independent auditor<ul><li>Named by June</li>"
        "</ul></li></ul>"
        "<table><tr><th>Year</th><th>Deficit</th></tr><tr><td>2021</td><td>$3.1m</td></tr></table>"
        "<blockquote><p>We accept every recommendation.</p><p>We will report back.</p></blockquote>"
    )
    result = extract_html(html)
    assert result.title == "Port inquiry reports"
    assert not result.text.startswith("# Port inquiry")
    assert "The accounts for 2019 to 2022 were incomplete" in result.text
    assert "- Quarterly accounts\n- An independent auditor\n- Named by June" in result.text
    assert "- Year | Deficit\n- 2021 | $3.1m" in result.text
    assert "> We accept every recommendation.\n\n> We will report back." in result.text
    require_engine_list_and_cjk_rules()
    article = parse(result.text, title=result.title)
    assert [s.heading for s in article.sections] == [None, "Findings", "What happens next"]
    last = article.sections[-1]
    assert "- Quarterly accounts" in last.paragraphs[0].text  # a short item is not a heading


def test_every_paragraph_is_one_line() -> None:
    html = page(f"<p>{PARAGRAPH}\n   split   over\n lines.</p><p>{PARAGRAPH}</p>")
    result = extract_html(html)
    blocks = result.text.split("\n\n")
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    assert blocks[0].endswith("quarter. split over lines.")


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html></html>",
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",
        page("<p>Too short.</p>"),
        fixture_bytes("script_only.html").decode(),
    ],
)
def test_no_article(html: str) -> None:
    with pytest.raises(NoArticle):
        extract_html(html)


def test_bytes_input_uses_meta_charset() -> None:
    result = extract_html(fixture_bytes("cp1252.html"))
    assert "€2.40" in result.text and "“We wanted" in result.text


# ---- charsets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("ISO-8859-1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("Shift_JIS", "cp932"),
        ("x-sjis", "cp932"),
        ("gb2312", "gb18030"),
        ("EUC-KR", "cp949"),
        ("utf8", "utf-8"),
        ('"UTF-8"', "utf-8"),
        ("koi8-r", "koi8-r"),
        ("utf-7", None),
        ("base64", None),
        ("rot13", None),
        ("unicode_escape", None),
        ("no-such-charset", None),
        ("", None),
    ],
)
def test_charset_labels(label: str, codec: str | None) -> None:
    assert codec_for_label(label) == codec


def test_charset_order() -> None:
    text = "Prices: €2.40 — “quoted” café"
    cp = f"<html><head><meta charset='windows-1252'></head><body>{text}</body></html>"
    data = cp.encode("cp1252")
    assert decode(data, html=True) == (cp, "cp1252")  # meta
    assert decode(data, charset="iso-8859-1", html=True)[0] == cp  # header, read as 1252
    assert decode(data, charset="bogus", html=True)[0] == cp  # unusable header: meta
    utf = cp.encode("utf-8")  # a UTF-8 page mislabelled as Latin-1 by its server
    assert decode(utf, charset="iso-8859-1", html=True) == (cp, "utf-8")
    assert decode(codecs.BOM_UTF8 + utf, charset="cp1252") == (cp, "utf-8-sig")
    assert decode("日本語の記事".encode("utf-16"), charset=None)[0] == "日本語の記事"
    assert meta_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">')


def test_content_type_helpers() -> None:
    assert ContentType.parse('text/HTML; Charset="Shift_JIS"') == ContentType(
        "text/html", "Shift_JIS"
    )
    assert ContentType.parse("application/xhtml+xml").kind == "html"
    assert ContentType.parse("text/x-markdown").kind == "markdown"
    assert ContentType.parse("application/pdf").kind is None
    assert content_type_for_filename("Story.HTM") == "text/html"
    assert content_type_for_filename("notes.md") == "text/markdown"
    assert content_type_for_filename("scan.pdf") is None
    assert sniff_kind(b"  <!DOCTYPE html><html>") == "html"
    assert sniff_kind(b"Plain words.") == "text"
    assert sniff_kind(b"%PDF-1.4") is None
    assert sniff_kind(b"<!-- a -->\n<!-- b --><html><body>") == "html"
    assert sniff_kind(b"<!-- a --> stray --> <html>") == "text"  # a comment ends at its "-->"


def test_sniffing_a_run_of_comments_is_linear() -> None:
    # the old pattern tried every way to split the comments: 2^n steps (22 comments: 0.6 s)
    data = b"<!---->" * 146 + b"x"  # the first 1,024 bytes
    with cpu_limit(1.0):
        assert sniff_kind(data) == "text"
        assert sniff_kind(b"<!---->" * 140 + b"<html>") == "html"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from([None, "text/html", "text/plain", ""]))
def test_arbitrary_bytes_never_crash(data: bytes, ctype: str | None) -> None:
    try:
        result = extract_text(data, ctype)
    except FetchError as exc:
        assert str(exc)
    else:
        assert result.text.strip()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=200), min_size=1, max_size=12))
def test_arbitrary_html_paragraphs(paragraphs: list[str]) -> None:
    from html import escape

    html = page("".join(f"<p>{escape(p)}</p>" for p in paragraphs))
    try:
        result = extract_html(html)
    except NoArticle:
        return
    parse(result.text, title=result.title)
