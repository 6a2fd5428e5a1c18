"""The digest of an article, and the listing of a server's articles.

- `digest_pages(digest, number=, title=, paragraphs=, source_url=, meta=)` — the reply to a
  post and to `/article show`: title, TL;DR, each section's summary, key facts, every
  sentence with its ¶; the footer names the article, its paragraphs and language.
- `tldr_lines`, `section_fields`, `fact_lines` — the parts `/summary` and `/facts` share
  (`bot.render.discussion`): a sentence is shown once (those the TL;DR shows are left out of
  the sections; a section the TL;DR covers says so).
- `article_label(number, title)` ("#12 · Title"), `article_list_page` (`/article list`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import discord

from ..article import Digest, Fact, Summary, language_name
from ..refs import para_ref, sentence_paragraphs, sentence_ref
from .pages import COLOR, TITLE_LIMIT, Page, build_pages
from .text import URL, clip, inline

IN_TLDR = "*Summarised in the TL;DR above.*"
LANGUAGE_NAME_LIMIT = 40  # a stored digest's language is shown as it is: not at any length


def sentence_lines(sentences: Sequence[str], numbers: Sequence[int | None]) -> list[str]:
    """ "• sentence (¶n)" for each sentence (escaped), with its paragraph when known."""
    return [f"• {inline(s)}{sentence_ref(n)}" for s, n in zip(sentences, numbers, strict=True)]


def tldr_lines(summary: Summary, paragraphs: Sequence[tuple[int, str]] = ()) -> list[str]:
    """The TL;DR's lines, each sentence with its ¶ (`bot.refs.sentence_paragraphs`)."""
    numbers = sentence_paragraphs(summary.tldr, summary.tldr_paragraphs, paragraphs)
    return sentence_lines(summary.tldr, numbers)


def section_fields(
    summary: Summary, paragraphs: Sequence[tuple[int, str]] = ()
) -> list[tuple[str, str]]:
    """One field per section summary, "Heading · ¶2–4". A sentence is shown once: those the
    TL;DR already shows are left out, and a section the TL;DR covers says so. (A sentence
    is the same as one of the TL;DR when its text is, and, where the engine said which
    paragraph each comes from, its paragraph too: the same words twice in an article are two
    sentences.)"""
    tldr_known = len(summary.tldr_paragraphs) == len(summary.tldr)
    shown_texts = set(summary.tldr)
    shown = set(zip(summary.tldr, summary.tldr_paragraphs, strict=False))
    fields: list[tuple[str, str]] = []
    for i, section in enumerate(summary.sections, 1):
        ref = para_ref(section.paragraphs)
        label = inline(section.heading) if section.heading else f"Part {i}"
        name = f"{label} · {ref}" if ref else label
        known = tldr_known and len(section.sentence_paragraphs) == len(section.sentences)
        numbers = sentence_paragraphs(
            section.sentences, section.sentence_paragraphs, paragraphs, section.paragraphs
        )
        fresh = [
            (s, n)
            for s, n in zip(section.sentences, numbers, strict=True)
            if ((s, n) not in shown if known else s not in shown_texts)
        ]
        if fresh:
            lines = sentence_lines([s for s, _ in fresh], [n for _, n in fresh])
            fields.append((name, "\n".join(lines)))
        elif section.sentences:
            fields.append((name, IN_TLDR))
    return fields


def fact_lines(facts: Sequence[Fact]) -> list[str]:
    return sentence_lines([f.text for f in facts], [f.paragraph for f in facts])


def digest_pages(
    digest: Digest,
    *,
    number: int,
    title: str | None = None,
    paragraphs: Sequence[tuple[int, str]] = (),
    source_url: str | None = None,
    meta: dict[str, Any] | None = None,
    hint: str | None = None,
) -> list[Page]:
    """The digest reply: title, TL;DR, each section's summary with ¶ numbers, key facts with
    ¶, and a footer with the article number, its language when known, and how to ask about
    it.

    Each sentence shows the paragraph the engine says it comes from; for a digest stored
    before the engine said, `paragraphs` — `(number, text)` of the stored article — is
    searched instead. `hint` replaces the default "how to ask" footer text."""
    name = title or digest.title
    heading = inline(name) if name else f"Article #{number}"
    byline = []
    for key in ("author", "site_name", "date"):
        value = (meta or {}).get(key)
        if isinstance(value, str) and value.strip():
            byline.append(inline(value))
    description: list[str] = []
    if byline:
        description.append("*" + " · ".join(byline) + "*")
    if source_url:
        description.append(f"<{source_url}>" if URL.fullmatch(source_url) else inline(source_url))
    if digest.summary.tldr:
        description.append("**TL;DR**")
        description.extend(tldr_lines(digest.summary, paragraphs))
    fields = section_fields(digest.summary, paragraphs)
    if digest.facts:
        fields.append(("Key facts", "\n".join(fact_lines(digest.facts))))
    about = [f"Article #{number}", f"{digest.paragraph_count} paragraphs"]
    if digest.language:
        about.append(clip(inline(language_name(digest.language)), LANGUAGE_NAME_LIMIT))
    about.append(hint or f"Ask: /ask <question> article:#{number} — or reply to this message")
    footer = " · ".join(about)
    url = source_url if source_url and URL.fullmatch(source_url) else None
    return build_pages(
        title=clip(heading, TITLE_LIMIT - 8),
        url=url,
        description="\n".join(description),
        fields=fields,
        footer=footer,
    )


# --- listings -------------------------------------------------------------------------------


class ListedArticle(Protocol):
    """What a listing row shows (`storage.ArticleInfo` has these)."""

    @property
    def number(self) -> int: ...
    @property
    def title(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def paragraph_count(self) -> int: ...


def article_label(number: int, title: str | None) -> str:
    """ "#12 · Title", escaped for Markdown."""
    return f"#{number} · {inline(title)}" if title else f"#{number} · (untitled)"


def article_list_page(
    items: Sequence[ListedArticle], *, total: int, page: int, page_count: int
) -> Page:
    """One page of `/article list` (newest first)."""
    if not items:
        return Page(
            embeds=[
                discord.Embed(
                    title="Articles",
                    description="No articles yet. A moderator can post one with `/article post`.",
                    color=COLOR,
                )
            ]
        )
    lines = []
    for info in items:
        when = discord.utils.format_dt(info.created_at, "R")
        label = clip(article_label(info.number, info.title), 300)
        lines.append(f"**{label}** — {info.paragraph_count} ¶ — {when}")
    pages = build_pages(
        title=f"Articles ({total})",
        description="\n".join(lines),
        footer=f"Page {page + 1}/{max(page_count, 1)} · /article show <article> for a digest",
    )
    return pages[0]
