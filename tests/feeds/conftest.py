"""The feed service against the local news site (`tests/feedsite.py`), a real SQLite store,
the real fetcher (127.0.0.1 let through as `FETCH_ALLOW_HOSTS` would), the real engine, a
hand-moved clock, and a poster that records what it would send (the Discord side is
`tests/e2e/test_feeds.py`'s)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from bot import jobs
from bot.feeds import FeedService, FeedSettings, ManualClock, ParsedFeed, PostGone
from bot.feeds.parse import discover_feeds, parse_feed
from bot.jobs import Analysed
from bot.web import (
    ExtractedPage,
    FetchedPage,
    FetchSettings,
    extract_page,
    fetch_article,
    make_session,
)
from storage import Feed, FeedPost, SQLiteStore, open_store
from tests.feedsite import FeedSite, feed_site

GUILD = 111_111_111_111_111_111
CHANNEL = 900_000_000_000_000_001
MOD = 42


class Engine:
    async def read_feed(self, page: FetchedPage, guild_id: int) -> ParsedFeed:
        return parse_feed(page.body, page.content_type, page.url)

    async def discover(self, page: FetchedPage, guild_id: int) -> list[str]:
        return discover_feeds(page.body, page.url, page.content_type)

    async def extract(self, page: FetchedPage, guild_id: int) -> ExtractedPage:
        return extract_page(page)

    async def analyze(self, text: str, title: str | None, guild_id: int) -> Analysed:
        return jobs.analyze_text(text, title)


@dataclass
class Recorder:
    """A `Poster` that keeps what it is asked to send; `fail` makes the next sends fail."""

    posts: list[FeedPost] = field(default_factory=list)
    notices: list[Feed] = field(default_factory=list)
    fail: int = 0
    gone: bool = False

    async def post(self, post: FeedPost, feed_title: str | None) -> int:
        if self.gone:
            raise PostGone("channel deleted", pause=True)
        if self.fail:
            self.fail -= 1
            raise ConnectionError("Discord is down")
        self.posts.append(post)
        return 10_000 + len(self.posts)

    async def tell_paused(self, feed: Feed) -> None:
        self.notices.append(feed)


@dataclass
class Harness:
    site: FeedSite
    store: SQLiteStore
    clock: ManualClock
    poster: Recorder
    service: FeedService
    session: aiohttp.ClientSession
    make: Callable[..., FeedService]

    async def add(self, path: str, **options: object) -> Feed:
        subscribed = await self.service.subscribe(
            guild_id=GUILD,
            channel_id=CHANNEL,
            url=self.site.url(path),
            added_by=MOD,
            **options,  # type: ignore[arg-type]
        )
        return subscribed.feed

    async def tick(self, seconds: float = 0) -> None:
        """Move the clock and do what is due."""
        if seconds:
            self.clock.advance(seconds)
        await self.service.run_due()

    def titles(self) -> list[str]:
        return [str(p.item["title"]) for p in self.poster.posts]


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    settings = FetchSettings(allow_hosts=frozenset({"127.0.0.1"}), total_timeout=2.0)
    async with feed_site() as site:
        store = await open_store(tmp_path / "feeds.sqlite3")
        assert isinstance(store, SQLiteStore)
        session = make_session(settings)
        clock = ManualClock()
        poster = Recorder()

        async def fetch(
            url: str,
            *,
            headers: Mapping[str, str] | None = None,
            accept: Callable[[str], bool] | None = None,
        ) -> FetchedPage:
            return await fetch_article(session, url, headers=headers, accept=accept)

        def make(**settings: object) -> FeedService:
            return FeedService(
                store,
                fetch,
                Engine(),
                poster,
                clock,
                FeedSettings(**settings),  # type: ignore[arg-type]
            )

        try:
            yield Harness(site, store, clock, poster, make(), session, make)
        finally:
            await session.close()
            await store.close()
