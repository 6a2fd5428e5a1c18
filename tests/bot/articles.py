"""Articles for the bot's tests, analysed by the real engine: to store, or as stored."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.article import analyze, parse
from storage import NewArticle, StoredArticle, StoredParagraph


def new_article(
    text: str, *, title: str | None = None, guild_id: int = 1, channel_id: int | None = None
) -> NewArticle:
    """`text` parsed and analysed as `/article post` would, ready for `Store.add_article`."""
    article = parse(text, title=title)
    digest = analyze(article)
    return NewArticle(
        guild_id=guild_id,
        channel_id=channel_id,
        author_id=1,
        title=title,
        source_kind="text",
        source_ref=None,
        text=text,
        paragraphs=[(p.number, p.heading, p.text) for p in article.paragraphs],
        analysis=digest.to_dict(),
        engine_version=digest.engine_version,
    )


def stored_article(
    number: int, text: str, *, guild_id: int = 1, channel_id: int | None = None
) -> StoredArticle:
    """`new_article(text)` as the store gives it back, numbered `number`, without a store."""
    new = new_article(text, guild_id=guild_id, channel_id=channel_id)
    return StoredArticle(
        number=number,
        created_at=datetime.now(UTC),
        paragraphs=[StoredParagraph(*p) for p in new.paragraphs],
        analysis=dict(new.analysis),
        meta=dict(new.meta),
        **{
            f.name: getattr(new, f.name)
            for f in dataclasses.fields(new)
            if f.name not in ("paragraphs", "analysis", "meta")
        },
    )
