"""The feed service end to end against the local site: formats, polling manners, failures,
and exactly-once posting. Time moves by `ManualClock`: no test sleeps."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from storage import FeedLimitError
from tests.feedsite import Item, make_item

from .conftest import CHANNEL, GUILD, Harness


@pytest.mark.parametrize("path", ["/rss", "/rss091", "/rdf", "/atom", "/json", "/gzip", "/moved"])
async def test_every_format_posts_the_newest_three(harness: Harness, path: str) -> None:
    feed = await harness.add(path)
    await harness.tick()
    assert harness.titles() == ["Tramway news 2", "Observatory news 3", "Bakery news 4"]
    for post in harness.poster.posts:
        assert post.number is not None and post.item["note"] is None
        assert str(post.item["link"]).startswith(harness.site.url("/a/"))
        article = await harness.store.get_article(GUILD, post.number)
        assert article is not None and "2.4 million euros" in article.text
        assert article.source_kind == "url" and article.source_ref == post.item["link"]
    assert feed.title and "Harbour Gazette" in feed.title
    # nothing new: nothing more, and a conditional GET
    await harness.tick(20 * 60)
    assert len(harness.poster.posts) == 3


async def test_a_page_that_links_a_feed(harness: Harness) -> None:
    feed = await harness.add("/home")
    assert feed.url == harness.site.url("/atom")
    with pytest.raises(UserError, match=r"not a feed|no feed"):
        await harness.add("/a/lighthouse-0")


async def test_new_items_are_posted_once_oldest_first(harness: Harness) -> None:
    await harness.add("/rss")
    await harness.tick()
    harness.site.add(make_item(6), make_item(5))
    await harness.tick(5 * 60)  # not due yet
    assert len(harness.poster.posts) == 3
    await harness.tick(15 * 60)
    assert harness.titles()[3:] == ["Glacier news 5", "Library news 6"]
    # re-ordered, re-titled: still the same items
    harness.site.items.reverse()
    harness.site.items[0].title = "A new title"
    await harness.tick(20 * 60)
    assert len(harness.poster.posts) == 5


async def test_conditional_get_and_ttl(harness: Harness) -> None:
    feed = await harness.add("/ttl")
    await harness.tick()
    stored = await harness.store.get_feed(GUILD, feed.number)
    assert stored is not None and stored.etag and stored.min_interval == 3600  # ttl 60 min
    assert (
        stored.next_check_at >= harness.clock.now().replace()
        and (stored.next_check_at - harness.clock.now()).total_seconds() >= 3600
    )
    hits = harness.site.hits["/ttl"]
    await harness.tick(20 * 60)
    assert harness.site.hits["/ttl"] == hits  # the publisher asked for an hour
    await harness.tick(50 * 60)
    assert harness.site.hits["/ttl"] == hits + 1 and harness.site.not_modified["/ttl"] == 1


async def test_guidless_items_are_known_by_link_and_text(harness: Harness) -> None:
    await harness.add("/noguid")
    await harness.tick()
    harness.site.items[0].title = "Retitled"
    await harness.tick(20 * 60)
    assert len(harness.poster.posts) == 3


async def test_the_same_article_in_two_feeds_is_stored_and_posted_once(harness: Harness) -> None:
    await harness.add("/rss")
    await harness.tick()
    await harness.add("/atom")
    await harness.tick()
    assert len(harness.poster.posts) == 3
    assert (await harness.store.list_articles(GUILD)).total == 3


async def test_unreadable_pages_fall_back_to_the_summary(harness: Harness) -> None:
    harness.site.paywalled.add("bakery-4")
    harness.site.missing.add("observatory-3")
    await harness.add("/rss")
    await harness.tick()
    notes = {p.item["title"]: p.item["note"] for p in harness.poster.posts}
    assert "feed's own summary" in str(notes["Bakery news 4"])
    assert "not found" in str(notes["Observatory news 3"]).lower()
    assert notes["Tramway news 2"] is None
    post = next(p for p in harness.poster.posts if p.item["title"] == "Bakery news 4")
    assert post.number is not None
    article = await harness.store.get_article(GUILD, post.number)
    assert article is not None and "free bread" in article.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/garbage", "not an RSS, Atom or JSON feed"),
        ("/huge", "too large"),
        ("/drip", "too long"),
        ("/status/404", "not found"),
        ("/status/500", "had an error"),
    ],
)
async def test_bad_feeds_are_refused_with_a_clear_message(
    harness: Harness, path: str, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        await harness.add(path)
    assert await harness.store.list_feeds(GUILD) == []


async def test_malformed_xml_is_read_when_it_can_be(harness: Harness) -> None:
    await harness.add("/malformed")
    await harness.tick()
    assert len(harness.poster.posts) == 3


async def test_failing_feeds_back_off_then_pause_and_tell_once(harness: Harness) -> None:
    feed = await harness.add("/rss")
    await harness.tick()
    harness.site.items.clear()
    feed_row = await harness.store.get_feed(GUILD, feed.number)
    assert feed_row is not None
    # the feed starts failing: a 500 at the same address
    await harness.store.update_feed(GUILD, feed.number)  # no change
    original = harness.site.url("/rss")
    harness.service.fetch = _failing(harness, original)
    waits = []
    for _ in range(10):
        before = await harness.store.get_feed(GUILD, feed.number)
        assert before is not None
        harness.clock.advance((before.next_check_at - harness.clock.now()).total_seconds())
        await harness.tick()
        after = await harness.store.get_feed(GUILD, feed.number)
        assert after is not None
        waits.append(round((after.next_check_at - harness.clock.now()).total_seconds() / 60))
    assert after.paused == "failing" and after.failures == 10 and after.notified
    assert waits[:5] == sorted(waits[:5]) and waits[1] >= 2 * waits[0] - 2
    assert max(waits) <= 6 * 60 * 1.1
    assert len(harness.poster.notices) == 1
    harness.clock.advance(48 * 3600)
    await harness.tick()
    assert len(harness.poster.notices) == 1  # told once, and paused feeds are not checked


def _failing(harness: Harness, url: str):  # type: ignore[no-untyped-def]
    original = harness.service.fetch

    async def fetch(target: str, **kwargs):  # type: ignore[no-untyped-def]
        if target == url:
            target = harness.site.url("/status/500")
        return await original(target, **kwargs)

    return fetch


async def test_gone_pauses_at_once_and_retry_after_is_honoured(harness: Harness) -> None:
    feed = await harness.add("/rss")
    await harness.tick()
    harness.service.fetch = _redirecting(harness, "/rss", "/status/410")
    harness.clock.advance(20 * 60)
    await harness.tick()
    gone = await harness.store.get_feed(GUILD, feed.number)
    assert gone is not None and gone.paused == "gone" and len(harness.poster.notices) == 1

    other = await harness.add("/atom")
    await harness.tick()
    harness.service.fetch = _redirecting(harness, "/atom", "/status/503")
    harness.clock.advance(20 * 60)
    await harness.tick()
    busy = await harness.store.get_feed(GUILD, other.number)
    assert busy is not None and busy.failures == 1 and busy.paused is None
    assert (busy.next_check_at - harness.clock.now()).total_seconds() >= 120


def _redirecting(harness: Harness, path: str, to: str):  # type: ignore[no-untyped-def]
    original = harness.service.fetch

    async def fetch(target: str, **kwargs):  # type: ignore[no-untyped-def]
        if target == harness.site.url(path):
            target = harness.site.url(to)
        return await original(target, **kwargs)

    return fetch


async def test_a_crash_before_posting_posts_on_restart_once(harness: Harness) -> None:
    await harness.add("/rss")
    harness.poster.fail = 100  # Discord down: everything stays in the outbox
    await harness.tick()
    assert harness.poster.posts == []
    pending = await harness.store.pending_feed_posts(
        harness.clock.now().replace(year=2030), limit=10
    )
    assert len(pending) == 3
    # "restart": a new service on the same store; Discord is back
    harness.poster.fail = 0
    harness.service = harness.make()
    harness.clock.advance(3600)
    await harness.tick()
    assert len(harness.poster.posts) == 3
    assert {p.nonce for p in harness.poster.posts} == {p.nonce for p in pending}
    harness.service = harness.make()
    harness.clock.advance(3600)
    await harness.tick()
    assert len(harness.poster.posts) == 3


async def test_a_removed_feed_posts_nothing_more(harness: Harness) -> None:
    feed = await harness.add("/rss")
    harness.poster.fail = 100
    await harness.tick()
    await harness.service.remove(GUILD, feed.number)
    harness.poster.fail = 0
    harness.site.add(make_item(9))
    harness.clock.advance(3600)
    await harness.tick()
    assert harness.poster.posts == []


async def test_a_gone_channel_pauses_the_feed(harness: Harness) -> None:
    feed = await harness.add("/rss")
    harness.poster.gone = True
    await harness.tick()
    paused = await harness.store.get_feed(GUILD, feed.number)
    assert paused is not None and paused.paused == "channel"
    assert {p.state for p in await harness.store.feed_posts(GUILD)} == {"dropped"}


async def test_limits(harness: Harness) -> None:
    harness.service = harness.make(max_per_guild=2)
    await harness.add("/rss")
    await harness.add("/atom")
    with pytest.raises(FeedLimitError):
        await harness.add("/json")


async def test_a_burst_is_posted_over_several_checks(harness: Harness) -> None:
    await harness.add("/rss")
    await harness.tick()
    harness.site.add(*[make_item(n) for n in range(30, 10, -1)])
    harness.service = harness.make(items_per_check=10)
    await harness.tick(20 * 60)
    assert len(harness.poster.posts) == 13
    await harness.tick(20 * 60)
    assert len(harness.poster.posts) == 23
    assert harness.titles()[3].endswith(" 11")  # oldest first


async def test_an_item_with_nothing_to_digest_is_a_link(harness: Harness) -> None:
    harness.site.items = [Item("tramway-7", "Only a title", "", None)]
    harness.site.missing.add("tramway-7")
    await harness.add("/rss")
    await harness.tick()
    (post,) = harness.poster.posts
    assert post.number is None and "no text" in str(post.item["note"])
    assert post.channel_id == CHANNEL


async def test_a_moved_feed_posts_only_the_newest_items_in_its_new_channel(
    harness: Harness,
) -> None:
    feed = await harness.add("/rss")
    await harness.tick()
    assert len(harness.poster.posts) == 3
    elsewhere = CHANNEL + 1
    moved = await harness.store.update_feed(GUILD, feed.number, channel_id=elsewhere)
    assert moved is not None and moved.etag is None and moved.last_success_at is None
    harness.site.add(make_item(7))
    await harness.tick(20 * 60)
    there = [p for p in harness.poster.posts if p.channel_id == elsewhere]
    # as when it was added: the newest three there, not the feed's whole history
    assert len(there) == 3 and there[-1].item["title"] == "Regatta news 7"
    assert len(harness.poster.posts) == 6
    await harness.tick(20 * 60)
    assert len(harness.poster.posts) == 6
