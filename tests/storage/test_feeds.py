"""The feed methods of the Store, against SQLite and PostgreSQL alike (the `store` fixture)."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from storage import FeedCheck, FeedExistsError, FeedLimitError, NewFeed, NewFeedPost

from .conftest import CHANNEL_1, CHANNEL_2, GUILD_A, GUILD_B, AnyStore

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def new_feed(
    guild: int = GUILD_A, url: str = "https://example.com/feed.xml", **extra: object
) -> NewFeed:
    fields: dict[str, object] = {
        "guild_id": guild,
        "channel_id": CHANNEL_1,
        "url": url,
        "title": "Example News",
        "site_url": "https://example.com/",
        "added_by": 42,
        "added_at": T0,
        "every": 900,
    }
    fields.update(extra)
    return NewFeed(**fields)  # type: ignore[arg-type]


def key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:16]


def post(
    feed_id: int, number: int | None, *keys: str, guild: int = GUILD_A, **extra: object
) -> NewFeedPost:
    fields: dict[str, object] = {
        "guild_id": guild,
        "channel_id": CHANNEL_1,
        "feed_id": feed_id,
        "number": number,
        "item": {"link": "https://example.com/a", "title": "A"},
        "keys": [key(k) for k in keys],
        "nonce": "n" + "".join(keys)[:20],
        "created_at": T0,
    }
    fields.update(extra)
    return NewFeedPost(**fields)  # type: ignore[arg-type]


async def test_add_list_get_and_numbers(store: AnyStore) -> None:
    first = await store.add_feed(new_feed(), limit=20)
    second = await store.add_feed(new_feed(url="https://example.org/atom"), limit=20)
    assert (first.number, second.number) == (1, 2)
    assert first.next_check_at == T0 and first.paused is None and first.failures == 0
    assert first.title == "Example News" and first.every == 900 and not first.compact
    assert [f.number for f in await store.list_feeds(GUILD_A)] == [1, 2]
    got = await store.get_feed(GUILD_A, 2)
    assert got == second
    assert await store.get_feed(GUILD_A, 3) is None


async def test_the_same_url_twice_and_the_limit(store: AnyStore) -> None:
    await store.add_feed(new_feed(), limit=2)
    with pytest.raises(FeedExistsError) as exists:
        await store.add_feed(new_feed(channel_id=CHANNEL_2), limit=2)
    assert exists.value.feed.number == 1 and exists.value.feed.channel_id == CHANNEL_1
    await store.add_feed(new_feed(url="https://b.example/rss"), limit=2)
    with pytest.raises(FeedLimitError) as limit:
        await store.add_feed(new_feed(url="https://c.example/rss"), limit=2)
    assert limit.value.limit == 2
    # another guild has its own count and may follow the same URL
    other = await store.add_feed(new_feed(GUILD_B), limit=2)
    assert other.number == 1


async def test_guilds_see_only_their_feeds(store: AnyStore) -> None:
    a = await store.add_feed(new_feed(title="Secret A"), limit=20)
    assert await store.list_feeds(GUILD_B) == []
    assert await store.get_feed(GUILD_B, a.number) is None
    assert await store.update_feed(GUILD_B, a.number, compact=True) is None
    assert await store.remove_feed(GUILD_B, a.number) is None
    check = FeedCheck(checked_at=T0, next_check_at=T0, ok=False, error="x")
    assert await store.record_feed_check(GUILD_B, a.id, check) is None
    assert await store.queue_feed_post(post(a.id, 1, "k", guild=GUILD_B)) is None
    assert (await store.get_feed(GUILD_A, 1)) == a  # untouched


async def test_update_and_remove(store: AnyStore) -> None:
    feed = await store.add_feed(new_feed(), limit=20)
    changed = await store.update_feed(
        GUILD_A, 1, compact=True, every=3600, paused="user", channel_id=CHANNEL_2, title=None
    )
    assert changed is not None
    assert (changed.compact, changed.every, changed.paused, changed.channel_id) == (
        True,
        3600,
        "user",
        CHANNEL_2,
    )
    assert changed.title is None
    with pytest.raises(ValueError):
        await store.update_feed(GUILD_A, 1, paused="tired")
    with pytest.raises(TypeError):
        await store.update_feed(GUILD_A, 1, url="https://elsewhere")
    with pytest.raises(ValueError):
        await store.update_feed(GUILD_A, 1, every=0)
    removed = await store.remove_feed(GUILD_A, 1)
    assert removed is not None and removed.id == feed.id
    assert await store.list_feeds(GUILD_A) == []
    again = await store.add_feed(new_feed(), limit=20)
    assert again.number == 1 and again.id != feed.id


async def test_claim_due_feeds_leases_them(store: AnyStore) -> None:
    for i in range(3):
        await store.add_feed(
            new_feed(url=f"https://{i}.example/feed", next_check_at=T0 + timedelta(minutes=i)),
            limit=20,
        )
    paused = await store.add_feed(new_feed(url="https://p.example/feed"), limit=20)
    await store.update_feed(GUILD_A, paused.number, paused="user")
    lease = T0 + timedelta(minutes=10)
    claimed = await store.claim_due_feeds(T0 + timedelta(minutes=1), limit=10, lease=lease)
    assert sorted(f.number for f in claimed) == [1, 2]
    assert all(f.next_check_at == lease for f in claimed)
    # claimed feeds are not due again until the lease ends
    assert await store.claim_due_feeds(T0 + timedelta(minutes=1), limit=10, lease=lease) == []
    assert await store.next_feed_work() == T0 + timedelta(minutes=2)
    later = await store.claim_due_feeds(T0 + timedelta(minutes=30), limit=1, lease=lease)
    assert len(later) == 1


async def test_claims_follow_the_shards(store: AnyStore) -> None:
    # Discord's rule: shard = (guild_id >> 22) % shard_count
    guilds = [(1 << 22) * n + 5 for n in range(4)]
    for guild in guilds:
        await store.add_feed(new_feed(guild), limit=20)
    mine = await store.claim_due_feeds(T0, limit=10, lease=T0, shards=(2, frozenset({1})))
    assert sorted(f.guild_id for f in mine) == [guilds[1], guilds[3]]
    one = await store.claim_due_feeds(
        T0, limit=10, lease=T0 + timedelta(hours=1), shards=(1, frozenset({0}))
    )
    assert len(one) == 4


async def test_record_feed_check(store: AnyStore) -> None:
    feed = await store.add_feed(new_feed(), limit=20)
    later = T0 + timedelta(minutes=15)
    ok = FeedCheck(
        checked_at=T0,
        next_check_at=later,
        ok=True,
        validators=('"v1"', "Sat, 01 Mar 2025 12:00:00 GMT", b"h" * 32),
        min_interval=3600,
        title="Renamed",
        new_items=True,
    )
    got = await store.record_feed_check(GUILD_A, feed.id, ok)
    assert got is not None
    assert (got.etag, got.last_modified, got.body_hash) == ok.validators
    assert (got.min_interval, got.title, got.last_item_at, got.last_success_at) == (
        3600,
        "Renamed",
        T0,
        T0,
    )
    failed = FeedCheck(checked_at=later, next_check_at=later, ok=False, error="HTTP 500")
    for n in (1, 2):
        got = await store.record_feed_check(GUILD_A, feed.id, failed)
        assert got is not None and got.failures == n and got.last_error == "HTTP 500"
    # a failure keeps the validators, the title and the publisher's interval
    assert got.etag == '"v1"' and got.title == "Renamed" and got.min_interval == 3600
    assert got.last_success_at == T0 and got.last_check_at == later
    paused = await store.record_feed_check(
        GUILD_A, feed.id, dataclasses.replace(failed, pause="failing")
    )
    assert paused is not None and paused.paused == "failing" and not paused.notified
    # a pause the moderators chose is kept
    await store.update_feed(GUILD_A, 1, paused="user")
    kept = await store.record_feed_check(GUILD_A, feed.id, dataclasses.replace(ok, pause="gone"))
    assert kept is not None and kept.paused == "user" and kept.failures == 0
    await store.remove_feed(GUILD_A, 1)
    assert await store.record_feed_check(GUILD_A, feed.id, ok) is None


async def test_seen_keys_are_per_channel_and_outlive_the_feed(store: AnyStore) -> None:
    await store.mark_seen(GUILD_A, CHANNEL_1, [key("a"), key("b")], at=T0)
    await store.mark_seen(GUILD_A, CHANNEL_1, [key("a")], at=T0)  # again: no error
    asked = [key("a"), key("b"), key("c")]
    assert await store.seen_keys(GUILD_A, CHANNEL_1, asked) == {key("a"), key("b")}
    assert await store.seen_keys(GUILD_A, CHANNEL_2, asked) == set()
    assert await store.seen_keys(GUILD_B, CHANNEL_1, asked) == set()
    assert await store.seen_keys(GUILD_A, CHANNEL_1, []) == set()
    many = [key(str(i)) for i in range(1200)]
    await store.mark_seen(GUILD_A, CHANNEL_1, many[::2], at=T0)
    assert await store.seen_keys(GUILD_A, CHANNEL_1, many) == set(many[::2])
    with pytest.raises(ValueError):
        await store.mark_seen(GUILD_A, CHANNEL_1, [b"short"], at=T0)


async def test_an_article_is_posted_once_per_channel(store: AnyStore) -> None:
    a = await store.add_feed(new_feed(), limit=20)
    b = await store.add_feed(new_feed(url="https://other.example/rss"), limit=20)
    first = await store.queue_feed_post(post(a.id, 7, "item-1"))
    assert first is not None and first.state == "pending" and first.number == 7
    assert first.item["link"] == "https://example.com/a" and first.attempts == 0
    # the same article from another feed of the channel: only its keys are marked
    assert await store.queue_feed_post(post(b.id, 7, "item-2")) is None
    assert await store.seen_keys(GUILD_A, CHANNEL_1, [key("item-2")]) == {key("item-2")}
    # in another channel it is posted again
    other = await store.queue_feed_post(post(b.id, 7, "item-2", channel_id=CHANNEL_2))
    assert other is not None
    # link-only posts have no article
    assert await store.queue_feed_post(post(a.id, None, "x")) is not None
    assert await store.queue_feed_post(post(a.id, None, "y")) is not None
    pending = await store.pending_feed_posts(T0, limit=10)
    assert [p.id for p in pending] == sorted(p.id for p in pending) and len(pending) == 4


async def test_outbox_lifecycle(store: AnyStore) -> None:
    feed = await store.add_feed(new_feed(compact=True), limit=20)
    queued = await store.queue_feed_post(post(feed.id, 1, "i"))
    assert queued is not None and queued.compact
    assert await store.next_feed_work() == T0
    retry = T0 + timedelta(minutes=5)
    await store.finish_feed_post(GUILD_A, queued.id, at=T0, retry_at=retry)
    assert await store.pending_feed_posts(T0, limit=10) == []
    (again,) = await store.pending_feed_posts(retry, limit=10)
    assert again.attempts == 1 and again.nonce == queued.nonce
    await store.finish_feed_post(GUILD_B, queued.id, at=T0, message_id=99)  # not B's
    assert len(await store.pending_feed_posts(retry, limit=10)) == 1
    await store.finish_feed_post(GUILD_A, queued.id, at=T0, message_id=99)
    assert await store.pending_feed_posts(retry, limit=10) == []
    (done,) = await store.feed_posts(GUILD_A)
    assert done.state == "posted"
    assert await store.feed_posts(GUILD_B) == []
    dropped = await store.queue_feed_post(post(feed.id, 2, "j"))
    assert dropped is not None
    await store.finish_feed_post(GUILD_A, dropped.id, at=T0)
    assert [p.state for p in await store.feed_posts(GUILD_A, feed_number=1)] == [
        "posted",
        "dropped",
    ]


async def test_a_removed_feed_posts_nothing_more(store: AnyStore) -> None:
    feed = await store.add_feed(new_feed(), limit=20)
    sent = await store.queue_feed_post(post(feed.id, 1, "a"))
    assert sent is not None
    await store.finish_feed_post(GUILD_A, sent.id, at=T0, message_id=5)
    assert await store.queue_feed_post(post(feed.id, 2, "b")) is not None
    await store.remove_feed(GUILD_A, feed.number)
    assert await store.pending_feed_posts(T0, limit=10) == []
    assert await store.queue_feed_post(post(feed.id, 3, "c")) is None
    assert await store.seen_keys(GUILD_A, CHANNEL_1, [key("c")]) == set()
    # what it posted stays posted: the article is not posted again in the channel
    again = await store.add_feed(new_feed(), limit=20)
    assert await store.queue_feed_post(post(again.id, 1, "a2")) is None
    assert await store.seen_keys(GUILD_A, CHANNEL_1, [key("a"), key("b")]) == {
        key("a"),
        key("b"),
    }


async def test_text_survives_as_it_is(store: AnyStore) -> None:
    odd = "Nul\x00 and \uffff in a title"
    feed = await store.add_feed(new_feed(title=odd, url="https://example.com/\uffff"), limit=20)
    assert feed.title == odd and feed.url == "https://example.com/\uffff"
    check = FeedCheck(checked_at=T0, next_check_at=T0, ok=False, error="bad\x00byte")
    got = await store.record_feed_check(GUILD_A, feed.id, check)
    assert got is not None and got.last_error == "bad\x00byte"
    queued = await store.queue_feed_post(
        post(feed.id, None, "z", item={"title": odd, "link": "https://x.example/"})
    )
    assert queued is not None and queued.item["title"] == odd
