"""`python -m storage copy`: a filled SQLite database (articles, settings, links, feeds, seen
feed items and feed posts) moved to PostgreSQL and back answers every read as before; a second
run changes nothing; an interrupted copy is finished by running it again; a target that
disagrees with the source is refused untouched."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import FeedCheck, NewFeed, NewFeedPost, StorageError, open_store
from storage.common import ArticleRecord
from storage.copy import copy_store, verify
from storage.feeds import PostRecord

from .conftest import AnyStore, Backend, article, new_backend

REPO = Path(__file__).resolve().parents[2]
GUILDS = [101, 202, 303]
CHANNELS = [11, 12]
QUERIES = ["river", "bridge budget", "特斯拉", "去世", "Москва", "quartermaster", "zzz"]
FEED_GUILDS = [GUILDS[0], GUILDS[1], 606]  # 606: feeds, no article
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=3650)
ITEMS = [f"item {i}" for i in range(40)]


def key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:16]


def plain_feed(guild_id: int, url: str) -> NewFeed:
    """A feed of `guild_id` in the first channel, with nothing but its address."""
    return NewFeed(
        guild_id=guild_id,
        channel_id=CHANNELS[0],
        url=url,
        title=None,
        site_url=None,
        added_by=1,
        added_at=T0,
        every=600,
    )


async def fill_feeds(store: AnyStore) -> None:
    """Feeds in three guilds, in every state: checked (validators, failures), paused, moved
    to another channel, removed (the highest id, so the id counter runs ahead of the rows);
    seen keys; posts sent, dropped, tried again and pending."""
    for g, guild in enumerate(FEED_GUILDS):
        feeds = []
        for i in range(4):
            feeds.append(
                await store.add_feed(
                    NewFeed(
                        guild_id=guild,
                        channel_id=CHANNELS[i % 2],
                        url=f"https://site{i}.example/feed.xml",
                        title=f"Site {i} \x00 \uffff news" if i == 1 else f"Site {i}",
                        site_url=None if i == 2 else f"https://site{i}.example/",
                        added_by=42 + i,
                        added_at=T0 + timedelta(minutes=i),
                        every=900 * (i + 1),
                        compact=i == 3,
                    ),
                    limit=20,
                )
            )
        first, second, third, fourth = feeds
        await store.record_feed_check(
            guild,
            first.id,
            FeedCheck(
                checked_at=T0 + timedelta(hours=1),
                next_check_at=T0 + timedelta(hours=2),
                ok=True,
                validators=('"etag-1"', "Sat, 01 Mar 2025 12:00:00 GMT", key("body")),
                min_interval=1800,
                title="Site 0, renamed",
                new_items=True,
            ),
        )
        for n in range(3):
            await store.record_feed_check(
                guild,
                second.id,
                FeedCheck(
                    checked_at=T0 + timedelta(hours=n),
                    next_check_at=T0 + timedelta(hours=n + 1),
                    ok=False,
                    error=f"HTTP 50{n}",
                ),
            )
        await store.update_feed(guild, third.number, paused="failing", notified=True)
        await store.update_feed(guild, second.number, channel_id=CHANNELS[0])
        base = g * 10
        for i in range(8):
            feed = (first, second, fourth)[i % 3]
            number = 1 + (i % 5) if g < 2 and i % 2 == 0 else None
            queued = await store.queue_feed_post(
                NewFeedPost(
                    guild_id=guild,
                    channel_id=CHANNELS[i % 2],
                    feed_id=feed.id,
                    number=number,
                    item={"link": f"https://x.example/{i}", "title": f"Item {i} «ü»", "i": i},
                    keys=[key(ITEMS[base + i]), key(ITEMS[base + i] + "/guid")],
                    nonce=f"nonce-{guild}-{i}",
                    created_at=T0 + timedelta(minutes=10 + i),
                )
            )
            if queued is None:
                continue
            if i % 4 == 0:
                await store.finish_feed_post(guild, queued.id, at=T0, message_id=8000 + i)
            elif i % 4 == 1:
                await store.finish_feed_post(guild, queued.id, at=T0)
            elif i % 4 == 2:
                await store.finish_feed_post(
                    guild, queued.id, at=T0, retry_at=T0 + timedelta(hours=5)
                )
        await store.mark_seen(
            guild, CHANNELS[1], [key(t) for t in ITEMS[base + 8 : base + 10]], at=T0
        )
        await store.remove_feed(guild, fourth.number)  # its pending posts go, its keys stay


async def feed_reads(store: AnyStore) -> list[Any]:
    """Every feed read, in a comparable form."""
    out: list[Any] = []
    keys = [key(t) for t in ITEMS] + [key(t + "/guid") for t in ITEMS]
    for guild in [*FEED_GUILDS, GUILDS[2]]:
        out.append(("feeds", guild, await store.list_feeds(guild)))
        for number in range(1, 6):
            out.append(("feed", guild, number, await store.get_feed(guild, number)))
            out.append(("posts", guild, number, await store.feed_posts(guild, feed_number=number)))
        out.append(("posts", guild, await store.feed_posts(guild)))
        for channel in CHANNELS:
            out.append(
                ("seen", guild, channel, sorted(await store.seen_keys(guild, channel, keys)))
            )
    out.append(("pending", await store.pending_feed_posts(LATER, limit=1000)))
    out.append(("next", await store.next_feed_work()))
    return out


async def fill(store: AnyStore) -> None:
    """Three guilds: articles (some deleted, so numbers have gaps), settings, links."""
    texts = [
        "The council approved the bridge over the river.\n\nThe budget is £40m.",
        "特斯拉于1943年1月7日在纽约去世。\n\n他的交流电系统至今仍在使用。",
        "Москва́ — столица России.\n\nКремль находится в центре.",
        "A quartermaster memo \x00 with a NUL.\n\nAnd \uffff a noncharacter.",
        "Short one.",
    ]
    for g, guild in enumerate(GUILDS):
        for i in range(12):
            text = f"{texts[(i + g) % len(texts)]}\n\nGuild {guild} article {i}."
            await store.add_article(
                article(
                    guild,
                    text,
                    title=f"Title {i} of {guild}" if i % 3 else None,
                    channel_id=CHANNELS[i % 2] if i % 4 else None,
                    headings={2: f"Part {i}"},
                    language=("en", "zh", "ru", None, "en")[(i + g) % 5],
                    meta={"i": i, "site": "example.com"},
                    analysis={"summary": {"tldr": [text[:20]]}, "facts": [{"paragraph": 1}]},
                    source_kind=("text", "file", "message", "url")[i % 4],
                    source_ref=f"https://example.com/{i}" if i % 2 else None,
                )
            )
        for number in (3, 12):  # the last one too: its number is never handed out again
            await store.delete_article(guild, number)
        await store.link_message(guild, 5000 + g, 2)
        await store.link_message(guild, 6000 + g, 5)
        await store.link_thread(guild, 7000 + g, 7)
    await store.update_settings(GUILDS[0], moderator_role_id=999, discussion_threads=False)
    await store.update_settings(404, discussion_threads=False)  # settings, no article
    await fill_feeds(store)


async def reads(store: AnyStore) -> list[Any]:
    """Every read of every guild, in a comparable form."""
    out: list[Any] = []
    for guild in [*GUILDS, 404, 505]:
        page = await store.list_articles(guild, limit=100)
        out.append(
            (
                "list",
                guild,
                page.total,
                [
                    (
                        i.number,
                        i.title,
                        i.paragraph_count,
                        i.created_at,
                        i.channel_id,
                        i.source_kind,
                        i.source_ref,
                    )
                    for i in page.items
                ],
            )
        )
        for info in page.items:
            out.append(("get", guild, await store.get_article(guild, info.number)))
        out.append(("latest", guild, await store.latest_article(guild)))
        for channel in CHANNELS:
            out.append(
                ("latest", guild, channel, await store.latest_article(guild, channel_id=channel))
            )
        out.append(("titles", guild, [i.number for i in await store.find_titles(guild, "title")]))
        out.append(("settings", guild, await store.get_settings(guild)))
        for key in (5000, 5001, 5002, 6000, 6001, 6002, 7000, 7001, 7002):
            out.append(
                (
                    "links",
                    guild,
                    key,
                    await store.article_for_message(guild, key),
                    await store.article_for_thread(guild, key),
                )
            )
        for query in QUERIES:
            hits = await store.search(guild, query)
            out.append(
                (
                    "search",
                    guild,
                    query,
                    sorted((h.number, h.paragraph, h.title, h.snippet) for h in hits),
                )
            )
    out.extend(await feed_reads(store))
    return out  # fmt: skip


@pytest.fixture
async def filled(tmp_path: Path) -> Path:
    path = tmp_path / "source.sqlite3"
    async with await open_store(path) as store:
        await fill(store)
    return path


async def test_copy_to_postgresql_and_back(
    filled: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = new_backend("postgresql", tmp_path, request)
    async with await open_store(filled) as source:
        expected = await reads(source)
        async with await pg.open() as target:
            report = await copy_store(source, target, batch=5)
            assert report.mismatches == [] and report.articles_copied == 30
            assert await reads(target) == expected
            assert report.feeds_written == 9 and report.seen_written > 0
            assert (
                report.posts_written == len(await target.pending_feed_posts(LATER, limit=99)) + 12
            )
            again = await copy_store(source, target)
            assert not again.changed and again.articles_skipped == 30 and again.mismatches == []
            # The numbering carries on where it was, in both; so do feed ids (the removed
            # feed's id is not handed out again) and an item seen stays seen.
            for store in (source, target):
                added = await store.add_article(article(GUILDS[0], "After the move."))
                assert added.article.number == 13
            new_ids = []
            for store in (source, target):
                feed = await store.add_feed(
                    plain_feed(GUILDS[2], "https://new.example/rss"), limit=20
                )
                new_ids.append(feed.id)
                assert await store.seen_keys(GUILDS[0], CHANNELS[0], [key(ITEMS[0])])
                await store.remove_feed(GUILDS[2], feed.number)
            assert new_ids[0] == new_ids[1] == 13  # 12 feeds were added, the 12th removed
    back = tmp_path / "back.sqlite3"
    async with await open_store(filled) as source:
        await source.delete_article(GUILDS[0], 13)
        expected = await reads(source)
    async with await pg.open() as pg_store, await open_store(back) as copy_back:
        await pg_store.delete_article(GUILDS[0], 13)
        report = await copy_store(pg_store, copy_back)
        assert report.mismatches == []
        assert await reads(copy_back) == expected


class Interrupted(Exception):
    pass


async def test_an_interrupted_copy_is_finished_by_running_it_again(
    filled: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = new_backend("postgresql", tmp_path, request)
    async with await open_store(filled) as source, await pg.open() as target:
        calls = 0
        real = target.import_articles

        async def failing(guild_id: int, records: list[ArticleRecord]) -> None:
            nonlocal calls
            calls += 1
            if calls == 4:
                raise Interrupted
            await real(guild_id, records)

        target.import_articles = failing  # type: ignore[method-assign]
        with pytest.raises(Interrupted):
            await copy_store(source, target, batch=4)
        target.import_articles = real  # type: ignore[method-assign]
        assert 0 < await pg.count("articles") < 30
        report = await copy_store(source, target, batch=4)
        assert report.mismatches == [] and report.articles_skipped == 10  # guild 101, whole
        assert await reads(target) == await reads(source)


async def test_a_copy_interrupted_in_the_feeds_is_finished_by_running_it_again(
    filled: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = new_backend("postgresql", tmp_path, request)
    async with await open_store(filled) as source, await pg.open() as target:
        real = target.import_feed_posts

        async def failing(guild_id: int, records: list[PostRecord]) -> int:
            if guild_id == FEED_GUILDS[1]:
                raise Interrupted
            return await real(guild_id, records)

        target.import_feed_posts = failing  # type: ignore[method-assign]
        with pytest.raises(Interrupted):
            await copy_store(source, target)
        target.import_feed_posts = real  # type: ignore[method-assign]
        # Every seen key is there before any feed: whatever was copied posts nothing twice.
        seen = sum(c[1] for c in (await source.feed_counts()).values())
        assert seen > 40 and await pg.count("feed_seen") == seen
        assert await pg.count("feed_posts") > 0
        report = await copy_store(source, target)
        assert report.mismatches == [] and report.seen_written == 0 and report.posts_written
        assert await reads(target) == await reads(source)
        assert not (await copy_store(source, target)).changed


async def test_a_target_that_disagrees_is_refused_untouched(
    filled: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    for kind in ("sqlite", "postgresql"):
        backend: Backend = new_backend(kind, tmp_path / kind, request)
        async with await backend.open() as target:
            await target.add_article(article(GUILDS[1], "Not from the source."))
            before = await reads(target)
            async with await open_store(filled) as source:
                with pytest.raises(StorageError, match="copy into an empty database"):
                    await copy_store(source, target)
            assert await reads(target) == before


async def test_a_target_with_other_feeds_is_refused_untouched(
    filled: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = new_backend("postgresql", tmp_path, request)
    async with await open_store(filled) as source, await pg.open() as target:
        await target.add_feed(plain_feed(FEED_GUILDS[2], "https://elsewhere.example/rss"), limit=20)
        before = await reads(target)
        with pytest.raises(StorageError, match="copy into an empty database"):
            await copy_store(source, target)
        assert await reads(target) == before


def test_the_command_line(filled: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    pg = new_backend("postgresql", tmp_path, request)
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "storage", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    done = run("copy", str(filled), pg.location, "--batch", "7")
    assert done.returncode == 0, done.stderr
    assert "30 articles copied" in done.stdout and "verified" in done.stdout
    assert "9 feeds" in done.stdout and "seen feed items" in done.stdout
    assert "copied 30 of 30 articles (100%)" in done.stderr  # plain lines: not a terminal
    assert pg.server is not None and pg.server.password not in done.stdout + done.stderr
    done = run("copy", str(filled), pg.location)
    assert done.returncode == 0 and "0 articles copied, 30 already there" in done.stdout
    assert "0 feeds, 0 seen feed items and 0 feed posts" in done.stdout
    assert run("copy", str(filled), str(filled)).returncode == 2
    assert run("copy", str(filled), "mysql://x/y").returncode == 2
    wrong = pg.location.replace(pg.server.password, "wrong")
    done = run("copy", str(filled), wrong)
    assert done.returncode == 1 and "refused the password" in done.stderr


async def test_the_verification_names_what_differs(
    filled: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = new_backend("postgresql", tmp_path, request)
    async with await open_store(filled) as source, await pg.open() as target:
        assert (await copy_store(source, target)).mismatches == []
        articles = (await source.list_articles(GUILDS[0])).total
        assert await target.delete_article(GUILDS[0], 1)
        await target.mark_seen(FEED_GUILDS[0], CHANNELS[0], [key("one more")], at=T0)
        guild = GUILDS[0]
        assert FEED_GUILDS[0] == guild
        assert await verify(source, target) == [
            f"guild {guild}: settings or numbering differ",  # its article count
            f"guild {guild}: {articles} articles in the source, {articles - 1} in the target",
            f"guild {guild}: 28 paragraphs in the source, 25 in the target",
            f"guild {guild}: 18 seen feed items in the source, 19 in the target",
        ]
