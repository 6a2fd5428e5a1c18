"""`FeedService`: follow feeds, check them on time, and post each new item exactly once.

One scheduler per bot (`run()`, a task the feeds cog starts in `cog_load` and cancels in
`cog_unload`): it claims the feeds that are due (`Store.claim_due_feeds`, leased so that a
check that dies is tried again later, and so that several processes sharing one database
never check a feed twice at once), checks at most `concurrency` at a time, sends the posts
the outbox holds, then sleeps until the next feed is due (or `wake()`). Time comes from a
`Clock`, so tests move it by hand.

A check (`check(feed)`): a conditional GET of the feed (`If-None-Match` / `If-Modified-Since`)
through the SSRF-safe fetcher; a 304, or a body identical to the last one, ends it. Otherwise
the feed is parsed (`bot.feeds.parse`), each item's keys (`bot.feeds.items`) are looked up in
the channel's seen items, and each new item, oldest first (at most `items_per_check` a
check; the rest wait for the next one), becomes an article: its page is fetched and
extracted, or, when that fails, the item's own text is used and the post says so; the engine
digests it and the store keeps it (the same text twice in a server is stored once). Then,
in one transaction, the item's keys are marked seen and the post is recorded in the outbox
(`Store.queue_feed_post`: at most one post of an article per channel, ever), and only then
sent (`Poster.post`) and marked sent. A crash between the two leaves the post in the outbox,
sent when the bot starts again; the same nonce goes with every try, so Discord makes one
message even when the crash came after it did. The first successful check of a new feed
posts only its newest `first_items` items and marks the rest seen.

Failures (`bot.feeds.policy`): back off, pause after repeated failures (or at once on 410),
and tell the channel once (`Poster.tell_paused`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from storage import (
    Feed,
    FeedCheck,
    FeedPost,
    NewArticle,
    NewFeed,
    NewFeedPost,
    PauseReason,
    Shards,
    Store,
    StoredArticle,
)

from ..errors import UserError
from ..web import ExtractedPage, FetchedPage, FetchError, HTTPStatus, Refused
from .clock import Clock
from .items import item_keys
from .parse import FeedItem, NotAFeed, ParsedFeed, is_feed_type
from .policy import Policy, publisher_interval

if TYPE_CHECKING:
    from ..jobs import Analysed

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"
)
LEASE = timedelta(minutes=10)
PREFETCH_FRESH = timedelta(minutes=2)
POST_RETRY = (60, 300, 900, 3600)  # seconds before each new try of a post Discord refused
POST_ATTEMPTS = 8  # then it is dropped
ERROR_LIMIT = 200


class Fetch(Protocol):
    def __call__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        accept: Callable[[str], bool] | None = None,
    ) -> Awaitable[FetchedPage]: ...


class Engine(Protocol):
    """The CPU work a check needs (the bot runs it off the event loop)."""

    async def read_feed(self, page: FetchedPage, guild_id: int) -> ParsedFeed: ...

    async def discover(self, page: FetchedPage, guild_id: int) -> list[str]: ...

    async def extract(self, page: FetchedPage, guild_id: int) -> ExtractedPage: ...

    async def analyze(self, text: str, title: str | None, guild_id: int) -> Analysed: ...


class PostGone(Exception):
    """The post can never be sent (its channel is gone, the bot may not post there, its
    article was deleted): it is dropped; `pause` pauses its feed too."""

    def __init__(self, reason: str, *, pause: bool = False) -> None:
        super().__init__(reason)
        self.pause = pause


class Poster(Protocol):
    async def post(self, post: FeedPost, feed_title: str | None) -> int:
        """Send the post; the id of its (first) message. `PostGone` when it never can be;
        any other exception: tried again later."""
        ...

    async def tell_paused(self, feed: Feed) -> None:
        """Tell the feed's channel it was paused, and why (`feed.paused`, `last_error`)."""
        ...


@dataclass(frozen=True, slots=True)
class FeedSettings:
    max_per_guild: int = 20
    concurrency: int = 8
    first_items: int = 3
    items_per_check: int = 10
    max_article_bytes: int = 512_000
    policy: Policy = field(default_factory=Policy)


@dataclass(frozen=True, slots=True)
class Subscribed:
    feed: Feed
    parsed: ParsedFeed


