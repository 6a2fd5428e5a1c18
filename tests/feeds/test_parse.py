"""Parsing feeds, item keys and the polling policy, without a network."""

from __future__ import annotations

import json

import pytest

from bot.feeds import NotAFeed, Policy, discover_feeds, item_keys, normalise_url, parse_feed
from bot.feeds.parse import FeedItem, html_text
from bot.feeds.policy import publisher_interval

BASE = "https://news.example/feeds/main.xml"


def test_rss_relative_links_html_and_missing_dates() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T &amp; Co</title>
    <link>/</link><ttl>30</ttl>
    <item><title>&lt;b&gt;Bold&lt;/b&gt; news</title><link>../story/1?utm_source=x</link>
    <description>&lt;p&gt;First &amp;amp; best.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;
    &lt;p&gt;Second.&lt;/p&gt;</description></item>
    <item><description>No title, no link</description></item>
    </channel></rss>"""
    feed = parse_feed(body, "application/rss+xml", BASE)
    assert feed.title == "T & Co" and feed.ttl == 1800 and feed.site_url == "https://news.example/"
    first, second = feed.items
    assert first.title == "Bold news" and first.published is None and first.guid is None
    assert first.link == "https://news.example/story/1?utm_source=x"
    assert first.text == "First & best.\n\nSecond."
    assert second.link is None and second.text == "No title, no link"


def test_json_feed() -> None:
    data = {
        "version": "https://jsonfeed.org/version/1",
        "title": "J",
        "items": [
            {
                "id": 7,
                "url": "p/7",
                "content_text": "Line one\nstill one\n\nTwo <b>",
                "date_published": "2025-01-02T03:04:05Z",
            },
            {"id": "x", "external_url": "https://other.example/x", "content_html": "<p>Hi</p>"},
            "junk",
            {"id": None},
        ],
    }
    feed = parse_feed(json.dumps(data).encode(), "application/json", BASE)
    assert feed.kind == "json feed 1"
    a, b = feed.items
    assert (a.guid, a.link, a.text) == (
        "7",
        "https://news.example/feeds/p/7",
        "Line one still one\n\nTwo <b>",
    )
    assert a.published is not None and a.published.hour == 3
    assert (b.guid, b.link, b.text) == ("x", "https://other.example/x", "Hi")


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"version": "1", "items": []}',
        b"<html><body>page</body></html>",
        b"\x00\x01",
    ],
)
def test_not_feeds(body: bytes) -> None:
    with pytest.raises(NotAFeed):
        parse_feed(body, "", BASE)


def test_discovery() -> None:
    page = b"""<html><head><link rel="stylesheet" href="/s.css">
    <link rel='alternate' type='application/atom+xml' href='/atom.xml'>
    <LINK REL="alternate" TYPE="application/rss+xml" HREF="https://news.example/rss?a=1&amp;b=2">
    <link rel="alternate" type="text/html" href="/fr/"></head></html>"""
    assert discover_feeds(page, "https://news.example/home") == [
        "https://news.example/atom.xml",
        "https://news.example/rss?a=1&b=2",
    ]


def test_keys() -> None:
    assert normalise_url("HTTPS://News.Example:443/a?utm_medium=x&id=3#top") == (
        "https://news.example/a?id=3"
    )
    item = FeedItem("g1", "https://news.example/a", "Title", None, "text")
    moved = FeedItem(None, "https://NEWS.example/a?utm_source=rss", "Other title", None, "x")
    assert set(item_keys(BASE, item)) & set(item_keys(BASE, moved))
    same_guid_other_feed = FeedItem("g1", None, None, None, "")
    assert not set(item_keys(BASE, item)) & set(
        item_keys("https://b.example/", same_guid_other_feed)
    )
    long_text = "word " * 100
    retitled = [FeedItem(None, None, t, None, long_text) for t in ("A", "B")]
    assert item_keys(BASE, retitled[0]) == item_keys(BASE, retitled[1])


def test_html_text_is_linear() -> None:
    assert html_text("<p>" * 50_000 + "x") == "x"


def test_policy() -> None:
    policy = Policy()
    assert policy.every(None) == 900 and policy.every(60) == 300 and policy.every(10**9) == 86400
    assert 900 <= policy.after_success(900, 0, 1) <= 990
    assert 3600 <= policy.after_success(900, 3600, 1) <= 3960
    waits = [policy.after_failure(900, n, 0) for n in range(1, 12)]
    assert waits[:5] == [900, 1800, 3600, 7200, 14400] and max(waits) == 21600
    assert policy.after_failure(900, 1, 0, retry_after=7200) == 7200
    assert publisher_interval(None, {"cache-control": "public, s-maxage=600"}) == 600
    assert publisher_interval(120, {}) == 120
