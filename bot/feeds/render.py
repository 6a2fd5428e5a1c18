"""What a feed shows in Discord, within Discord's limits (`bot.render`'s packer).

- `post_pages(post, article, digest, feed_title=)`: a new item. Its first message opens with
  the feed's name, the item's date (a Discord timestamp: each reader sees it in their own time
  zone) and, when the page could not be read, a note saying the digest is of the feed's own
  summary; then the digest (`digest_pages`: the title links to the item), or, for a compact
  feed, the title and the TL;DR only (the "Full digest" button shows the rest). An item with
  no text to digest is its title and link.
- `feed_list_pages(feeds)`: `/feed list`, with each feed's state.
- `paused_text(feed)`: what the channel is told, once, when a feed is paused for failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from storage import Feed, FeedPost, StoredArticle

from ..article import Digest
from ..render import (
    COLOR,
    TITLE_LIMIT,
    Page,
    build_pages,
    clip,
    digest_pages,
    inline,
    text_pages,
)
from ..render.digest import tldr_lines

CONTENT_ROOM = 1800  # of a message's 2,000 characters, for the line above a digest
FULL_DIGEST = "Full digest"

PAUSE_WHY = {
    "user": "paused by a moderator",
    "failing": "paused: it kept failing",
    "gone": "paused: the site says the feed is gone",
    "channel": "paused: I can't post in its channel",
}


def _when(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return discord.utils.format_dt(moment, "f")


def post_heading(post: FeedPost, feed_title: str | None) -> str:
    """The line above the digest: feed, date, note."""
    parts = [f"📰 **{clip(inline(feed_title), 200)}**" if feed_title else "📰 New in a feed"]
    when = _when(post.item.get("date"))
    if when:
        parts.append(when)
    text = " · ".join(parts)
    note = post.item.get("note")
    if isinstance(note, str) and note:
        text += f"\n⚠️ {inline(note)}"
    return clip(text, CONTENT_ROOM)


def post_pages(
    post: FeedPost,
    article: StoredArticle | None,
    digest: Digest | None,
    *,
    feed_title: str | None,
) -> list[Page]:
    heading = post_heading(post, feed_title)
    link = post.item.get("link") if isinstance(post.item.get("link"), str) else None
    if article is None or digest is None:
        title = post.item.get("title")
        lines = [heading]
        if isinstance(title, str) and title:
            lines.append(f"**{clip(inline(title), 300)}**")
        if link:
            lines.append(link)
        return text_pages("\n".join(lines))
    if post.compact:
        pages = _compact_pages(article, digest, link)
    else:
        pages = digest_pages(
            digest,
            number=article.number,
            title=article.title,
            paragraphs=[(p.number, p.text) for p in article.paragraphs],
            source_url=link,
            meta=article.meta,
        )
    pages[0].content = heading
    return pages


def _compact_pages(article: StoredArticle, digest: Digest, link: str | None) -> list[Page]:
    paragraphs = [(p.number, p.text) for p in article.paragraphs]
    name = article.title or digest.title or f"Article #{article.number}"
    lines = tldr_lines(digest.summary, paragraphs) or ["*No TL;DR for this one.*"]
    return build_pages(
        title=clip(inline(name), TITLE_LIMIT - 8),
        url=link,
        description="\n".join(["**TL;DR**", *lines]),
        fields=[],
        footer=(
            f"Article #{article.number} · {FULL_DIGEST} shows the rest · "
            f"Ask: /ask <question> article:#{article.number}"
        ),
    )


def _every(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"every {hours} h" if hours > 1 else "every hour"
    return f"every {max(1, seconds // 60)} min"


def _ago(moment: datetime | None, never: str = "never") -> str:
    return discord.utils.format_dt(moment, "R") if moment is not None else never


def feed_line(feed: Feed) -> tuple[str, str]:
    """One feed of `/feed list`: (name, value)."""
    name = clip(f"{feed.number} · {inline(feed.name)}", 250)
    state = PAUSE_WHY.get(feed.paused or "", "active")
    options = [f"<#{feed.channel_id}>", _every(feed.every), state]
    if feed.compact:
        options.append("compact")
    lines = [
        " · ".join(options),
        f"Checked {_ago(feed.last_check_at)} · last new item {_ago(feed.last_item_at)}",
    ]
    if feed.failures:
        error = f": {clip(inline(feed.last_error), 300)}" if feed.last_error else ""
        lines.append(f"Failed {feed.failures}× in a row{error}")
    lines.append(f"<{feed.url}>" if len(feed.url) < 400 else clip(feed.url, 400))
    return name, "\n".join(lines)


def feed_list_pages(feeds: Sequence[Feed], *, limit: int) -> list[Page]:
    if not feeds:
        return [
            Page(
                embeds=[
                    discord.Embed(
                        title="Feeds",
                        description=(
                            "This server follows no feed yet. A moderator can add one with "
                            "`/feed add <url> [channel]`."
                        ),
                        color=COLOR,
                    )
                ]
            )
        ]
    return build_pages(
        title=f"Feeds ({len(feeds)} of {limit})",
        description="",
        fields=[feed_line(f) for f in feeds],
        footer="/feed pause, resume, set or remove <feed> · moderators",
    )


def paused_text(feed: Feed) -> str:
    """The notice a channel gets, once, when its feed is paused for failing."""
    why = feed.last_error or "it kept failing"
    what = (
        "the site says the feed is gone"
        if feed.paused == "gone"
        else f"it failed {feed.failures} times in a row"
    )
    return clip(
        f"⏸️ Moderators: I paused the feed **{inline(feed.name)}** (feed {feed.number}): "
        f"{what} (last error: {inline(why)}). `/feed resume {feed.number}` tries it again; "
        f"`/feed remove {feed.number}` stops following it.",
        2000,
    )
