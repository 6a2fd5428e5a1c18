"""The pass that bounds what a page can make the HTML parser and the extractor do (bounds.py).

Pages within the limits pass through unchanged (so they extract exactly as before); past a
limit only the excess changes, and the text is kept. The extraction tests run pages on which
the extractor took from 20 s to minutes before the pass, under a CPU-time limit (steady on a
busy machine); the property test repeats random markup units to 48-128 KB.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.web import NoArticle, extract_html
from bot.web.bounds import (
    MAX_ATTRIBUTES,
    MAX_INLINE_RUN,
    bound_html,
    tag_budget,
    text_node_budget,
)
from tests.cpu import cpu_limit

from .conftest import fixture_bytes

LIMIT = 5.0  # seconds of CPU: the bounded extractor needs a tenth of it
PARAGRAPH = (
    "The committee published its findings on Monday after eighteen months of hearings, "
    "recommending that the port authority publish its accounts every quarter."
)


def page(body: str) -> str:
    return (
        "<!doctype html><html><head><title>Port inquiry reports</title></head><body><article>"
        f"<h1>Port inquiry reports</h1><p>{PARAGRAPH}</p>{body}<p>{PARAGRAPH}</p>"
        "</article></body></html>"
    )


@pytest.mark.parametrize("name", ["news.html", "blog.html", "cp1252.html", "paywall.html"])
def test_real_pages_pass_unchanged(name: str) -> None:
    html = fixture_bytes(name).decode("utf-8", "replace")
    assert bound_html(html) is html


@pytest.mark.parametrize(
    "html",
    [
        "",
        "no markup at all",
        "<p title=\"a > b\" data-x='<p>'>x</p>",  # ">" and "<" inside quoted values
        "<script>if (a < b && c > d) { x = '<p>' + '</div>'; }</script><p>t</p>",
        "<!-- <p> -- not a tag --> <!--> <!---> <p>after</p>",
        "<textarea><b>not a tag</b></textarea><title>a <i>title</i></title>",
        "<p unterminated='quote>never closed",
        "<p>" + "<b>x</b> " * 900 + "</p>",  # under every limit
        "<pre>" + "line<br>" * 900 + "</pre>",
    ],
)
def test_pages_within_the_limits_are_unchanged(html: str) -> None:
    assert bound_html(html) == html


def test_a_tag_keeps_its_first_attributes() -> None:
    attributes = " ".join(f'a{i}="v{i}"' for i in range(45_000))
    bounded = bound_html(f"<p {attributes}>Hello</p><p b=1>x</p>")
    kept = " ".join(f'a{i}="v{i}"' for i in range(MAX_ATTRIBUTES))
    assert bounded == f"<p {kept}>Hello</p><p b=1>x</p>"


def test_a_long_run_of_inline_tags_keeps_its_text() -> None:
    html = "<div>" + "<span>w</span> " * (3 * MAX_INLINE_RUN) + "</div><p>after</p>"
    bounded = bound_html(html)
    assert bounded.count("<span>") == MAX_INLINE_RUN
    assert bounded.count("</span>") == MAX_INLINE_RUN
    assert bounded.count("w") == 3 * MAX_INLINE_RUN
    assert bounded.endswith("</div><p>after</p>")


def test_line_breaks_past_the_limit_in_a_pre_become_newlines() -> None:
    html = "<pre>" + "x<br>" * (2 * MAX_INLINE_RUN) + "</pre><p>a<br>b</p>"
    bounded = bound_html(html)
    assert bounded.count("<br>") == MAX_INLINE_RUN + 1  # and the one in the paragraph
    assert bounded.count("x\n") == MAX_INLINE_RUN


def test_paragraphs_past_the_text_node_budget_keep_their_text() -> None:
    count = 2 * text_node_budget(0)
    html = "".join(f"<p>w{i}</p>" for i in range(count))
    bounded = bound_html(html)
    assert bounded.count("<p>") == text_node_budget(len(html))
    assert all(f"w{i}" in bounded for i in (0, count // 2, count - 1))


def test_past_the_tag_budget_only_text_is_left() -> None:
    tags = tag_budget(0)
    filler = "<i>w</i>" * tags  # past the budget: tags dropped
    tail = "<script>var hidden = 1;</script><style>p{}</style><!-- c --><b>end</b>"
    bounded = bound_html(f"<p>start</p>{filler}{tail}")
    assert bounded.startswith("<p>start</p>")
    assert "hidden" not in bounded and "p{}" not in bounded and "<!--" not in bounded
    assert bounded.rstrip().endswith("end")
    assert bounded.count("<i>") < tags // 2


# --- extraction: the shapes that took the extractor from 20 s to minutes ---------------------


@pytest.mark.parametrize(
    ("body", "before"),
    [
        ("<p " + " ".join(f"a{i}=x" for i in range(64_000)) + ">Hello.</p>", "93 s"),
        ("<p>" + "<span>w</span> " * 20_000 + "</p>", "38 s"),
        ("<p>" + '<a href="/x">w</a> ' * 15_000 + "</p>", "40 s"),
        ("<pre>" + "w<br>" * 400_000 + "</pre>", "15 s"),
        ("<p>x</p>" * 64_000, "12 s"),
    ],
    ids=["attributes", "spans in p", "links in p", "br in pre", "many p"],
)
def test_hostile_pages_extract_in_linear_time(body: str, before: str) -> None:
    html = page(body)
    with cpu_limit(LIMIT):  # the CPU time before the bounds: `before`
        try:
            result = extract_html(html).text
        except NoArticle:
            result = ""
    assert PARAGRAPH in result


_MARKUP = [
    "<p>",
    "</p>",
    "<span>",
    "</span>",
    "<a href=x>",
    "</a>",
    "<b><i>",
    "<div>",
    "</div>",
    "<br>",
    "<pre>",
    "<table><tr><td>",
    "<li>",
    "<!-- c -->",
    "<!--",
    "<script>",
    "&amp;",
    "&#x1F600;",
    "&nosuch",
    " a=1",
    ' x="y"',
    "w",
    "word ",
    " ",
    "\n",
    "<",
    ">",
]


@settings(
    max_examples=12,
    deadline=30_000,  # ms of wall time, for a very busy machine; the CPU limit is the real bound
    suppress_health_check=[HealthCheck.too_slow],
)
@given(unit=st.lists(st.sampled_from(_MARKUP), min_size=1, max_size=6).map("".join))
def test_any_repeated_markup_extracts_in_linear_time(unit: str) -> None:
    html = page(unit * (96_000 // len(unit)))
    with cpu_limit(LIMIT), contextlib.suppress(NoArticle):
        extract_html(html)
