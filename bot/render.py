"""Engine results → Discord messages and embeds that always fit Discord's limits.

Discord's server enforces the limits below (discord.py does not); a reply that breaks one is
a 400 and the user sees nothing. Everything here therefore measures what it builds and,
when something is too long, *splits* it — into more fields, more embeds, more messages
("pages") — instead of cutting meaning off. A piece of text is cut only when a single line
is longer than a whole field or description, and then at a word boundary with a visible
"…" marker at both ends of the cut.

Lengths are counted in UTF-16 code units (`dlen`), which is never less than Python's
`len`, so the result fits whichever way a server counts.

Quoted article text goes through `inline()`/`escape()`, so an article cannot break the
Markdown around it: `unescape(escape(s)) == s` for every string.

Building blocks for other cogs (the discussion cog uses them):
- `escape`, `unescape`, `inline`, `quote`, `clip`, `dlen`
- `split_text(text, limit)` — lines → words → characters, with markers
- `build_pages(title=, url=, description=, fields=, footer=)` → `list[Page]`
- `text_pages(text)` → `list[Page]` of plain messages (≤ 2000 each)
- `Page.send_kwargs()` / `Page.edit_kwargs()` — always carry `allowed_mentions=NO_MENTIONS`
- `page_problems(page)` — every limit a page breaks (tests use it)
- `para_ref`, `locate_paragraph`

For discussing articles (`cogs.discuss`):
- `Quoted` + `quote_pages(groups, content=, footer=)` — paragraphs as block quotes headed
  "¶n · section", a long one continued in "(cont.)" embeds, cut between words with "…"
- `answer_pages` (best sentence in bold, best passages first; `answer_groups` decides what the
  first message holds), `not_covered_text`, `summary_pages`, `facts_pages`, `search_pages`
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import discord

from .article import Digest, Fact, Passage, Summary

NO_MENTIONS = discord.AllowedMentions.none()

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
EMBED_COUNT_LIMIT = 10

COLOR = 0x5865F2
ELLIPSIS = "…"
_CONT = " (cont.)"
_PAGE_MARK_RESERVE = len(" · 999/999")


def dlen(text: str) -> int:
    """Length as Discord may count it: UTF-16 code units (≥ `len(text)`)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --- escaping -------------------------------------------------------------------------------

