"""Discussing articles: quotes, answers, summaries, facts and search results.

- `Quoted` + `quote_pages(groups, content=, footer=)` — paragraphs as block quotes headed
  "¶n · section", a long one continued in "(cont.)" embeds, cut between words with "…"
  (packed by `bot.render.pages.Packer`).
- `answer_pages` (best sentence in bold, best passages first; `answer_groups` decides what the
  first message holds), `not_covered_text`.
- `summary_pages` (`/summary`), `facts_pages` (`/facts`), `search_pages` (`/search`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import discord

from ..article import Fact, Passage, Summary
from .digest import article_label, fact_lines, section_fields, tldr_lines
from .pages import (
    COLOR,
    CONT,
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    Packer,
    Page,
    build_pages,
)
from .text import clip, dlen, escape, inline, prefix_within

# "> " + "… " + "**" before a piece, "**" + " …" after it.
_QUOTE_RESERVE = 10
_MIN_PIECE = 200  # a quote piece is not started in less room than this: a new message starts
_BOLD_MARK = re.compile(r"\\.|\*\*")


@dataclass(frozen=True, slots=True)
class Quoted:
    """A paragraph to quote verbatim: its number, text, section heading, and optionally one of
    its sentences to show in bold (`highlight`)."""

    paragraph: int
    text: str
    heading: str | None = None
    highlight: str | None = None


def _quote_tokens(text: str, highlight: str | None) -> list[str]:
    """`text` on one line, escaped, with `highlight` (if found in it) between `**`, in words."""
    body = " ".join(text.split())
    mark = " ".join(highlight.split()) if highlight else ""
    at = body.find(mark) if mark else -1
    if at < 0:
        line = escape(body)
    else:
        end = at + len(mark)
        line = escape(body[:at]) + "**" + escape(mark) + "**" + escape(body[end:])
    return line.split(" ")


def _take(tokens: list[str], start: int, room: int) -> int:
    """Where the longest run of whole tokens from `start` fitting `room` ends. A first token
    longer than `room` is cut in two in place (never inside an escape)."""
    used = 0
    end = start
    while end < len(tokens):
        cost = dlen(tokens[end]) + (1 if end > start else 0)
        if used + cost > room:
            break
        used += cost
        end += 1
    if end == start:
        token = tokens[start]
        head = prefix_within(token, room) or token[:1]
        before = head[:-1]
        escaped = (len(before) - len(before.rstrip("\\"))) % 2 == 1
        if before and head.endswith("*") and not escaped and token[len(head) :].startswith("*"):
            head = before  # keep a "**" mark whole
        tokens[start : start + 1] = [head, token[len(head) :]]
        end = start + 1
    return end


def _bold_marks(piece: str) -> int:
    return sum(1 for m in _BOLD_MARK.finditer(piece) if m.group(0) == "**")


def quote_title(q: Quoted) -> str:
    """ "¶4 · Section heading", escaped and clipped for an embed title."""
    title = f"¶{q.paragraph}"
    if q.heading:
        title += f" · {inline(q.heading)}"
    return clip(title, TITLE_LIMIT - len(CONT))


def quote_pages(
    groups: Sequence[Sequence[Quoted]],
    *,
    content: str | None = None,
    footer: str | None = None,
    color: int = COLOR,
) -> list[Page]:
    """Block quotes of paragraphs, one embed per paragraph headed "¶n · section", over as many
    messages as Discord's limits need (`Packer`). Each group starts a new message (an
    answer's first message holds its best passages; "More" sends the next group).

    A paragraph too long for one embed (4096) or for what is left of a message (6000)
    continues in another embed titled "… (cont.)", cut between words with "…" on both sides
    of the cut; bold text is closed and reopened around a cut. `content` heads every
    message; the footer ends each, with "i/n" when there are several."""
    if not any(groups):
        return [Page(content=clip(content, CONTENT_LIMIT) if content else "\u200b")]
    packer = Packer(content=content, footer=footer, color=color)
    for group in groups:
        packer.new_message()
        for q in group:
            head = quote_title(q)
            tokens = _quote_tokens(q.text, q.highlight)
            i, bold, first = 0, False, True
            while i < len(tokens):
                title = head if first else head + CONT
                room = min(DESCRIPTION_LIMIT, packer.room - dlen(title)) - _QUOTE_RESERVE
                rest = dlen(" ".join(tokens[i:]))
                if packer.embeds and (room < min(_MIN_PIECE, rest) or packer.full):
                    packer.new_message()
                    continue
                end = len(tokens) if rest <= room else _take(tokens, i, room)
                piece = " ".join(tokens[i:end])
                closes = bold != (_bold_marks(piece) % 2 == 1)
                description = "> " + ("… " if not first else "") + ("**" if bold else "")
                description += piece + ("**" if closes else "")
                description += " …" if end < len(tokens) else ""
                packer.add_embed(title, description)
                i, bold, first = end, closes, False
    return packer.finish()


def answer_groups(
    passages: Sequence[Passage], *, per_page: int = 3, relative: float = 0.5
) -> list[list[Passage]]:
    """Passages (best first) in the groups an answer shows: the first message holds the best
    one and those right behind it (score at least `relative` × the best, up to `per_page`);
    each "More" shows the next `per_page`, weaker ones included."""
    if not passages:
        return []
    best = passages[0].score
    first = 1
    while first < min(per_page, len(passages)) and best > 0:
        if passages[first].score < best * relative:
            break
        first += 1
    rest = list(passages[first:])
    return [list(passages[:first])] + [
        rest[i : i + per_page] for i in range(0, len(rest), per_page)
    ]


def answer_pages(
    passages: Sequence[Passage],
    *,
    number: int,
    title: str | None,
    question: str,
    headings: Mapping[int, str | None] | None = None,
) -> list[Page]:
    """The answer to `question`: its passages as block quotes headed "¶n · section", the best
    sentence of each in bold; the first message holds the best passages (`answer_groups`).
    `passages` must not be empty (say `not_covered_text` instead)."""
    groups = [
        [
            Quoted(p.paragraph, p.text, (headings or {}).get(p.paragraph), highlight=p.sentence)
            for p in group
        ]
        for group in answer_groups(passages)
    ]
    label = clip(article_label(number, title), 200)
    content = f"**{label}** — “{clip(inline(question), 300)}”"
    footer = (
        f"Article #{number} · quoted word for word, the best-matching sentence in bold · "
        "reply to ask more"
    )
    return quote_pages(groups, content=content, footer=footer)


def not_covered_text(number: int, title: str | None) -> str:
    """What an answer says when the article does not cover the question."""
    label = clip(article_label(number, title), 200)
    return (
        f"**{label}** doesn't seem to cover that, so I have nothing to quote. "
        "Try other words, `/summary` for an overview, or `/search` across all articles."
    )


def summary_pages(
    summary: Summary,
    *,
    number: int,
    title: str | None,
    paragraphs: Sequence[tuple[int, str]],
    length: str,
    facts: Sequence[Fact] = (),
    sections: bool = True,
) -> list[Page]:
    """`/summary`: the TL;DR, then (when `sections`) each section's summary, then `facts` —
    every sentence verbatim with the ¶ it comes from."""
    label = clip(article_label(number, title), TITLE_LIMIT - 20)
    description = tldr_lines(summary, paragraphs)
    fields = section_fields(summary, paragraphs) if sections else []
    if facts:
        fields.append(("Key facts", "\n".join(fact_lines(facts))))
    if not description and not fields:
        description = ["(This article is too short to summarise: `/quote` shows it.)"]
    return build_pages(
        title=f"Summary ({length}) · {label}",
        description="\n".join(description),
        fields=fields,
        footer=f"Article #{number} · sentences quoted word for word · /quote #{number} <¶>",
    )


def facts_pages(facts: Sequence[Fact], *, number: int, title: str | None) -> list[Page]:
    """`/facts`: the key facts, each verbatim with its ¶ number."""
    label = clip(article_label(number, title), TITLE_LIMIT - 20)
    lines = fact_lines(facts)
    return build_pages(
        title=f"Key facts · {label}",
        description="\n".join(lines)
        or "I found no particular facts (numbers, names, dates) in it.",
        footer=f"Article #{number} · quoted word for word · /quote #{number} <¶> for context",
    )


class HitLike(Protocol):
    """What a search result row shows (`storage.SearchHit` has these)."""

    @property
    def number(self) -> int: ...
    @property
    def title(self) -> str | None: ...
    @property
    def paragraph(self) -> int: ...
    @property
    def snippet(self) -> str: ...


SNIPPET_LIMIT = 400


def search_pages(hits: Sequence[HitLike], *, query: str, per_page: int = 5) -> list[Page]:
    """`/search`: ranked paragraphs, `per_page` a message: article, ¶, and a quoted snippet."""
    heading = f"Search: “{clip(inline(query), 150)}”"
    if not hits:
        text = "No paragraph of this server's articles matches that. Try fewer or other words."
        return [Page(embeds=[discord.Embed(title=heading, description=text, color=COLOR)])]
    chunks = [hits[i : i + per_page] for i in range(0, len(hits), per_page)]
    pages: list[Page] = []
    for n, chunk in enumerate(chunks, 1):
        lines = [
            f"**{clip(article_label(h.number, h.title), 200)}** · ¶{h.paragraph}\n"
            f"> {clip(inline(h.snippet), SNIPPET_LIMIT)}"
            for h in chunk
        ]
        footer = f"{len(hits)} paragraphs · /quote <article> <¶> shows one · {n}/{len(chunks)}"
        pages.extend(build_pages(title=heading, description="\n".join(lines), footer=footer))
    return pages