def _short(error: BaseException | str) -> str:
    text = " ".join(str(error).split())
    return text[: ERROR_LIMIT - 1] + "…" if len(text) > ERROR_LIMIT else text


def _body_hash(page: FetchedPage) -> bytes:
    return hashlib.sha256(page.body).digest()


class FeedService:
    def __init__(
        self,
        store: Store,
        fetch: Fetch,
        engine: Engine,
        poster: Poster,
        clock: Clock,
        settings: FeedSettings | None = None,
        *,
        shards: Callable[[], Shards | None] = lambda: None,
    ) -> None:
        self.store = store
        self.fetch = fetch
        self.engine = engine
        self.poster = poster
        self.clock = clock
        self.settings = settings or FeedSettings()
        self.shards = shards
        self._wake = asyncio.Event()
        self._asleep = asyncio.Event()
        self._asleep_at: datetime | None = None
        self._prefetched: dict[int, tuple[datetime, FetchedPage, ParsedFeed]] = {}
        self._sending = asyncio.Lock()
        self._checks: set[asyncio.Task[None]] = set()

    # --- following ------------------------------------------------------------------------

    async def subscribe(
        self,
        *,
        guild_id: int,
        channel_id: int,
        url: str,
        added_by: int,
        compact: bool = False,
        every: int | None = None,
    ) -> Subscribed:
        """Follow the feed at `url` (or the first feed the page at `url` links) in a channel.
        The feed is fetched and read first: a `UserError` says what is wrong. Its newest
        items are posted by the scheduler, at once."""
        page = await self._fetch_feed(url)
        try:
            parsed = await self.engine.read_feed(page, guild_id)
        except NotAFeed as not_feed:
            links = await self.engine.discover(page, guild_id)
            if not links:
                raise UserError(str(not_feed)) from not_feed
            page = await self._fetch_feed(links[0])
            try:
                parsed = await self.engine.read_feed(page, guild_id)
            except NotAFeed as exc:
                raise UserError(f"The page links the feed <{links[0]}>, but {exc}") from exc
        now = self.clock.now()
        feed = await self.store.add_feed(
            NewFeed(
                guild_id=guild_id,
                channel_id=channel_id,
                url=page.url,
                title=parsed.title,
                site_url=parsed.site_url,
                added_by=added_by,
                added_at=now,
                every=self.settings.policy.every(every),
                compact=compact,
            ),
            limit=self.settings.max_per_guild,
        )
        self._prefetched[feed.id] = (now, page, parsed)
        self.wake()
        return Subscribed(feed, parsed)

    async def _fetch_feed(self, url: str) -> FetchedPage:
        try:
            return await self.fetch(url, headers={"Accept": FEED_ACCEPT}, accept=is_feed_type)
        except FetchError as exc:
            log.info("feed %s: %s", url, exc.detail)
            raise UserError(str(exc)) from exc

    def wake(self) -> None:
        """Look for due work now (a feed was added or resumed)."""
        self._wake.set()

    # --- the scheduler --------------------------------------------------------------------

    async def run(self) -> None:
        """The scheduler loop, until cancelled: finish the outbox, then check feeds as they
        fall due."""
        try:
            while True:
                self._wake.clear()
                self._asleep.clear()
                try:
                    await self.run_due()
                except Exception:
                    log.exception("feeds: a round of checks failed; trying again in a minute")
                    self._asleep_at = self.clock.now()
                    self._asleep.set()
                    await self.clock.sleep_until(
                        self.clock.now() + timedelta(minutes=1), self._wake
                    )
                    continue
                now = self.clock.now()
                nxt = await self.store.next_feed_work(shards=self.shards())
                until = now + timedelta(hours=1) if nxt is None else max(now, nxt)
                self._asleep_at = now
                self._asleep.set()
                await self.clock.sleep_until(until, self._wake)
        finally:
            for task in self._checks:
                task.cancel()
            if self._checks:
                await asyncio.gather(*self._checks, return_exceptions=True)

    async def settled(self) -> None:
        """Wait until the scheduler has done everything due at the clock's time (tests)."""
        while True:
            await self._asleep.wait()
            if self._asleep_at == self.clock.now() and not self._wake.is_set():
                return
            await asyncio.sleep(0.005)

    async def run_due(self) -> None:
        """Check every feed due now (at most `concurrency` at once) and send the due posts;
        again until nothing is due."""
        limit = max(1, self.settings.concurrency)
        while True:
            now = self.clock.now()
            feeds = await self.store.claim_due_feeds(
                now, limit=limit, lease=now + LEASE, shards=self.shards()
            )
            if feeds:
                queue: asyncio.Queue[Feed] = asyncio.Queue()
                for feed in feeds:
                    queue.put_nowait(feed)
                workers = [
                    asyncio.create_task(self._worker(queue)) for _ in range(min(limit, len(feeds)))
                ]
                self._checks.update(workers)
                try:
                    await asyncio.gather(*workers)
                finally:
                    self._checks.difference_update(workers)
            await self.send_due()
            if len(feeds) < limit:
                return

    async def _worker(self, queue: asyncio.Queue[Feed]) -> None:
        while not queue.empty():
            feed = queue.get_nowait()
            try:
                await self.check(feed)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("guild %s: feed %d: the check failed", feed.guild_id, feed.number)
                retry = self.clock.now() + timedelta(seconds=self.settings.policy.min_every)
                check = FeedCheck(
                    checked_at=self.clock.now(),
                    next_check_at=retry,
                    ok=False,
                    error="Something went wrong on my side (it has been logged).",
                )
                with contextlib.suppress(Exception):
                    await self.store.record_feed_check(feed.guild_id, feed.id, check)

    # --- one check ------------------------------------------------------------------------

    async def check(self, feed: Feed) -> None:
        """Check one feed now and post what is new (see the module's doc)."""
        now = self.clock.now()
        page, parsed = self._take_prefetched(feed, now)
        if page is None:
            headers = {"Accept": FEED_ACCEPT}
            if feed.etag:
                headers["If-None-Match"] = feed.etag
            if feed.last_modified:
                headers["If-Modified-Since"] = feed.last_modified
            try:
                page = await self.fetch(feed.url, headers=headers, accept=is_feed_type)
            except FetchError as exc:
                await self._failed(feed, exc)
                return
        policy = self.settings.policy
        if page.status == 304 or (parsed is None and _body_hash(page) == feed.body_hash):
            wait = policy.after_success(
                feed.every, publisher_interval(None, page.headers) or feed.min_interval, feed.id
            )
            await self._record(feed, ok=True, next_in=wait)
            return
        if parsed is None:
            try:
                parsed = await self.engine.read_feed(page, feed.guild_id)
            except NotAFeed as exc:
                await self._failed(feed, exc)
                return
        publisher = publisher_interval(parsed.ttl, page.headers)
        complete, new_items = await self._take_new(feed, parsed)
        validators = (
            (page.headers.get("etag"), page.headers.get("last-modified"), _body_hash(page))
            if complete
            else None
        )
        await self._record(
            feed,
            ok=True,
            next_in=policy.after_success(feed.every, publisher, feed.id),
            validators=validators,
            min_interval=publisher,
            title=parsed.title,
            new_items=new_items > 0,
        )
        await self.send_due()

    def _take_prefetched(
        self, feed: Feed, now: datetime
    ) -> tuple[FetchedPage | None, ParsedFeed | None]:
        found = self._prefetched.pop(feed.id, None)
        if found is None or now - found[0] > PREFETCH_FRESH:
            return None, None
        return found[1], found[2]

    async def _record(self, feed: Feed, *, ok: bool, next_in: int, **fields: Any) -> Feed | None:
        now = self.clock.now()
        check = FeedCheck(
            checked_at=now, next_check_at=now + timedelta(seconds=next_in), ok=ok, **fields
        )
        return await self.store.record_feed_check(feed.guild_id, feed.id, check)

    async def _failed(self, feed: Feed, error: FetchError | NotAFeed) -> None:
        failures = feed.failures + 1
        retry_after = error.retry_after if isinstance(error, HTTPStatus) else None
        policy = self.settings.policy
        pause: PauseReason | None = None
        if isinstance(error, HTTPStatus) and error.status == 410:
            pause = "gone"
        elif isinstance(error, Refused) or failures >= policy.pause_after:
            pause = "failing"
        detail = error.detail if isinstance(error, FetchError) else str(error)
        log.info("guild %s: feed %d failed (%d in a row): %s", feed.guild_id, feed.number,
                 failures, detail)  # fmt: skip
        updated = await self._record(
            feed,
            ok=False,
            next_in=policy.after_failure(feed.every, failures, feed.id, retry_after),
            error=_short(error),
            pause=pause,
        )
        if updated is not None and updated.paused in ("failing", "gone") and not updated.notified:
            await self._tell_paused(updated)

    async def _tell_paused(self, feed: Feed) -> None:
        """Tell the channel once: `notified` is set whether or not the message went through
        (a channel the bot cannot post in would be asked again at every check)."""
        await self.store.update_feed(feed.guild_id, feed.number, notified=True)
        try:
            await self.poster.tell_paused(feed)
        except Exception as exc:
            log.warning("guild %s: could not say feed %d was paused: %r",
                        feed.guild_id, feed.number, exc)  # fmt: skip

    async def _take_new(self, feed: Feed, parsed: ParsedFeed) -> tuple[bool, int]:
        """Queue the posts of the feed's new items; (whether every new item was taken, how
        many were queued)."""
        keyed = [(item, item_keys(feed.url, item)) for item in parsed.items]
        every_key = [k for _, keys in keyed for k in keys]
        seen = await self.store.seen_keys(feed.guild_id, feed.channel_id, every_key)
        new: list[tuple[int, FeedItem, list[bytes]]] = []
        claimed: set[bytes] = set(seen)
        for position, (item, keys) in enumerate(keyed):
            if claimed.isdisjoint(keys):  # (the same item twice in one feed counts once)
                new.append((position, item, keys))
            claimed.update(keys)
        # oldest first: by date, else by the feed's order (newest first, as feeds list them)
        new.sort(key=lambda n: (n[1].published is None, n[1].published or 0, -n[0]))
        first = feed.last_success_at is None
        if first and len(new) > self.settings.first_items:
            skipped = new[: len(new) - self.settings.first_items]
            new = new[len(new) - self.settings.first_items :]
            await self.store.mark_seen(
                feed.guild_id,
                feed.channel_id,
                [k for _, _, keys in skipped for k in keys],
                at=self.clock.now(),
            )
        batch = new[: self.settings.items_per_check]
        queued = 0
        for _, item, keys in batch:
            if await self._take_item(feed, item, keys):
                queued += 1
            else:
                return False, queued  # the feed was removed meanwhile
        return len(batch) == len(new), queued

    async def _take_item(self, feed: Feed, item: FeedItem, keys: Sequence[bytes]) -> bool:
        """The item as an article, and its post in the outbox. False when the feed is gone."""
        note: str | None = None
        text, title, url = "", item.title, item.link
        meta: dict[str, Any] = {"site_name": feed.title or None, "feed": feed.number}
        if item.link:
            try:
                fetched = await self.fetch(item.link)
                page = await self.engine.extract(fetched, feed.guild_id)
                text, title, url = page.text, item.title or page.title, page.url or item.link
                if page.author:
                    meta["author"] = page.author
            except FetchError as exc:
                log.info("guild %s: feed %d: item page %s: %s",
                         feed.guild_id, feed.number, item.link, exc.detail)  # fmt: skip
                note = str(exc)
        if not text.strip() and item.text.strip():
            text = item.text
            if item.link:
                note = f"I couldn't read the article's page ({note.rstrip('.') if note else 'no text'}), so this digest is of the feed's own summary."  # noqa: E501
        text = _within(text, self.settings.max_article_bytes)
        if item.published is not None:
            meta["date"] = item.published.date().isoformat()
        number: int | None = None
        if text.strip():
            number = await self._store_article(feed, text, title, url, meta)
        link_only = number is None
        post = NewFeedPost(
            guild_id=feed.guild_id,
            channel_id=feed.channel_id,
            feed_id=feed.id,
            number=number,
            item={
                "link": url,
                "title": title,
                "date": item.published.isoformat() if item.published else None,
                "note": note if not link_only else "There is no text I can digest in this one.",
                "feed": feed.number,
            },
            keys=list(keys),
            nonce=secrets.token_hex(10),
            created_at=self.clock.now(),
        )
        queued = await self.store.queue_feed_post(post)
        if queued is None:
            return await self.store.get_feed(feed.guild_id, feed.number) is not None
        return True

    async def _store_article(
        self, feed: Feed, text: str, title: str | None, url: str | None, meta: dict[str, Any]
    ) -> int | None:
        try:
            analysed = await self.engine.analyze(text, title, feed.guild_id)
        except UserError as exc:  # too complex, too big...
            log.info("guild %s: feed %d: not digested: %s",
                     feed.guild_id, feed.number, exc.user_message)  # fmt: skip
            return None
        digest = analysed.digest
        if analysed.refusal or digest is None or not analysed.paragraphs:
            return None
        result = await self.store.add_article(
            NewArticle(
                guild_id=feed.guild_id,
                channel_id=feed.channel_id,
                author_id=feed.added_by,
                title=title or analysed.title,
                source_kind="url" if url else "text",
                source_ref=url,
                text=text,
                paragraphs=analysed.paragraphs,
                analysis=digest.to_dict(),
                engine_version=digest.engine_version,
                meta={k: v for k, v in meta.items() if v is not None},
                language=analysed.language,
            )
        )
        return result.article.number

    # --- the outbox -----------------------------------------------------------------------

    async def send_due(self) -> int:
        """Send the posts whose time has come (oldest first); returns how many were sent.
        One sender at a time, so a post is never sent twice at once."""
        sent = 0
        async with self._sending:
            while True:
                now = self.clock.now()
                posts = await self.store.pending_feed_posts(now, limit=50, shards=self.shards())
                if not posts:
                    return sent
                for post in posts:
                    sent += await self._send(post)
                if len(posts) < 50:
                    return sent

    async def _send(self, post: FeedPost) -> int:
        now = self.clock.now()
        feed_title = None
        feed = None
        if post.feed_id is not None and isinstance(post.item.get("feed"), int):
            feed = await self.store.get_feed(post.guild_id, post.item["feed"])
            feed_title = feed.name if feed is not None and feed.id == post.feed_id else None
        try:
            message_id = await self.poster.post(post, feed_title)
        except PostGone as gone:
            log.warning("guild %s: feed post %d dropped: %s", post.guild_id, post.id, gone)
            await self.store.finish_feed_post(post.guild_id, post.id, at=now)
            if gone.pause and feed is not None and feed.id == post.feed_id:
                await self.store.update_feed(
                    post.guild_id, feed.number, paused="channel", notified=True
                )
            return 0
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if post.attempts + 1 >= POST_ATTEMPTS:
                log.warning("guild %s: feed post %d dropped after %d tries: %r",
                            post.guild_id, post.id, POST_ATTEMPTS, exc)  # fmt: skip
                await self.store.finish_feed_post(post.guild_id, post.id, at=now)
                return 0
            wait = POST_RETRY[min(post.attempts, len(POST_RETRY) - 1)]
            log.warning("guild %s: feed post %d failed (%r); trying again in %d s",
                        post.guild_id, post.id, exc, wait)  # fmt: skip
            retry = now + timedelta(seconds=wait)
            await self.store.finish_feed_post(post.guild_id, post.id, at=now, retry_at=retry)
            return 0
        await self.store.finish_feed_post(post.guild_id, post.id, at=now, message_id=message_id)
        return 1

    # --- moderators' changes --------------------------------------------------------------

    async def pause(self, guild_id: int, number: int) -> Feed | None:
        return await self.store.update_feed(guild_id, number, paused="user")

    async def resume(self, guild_id: int, number: int) -> Feed | None:
        """Active again, checked now, its failures forgotten."""
        feed = await self.store.update_feed(
            guild_id, number, paused=None, notified=False, failures=0,
            next_check_at=self.clock.now(),
        )  # fmt: skip
        self.wake()
        return feed

    async def remove(self, guild_id: int, number: int) -> Feed | None:
        feed = await self.store.remove_feed(guild_id, number)
        if feed is not None:
            self._prefetched.pop(feed.id, None)
        return feed

    async def article(self, guild_id: int, number: int) -> StoredArticle | None:
        return await self.store.get_article(guild_id, number)


def _within(text: str, limit: int) -> str:
    """`text`, cut at a paragraph end to at most `limit` UTF-8 bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[:limit].decode("utf-8", "ignore")
    end = cut.rfind("\n\n")
    return cut[:end] if end > 0 else cut