# A URL is left as it is: Discord does not parse Markdown inside an auto-link, and escaping
# would break the link. Backslashes are excluded so that `unescape` can never touch a URL.
_URL = re.compile(r"""https?://[^\s<>\\]*[^\s<>\\.,:;"')\]]""")
_SPECIAL = re.compile(r"[\\*_~|`<>\[\]#]")
_LINE_MARKER = re.compile(r"^([ \t]*)(?:([-+])|(\d+)\.)(?=\s|$)", re.MULTILINE)
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _escape_plain(text: str) -> str:
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def escape(text: str) -> str:
    """Backslash-escape everything Discord's Markdown could act on (URLs stay clickable).

    Emphasis, code, spoilers, strike-through, quotes, headings, list markers, masked links,
    and `<…>` forms (user/role/channel mentions, custom emoji, timestamps) all render as the
    literal characters. `unescape(escape(s)) == s`.
    """
    out: list[str] = []
    pos = 0
    for m in _URL.finditer(text):
        out.append(_escape_plain(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_escape_plain(text[pos:]))
    escaped = "".join(out)

    def marker(m: re.Match[str]) -> str:
        if m.group(2):
            return f"{m.group(1)}\\{m.group(2)}"
        return f"{m.group(1)}{m.group(3)}\\."

    return _LINE_MARKER.sub(marker, escaped)


def unescape(text: str) -> str:
    """Undo `escape` (and any Markdown backslash escape)."""
    return _UNESCAPE.sub(r"\1", text)


def inline(text: str) -> str:
    """Quoted text for one line: whitespace runs become one space, then `escape`."""
    return escape(" ".join(text.split()))


def quote(text: str) -> str:
    """A Markdown block quote of `text` (escaped, on one line)."""
    return "> " + inline(text)


def clip(text: str, limit: int) -> str:
    """`text` if it fits, else cut at a word boundary with "…" (for names and titles only)."""
    if dlen(text) <= limit:
        return text
    cut = _prefix_within(text, limit - 1)
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _prefix_within(text: str, limit: int) -> str:
    """The longest prefix of `text` of at most `limit` UTF-16 units not ending mid-escape."""
    used = 0
    end = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            break
        end = i + 1
    prefix = text[:end]
    # Never separate a backslash from the character it escapes.
    trailing = len(prefix) - len(prefix.rstrip("\\"))
    if trailing % 2:
        prefix = prefix[:-1]
    return prefix


# --- splitting ------------------------------------------------------------------------------


_WORD_WITH_SPACE = re.compile(r"\s*\S+")


def _split_line(line: str, limit: int) -> list[str]:
    """Split one over-long line at white space (spaces, tabs), marking each cut with "…" on
    both sides; a word longer than a piece is cut inside, marked the same way."""
    budget = limit - 2  # room for " …" or "… "
    pieces: list[str] = []
    current = ""
    for token in _WORD_WITH_SPACE.findall(line):  # each word with the white space before it
        candidate = current + token if current else token.lstrip()
        if dlen(candidate) + 2 <= budget:
            current = candidate
            continue
        if current:
            pieces.append(current)
            current = ""
        word = token.lstrip()
        while dlen(word) + 2 > budget:
            head = _prefix_within(word, budget - 2)
            if not head:  # pathological: a lone escape pair longer than the limit
                head = word[:1]
            pieces.append(head)
            word = word[len(head) :]
        current = word
    if current or not pieces:
        pieces.append(current)
    marked: list[str] = []
    for i, piece in enumerate(pieces):
        if i > 0:
            piece = ELLIPSIS + " " + piece
        if i < len(pieces) - 1:
            piece = piece + " " + ELLIPSIS
        marked.append(piece)
    return marked


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into chunks of at most `limit` UTF-16 units: between lines where possible,
    then between words, marking a cut inside a line with "…". Empty chunks are dropped."""
    if limit < 16:
        raise ValueError("limit too small to split into")
    if dlen(text) <= limit:
        return [text] if text.strip() else []
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if dlen(candidate) <= limit:
            current = candidate
            continue
        if current.strip():
            chunks.append(current)
        current = ""
        if dlen(line) <= limit:
            current = line
            continue
        pieces = _split_line(line, limit)
        chunks.extend(pieces[:-1])
        current = pieces[-1]
    if current.strip():
        chunks.append(current)
    return [c.strip("\n") for c in chunks if c.strip()]


# --- pages ----------------------------------------------------------------------------------


@dataclass
class Page:
    """One message: optional content and up to ten embeds, within every limit."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)

    def send_kwargs(self) -> dict[str, Any]:
        """For `send`/`reply`/`followup.send`: only what is present, and no mentions."""
        kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """For `edit`/`edit_message`: replaces both content and embeds."""
        return {"content": self.content, "embeds": self.embeds, "allowed_mentions": NO_MENTIONS}


def embed_length(embed: discord.Embed) -> int:
    """What Discord counts towards the 6000 characters of a message's embeds."""
    total = dlen(embed.title or "") + dlen(embed.description or "")
    total += dlen(embed.footer.text or "") + dlen(embed.author.name or "")
    for f in embed.fields:
        total += dlen(f.name or "") + dlen(f.value or "")
    return total


def page_problems(page: Page) -> list[str]:
    """Every Discord limit `page` breaks (empty when it can be sent)."""
    problems: list[str] = []
    if not page.content and not page.embeds:
        problems.append("empty message")
    if page.content and dlen(page.content) > CONTENT_LIMIT:
        problems.append(f"content {dlen(page.content)} > {CONTENT_LIMIT}")
    if len(page.embeds) > EMBED_COUNT_LIMIT:
        problems.append(f"{len(page.embeds)} embeds > {EMBED_COUNT_LIMIT}")
    total = 0
    for i, e in enumerate(page.embeds):
        checks = [
            ("title", e.title or "", TITLE_LIMIT),
            ("description", e.description or "", DESCRIPTION_LIMIT),
            ("footer", e.footer.text or "", FOOTER_LIMIT),
            ("author", e.author.name or "", AUTHOR_LIMIT),
        ]
        for what, text, limit in checks:
            if dlen(text) > limit:
                problems.append(f"embed {i} {what} {dlen(text)} > {limit}")
        if len(e.fields) > FIELD_COUNT_LIMIT:
            problems.append(f"embed {i} has {len(e.fields)} fields > {FIELD_COUNT_LIMIT}")
        for j, f in enumerate(e.fields):
            name, value = f.name or "", f.value or ""
            if not name.strip() or dlen(name) > FIELD_NAME_LIMIT:
                problems.append(f"embed {i} field {j} name length {dlen(name)}")
            if not value.strip() or dlen(value) > FIELD_VALUE_LIMIT:
                problems.append(f"embed {i} field {j} value length {dlen(value)}")
        if not (e.title or e.description or e.fields):
            problems.append(f"embed {i} is empty")
        total += embed_length(e)
    if total > EMBED_TOTAL_LIMIT:
        problems.append(f"embeds total {total} > {EMBED_TOTAL_LIMIT}")
    return problems


class _Packer:
    """Fills embeds and messages in order, starting a new one whenever a limit would break."""

    def __init__(self, title: str | None, url: str | None, footer: str | None, color: int):
        self.title = clip(title, TITLE_LIMIT) if title else None
        self.url = url
        self.footer = clip(footer, FOOTER_LIMIT - _PAGE_MARK_RESERVE) if footer else None
        self.color = color
        self.budget = EMBED_TOTAL_LIMIT - dlen(self.title or "")
        self.budget -= dlen(self.footer or "") + _PAGE_MARK_RESERVE
        self.pages: list[list[discord.Embed]] = []
        self.embeds: list[discord.Embed] = []
        self.used = 0

    def _flush(self) -> None:
        if self.embeds:
            self.pages.append(self.embeds)
        self.embeds = []
        self.used = 0

    def _place(self, cost: int, fresh: bool) -> discord.Embed:
        """The embed that takes an item of `cost` characters: the last one, unless `fresh`
        is asked or a limit of the message would break (then a new message starts)."""
        fresh = fresh or not self.embeds
        if self.used + cost > self.budget or (fresh and len(self.embeds) == EMBED_COUNT_LIMIT):
            self._flush()
            fresh = True
        self.used += cost
        if fresh:
            embed = discord.Embed(color=self.color)
            if not self.embeds and self.title:
                embed.title = self.title
                if self.url:
                    embed.url = self.url
            self.embeds.append(embed)
        return self.embeds[-1]

    def add_description(self, chunk: str) -> None:
        last = self.embeds[-1] if self.embeds else None
        reuse = last is not None and not last.description and not last.fields
        self._place(dlen(chunk), fresh=not reuse).description = chunk

    def add_field(self, name: str, value: str) -> None:
        last = self.embeds[-1] if self.embeds else None
        full = last is not None and len(last.fields) >= FIELD_COUNT_LIMIT
        self._place(dlen(name) + dlen(value), fresh=full).add_field(
            name=name, value=value, inline=False
        )

    def finish(self) -> list[Page]:
        self._flush()
        if not self.pages:
            self.pages.append([discord.Embed(color=self.color, title=self.title or "(empty)")])
        count = len(self.pages)
        out: list[Page] = []
        for i, embeds in enumerate(self.pages, 1):
            footer = self.footer or ""
            if count > 1:
                footer = f"{footer} · {i}/{count}" if footer else f"{i}/{count}"
            if footer:
                embeds[-1].set_footer(text=footer)
            out.append(Page(embeds=embeds))
        return out


def build_pages(
    *,
    title: str | None = None,
    url: str | None = None,
    description: str = "",
    fields: Iterable[tuple[str, str]] = (),
    footer: str | None = None,
    color: int = COLOR,
) -> list[Page]:
    """Lay out a titled description and named fields over as many embeds and messages as
    Discord's limits need. Over-long values continue in a field named "<name> (cont.)".
    The title (already escaped if it quotes user text) heads each message; the footer ends
    each message, with "i/n" when there are several."""
    packer = _Packer(title, url, footer, color)
    for chunk in split_text(description, DESCRIPTION_LIMIT):
        packer.add_description(chunk)
    for name, value in fields:
        base = clip(name.strip() or "\u200b", FIELD_NAME_LIMIT - len(_CONT))
        for i, chunk in enumerate(split_text(value, FIELD_VALUE_LIMIT) or ["\u200b"]):
            packer.add_field(base if i == 0 else base + _CONT, chunk)
    return packer.finish()


def text_pages(text: str) -> list[Page]:
    """Plain messages of at most 2000 characters each."""
    return [Page(content=c) for c in split_text(text, CONTENT_LIMIT)] or [Page(content="\u200b")]


# --- paragraph references -------------------------------------------------------------------


def para_ref(numbers: Sequence[int]) -> str:
    """`[1, 2, 3, 5]` → "¶1–3, ¶5"."""
    nums = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        parts.append(f"¶{nums[i]}" if i == j else f"¶{nums[i]}–{nums[j]}")
        i = j + 1
    return ", ".join(parts)


def _norm(text: str) -> str:
    return " ".join(text.split())


def locate_paragraph(
    sentence: str, paragraphs: Sequence[tuple[int, str]], among: Sequence[int] = ()
) -> int | None:
    """The number of the first paragraph (of `among`, if given) holding `sentence` verbatim,
    whitespace aside."""
    wanted = _norm(sentence)
    allowed = set(among)
    for number, text in paragraphs:
        if (not allowed or number in allowed) and wanted in _norm(text):
            return number
    return None


# --- digests --------------------------------------------------------------------------------


def _sentence_lines(
    sentences: Sequence[str], paragraphs: Sequence[tuple[int, str]], among: Sequence[int] = ()
) -> list[str]:
    lines = []
    for s in sentences:
        n = locate_paragraph(s, paragraphs, among)
        lines.append(f"• {inline(s)}" + (f" (¶{n})" if n is not None else ""))
    return lines


IN_TLDR = "*Summarised in the TL;DR above.*"


def _section_fields(
    summary: Summary, paragraphs: Sequence[tuple[int, str]]
) -> list[tuple[str, str]]:
    """One field per section summary, "Heading · ¶2–4". A sentence is shown once: those the
    TL;DR already shows are left out, and a section the TL;DR covers says so."""
    shown = set(summary.tldr)
    fields: list[tuple[str, str]] = []
    for i, section in enumerate(summary.sections, 1):
        ref = para_ref(section.paragraphs)
        label = inline(section.heading) if section.heading else f"Part {i}"
        name = f"{label} · {ref}" if ref else label
        fresh = [s for s in section.sentences if s not in shown]
        lines = _sentence_lines(fresh, paragraphs, section.paragraphs)
        if lines:
            fields.append((name, "\n".join(lines)))
        elif section.sentences:
            fields.append((name, IN_TLDR))
    return fields


def _fact_lines(facts: Sequence[Fact]) -> list[str]:
    return [f"• {inline(f.text)} (¶{f.paragraph})" for f in facts]


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
    ¶, and a footer with the article number and how to ask about it.

    `paragraphs` — `(number, text)` of the stored article — lets each sentence show the
    paragraph it comes from. `hint` replaces the default "how to ask" footer text."""
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
        description.append(f"<{source_url}>" if _URL.fullmatch(source_url) else inline(source_url))
    if digest.summary.tldr:
        description.append("**TL;DR**")
        description.extend(_sentence_lines(digest.summary.tldr, paragraphs))
    fields = _section_fields(digest.summary, paragraphs)
    if digest.facts:
        fields.append(("Key facts", "\n".join(_fact_lines(digest.facts))))
    counts = f"{digest.paragraph_count} paragraphs"
    ask = hint or f"Ask: /ask <question> article:#{number} — or reply to this message"
    footer = f"Article #{number} · {counts} · {ask}"
    url = source_url if source_url and _URL.fullmatch(source_url) else None
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


# --- discussing articles: quotes, answers, summaries, facts, search ---------------------------

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
        head = _prefix_within(token, room) or token[:1]
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
    return clip(title, TITLE_LIMIT - len(_CONT))


def quote_pages(
    groups: Sequence[Sequence[Quoted]],
    *,
    content: str | None = None,
    footer: str | None = None,
    color: int = COLOR,
) -> list[Page]:
    """Block quotes of paragraphs, one embed per paragraph headed "¶n · section", over as many
    messages as Discord's limits need. Each group starts a new message (an answer's first
    message holds its best passages; "More" sends the next group).

    A paragraph too long for one embed (4096) or for what is left of a message (6000)
    continues in another embed titled "… (cont.)", cut between words with "…" on both sides
    of the cut; bold text is closed and reopened around a cut. `content` heads every
    message; the footer ends each, with "i/n" when there are several."""
    footer_text = clip(footer, FOOTER_LIMIT - _PAGE_MARK_RESERVE) if footer else None
    header = clip(content, CONTENT_LIMIT) if content else None
    budget = EMBED_TOTAL_LIMIT - dlen(footer_text or "") - _PAGE_MARK_RESERVE
    pages: list[list[discord.Embed]] = []
    embeds: list[discord.Embed] = []
    used = 0

    def flush() -> None:
        nonlocal embeds, used
        if embeds:
            pages.append(embeds)
        embeds, used = [], 0

    for group in groups:
        flush()
        for q in group:
            head = quote_title(q)
            tokens = _quote_tokens(q.text, q.highlight)
            i, bold, first = 0, False, True
            while i < len(tokens):
                title = head if first else head + _CONT
                room = min(DESCRIPTION_LIMIT, budget - used - dlen(title)) - _QUOTE_RESERVE
                rest = dlen(" ".join(tokens[i:]))
                if embeds and (room < min(_MIN_PIECE, rest) or len(embeds) == EMBED_COUNT_LIMIT):
                    flush()
                    continue
                end = len(tokens) if rest <= room else _take(tokens, i, room)
                piece = " ".join(tokens[i:end])
                closes = bold != (_bold_marks(piece) % 2 == 1)
                description = "> " + ("… " if not first else "") + ("**" if bold else "")
                description += piece + ("**" if closes else "")
                description += " …" if end < len(tokens) else ""
                embed = discord.Embed(title=title, description=description, color=color)
                embeds.append(embed)
                used += dlen(title) + dlen(description)
                i, bold, first = end, closes, False
    flush()
    if not pages:
        return [Page(content=header or "\u200b")]
    out: list[Page] = []
    for n, page_embeds in enumerate(pages, 1):
        text = footer_text or ""
        if len(pages) > 1:
            text = f"{text} · {n}/{len(pages)}" if text else f"{n}/{len(pages)}"
        if text:
            page_embeds[-1].set_footer(text=text)
        out.append(Page(content=header, embeds=page_embeds))
    return out


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
    description = _sentence_lines(summary.tldr, paragraphs)
    fields = _section_fields(summary, paragraphs) if sections else []
    if facts:
        fields.append(("Key facts", "\n".join(_fact_lines(facts))))
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
    lines = _fact_lines(facts)
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
