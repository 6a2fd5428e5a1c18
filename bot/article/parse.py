"""Plain text or Markdown in, `Article` out.

How a text becomes paragraphs and sections:

- **Paragraphs.** Blank lines always separate paragraphs. Inside a block of consecutive lines,
  each line is its own paragraph (scraped pages put one paragraph per line), except where a line
  is hard-wrapped: the next line continues it when it starts in lower case after a line without
  end punctuation, or when its first word would have fitted on the line (the usual reflow test on
  text wrapped at a fixed width). Wrapped lines are joined with single spaces. Consecutive list
  items ("- ", "* ", "• ", "1. ") form one paragraph, one item per line; the paragraph keeps
  their markers (Discord shows a quoted list as a list), its sentences do not.
- **Block quotes.** Lines that start with Markdown's `>` (or `> >`) form a block quote: its
  paragraphs are paragraphs of the article whose text is the quote without the markers (as `#`
  is dropped from a heading), split by the rules above, and never headings. A quote begins and
  ends a paragraph; an empty `>` line separates two of its paragraphs.
- **Headings.** A Markdown `#` line (or a Setext line underlined with `===`/`---`), and a lone
  short line (at most 12 words and 80 characters) that does not end in punctuation and starts
  with a capital. A lone short line at the very end of the text has nothing under it, so it stays
  a paragraph; so does one above a paragraph that starts in lower case (a sentence broken where
  a scraper dropped a link, not a section), and every heading of a text that would otherwise
  have no paragraph at all.
- **Page furniture** is dropped: whole lines such as "Read original article →",
  "Advertisement", "Share this", "Subscribe…", "Sign up for our newsletter", cookie notices,
  "Scroll down for video", "Image copyright …", "Back to top", rules (`---`). Only short lines
  that consist entirely of such matter are dropped, so a real sentence never is.
- **Title.** When `title` is given it is the title, and a first heading that repeats it is
  dropped. When `title` is None, the title is taken from the text only when the text clearly
  marks one: a first line that is a Markdown level-1 heading (`# Title` or `===`-underlined) with
  no other level-1 heading after it, or a first heading followed directly by another heading (a
  title above the first section's heading). Otherwise the title stays None, and a leading
  heading heads the first section (the sample article's "Detailed Analysis" is a section).

Every paragraph's `text` is the source text of its lines (wrapped lines joined by one space,
block-quote markers left out), and every sentence is a verbatim slice of its paragraph. So what
the engine quotes is verbatim in the paragraphs the bot stores and shows; markup markers (`#`,
`>`) are not content, and a quote's text is found in the source once they are taken away.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .language import detect_language
from .lexicon import lexicon
from .model import Article, Paragraph, Section
from .passages import MAX_PASSAGE, divide, leading_heading, refers_back
from .text import split_sentences

__all__ = ["from_paragraphs", "is_furniture", "is_list", "parse"]

# A `#` heading line: its level and text (`_atx` takes off a closing run of `#`). One greedy
# pass: a lazy text group before an optional closing run backtracked quadratically on spaces.
_ATX = re.compile(r"(#{1,6})[ \t]++(.*)")
_SETEXT = re.compile(r"^(?:=+|-+)[ \t]*$")
_RULE = re.compile(r"^(?:(?:[-*_=~·•][ \t]*){3,}|[←→»›<>|]+)$")
_BULLET = re.compile(r"^(?:[-*+•·▪‣◦–][ \t]+|\d{1,3}[.)][ \t]+)\S")
_ORDERED = re.compile(r"^(\d{1,3})[.)][ \t]")
_SENTENCE_END = (".", "!", "?", "…", '."', ".”", "。", "！", "？", "।", "؟")
_PER_LINE_MIN = 3  # lines of a block that can hold one paragraph per line
_PER_LINE_CHARS = 100  # ... and their mean length
_END_PUNCT = tuple(".!?…:;,\"'”’)]。！？")
_EMPHASIS = re.compile(r"^(\*{1,3}|_{1,3})(.+?)\1$")
_QUOTE = re.compile(r"(?:>[ \t]*)+")  # Markdown block-quote markers ("> ", "> > ")

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_SOCIAL = r"(?:twitter|x|facebook|instagram|linkedin|tiktok|youtube|threads|bluesky|mastodon)"
_FURNITURE = re.compile(
    rf"""(?:
      (?:read|view)\ (?:the\ )?(?:original|full|more|whole|next|complete)
          (?:\ (?:article|story|post|report|piece))?(?:\ (?:here|online|on\ [\w .'-]+))?
      | read\ more(?:\ (?:here|about\ this|stories))?(?:\ (?:at|on)\ [\w .'-]+)?
      | (?:continue|keep)\ reading(?:\ (?:the\ )?(?:main\ )?(?:article|story|below|here))?
      | advertisement|advert|ad|sponsored(?:\ content)?|paid\ content|promoted
      | story\ continues\ (?:below|after)(?:\ (?:this|the))?(?:\ advertisement|\ ad)?
      | share(?:\ (?:this|on|via)\b[\w .'/-]{{0,40}}|\ the\ (?:article|story|page|post))?
      | tweet|e-?mail|print|copy\ link|save
      | subscribe\b[^.!?]{{0,80}}[.!]?
      | (?:sign\ up|register)\b[^.!?]{{0,60}}(?:newsletter|updates|alerts|for\ free)[^.!?]{{0,40}}
      | (?:sign|log)\ (?:in|up|out)
      | (?:we|this\ (?:web)?site|our\ (?:web)?site|by\ (?:continuing|using)\b)[^.!?]{{0,120}}
          \bcookies?\b.{{0,200}}
      | (?:accept|reject|manage)\ (?:all\ )?cookies?(?:\ settings)?
      | cookie\ (?:settings|policy|preferences)
      | (?:scroll\ down|click\ here|tap\ here)\b.{{0,80}}
      | (?:related|recommended|trending|most\ (?:read|popular|viewed))
          (?:\ (?:articles?|stories|content|coverage|topics|links|for\ you|now))?:?
      | more\ (?:on|from|about)\ (?:this|the)\ (?:story|topic|author|series)
      | follow\ (?:us|me|@?\w+)\ on\ {_SOCIAL}(?:[ ,&]+(?:and\ )?{_SOCIAL})*
      | (?:image|media|photo|picture|video)\ (?:copyright|caption|source|credit)s?\b.{{0,120}}
      | (?:photo(?:graph)?|image|picture|illustration|video|credit)s?(?:\ credit)?
          \s*:\s*[^.!?]{{0,80}}
      | (?:[\w .&-]{{0,40}}/\s*)?(?:getty\ images|reuters|afp|ap\ photo|pa\ media|pa\ wire
          |shutterstock|alamy|epa)(?:\s*/[\w .&-]{{0,40}})?
      | media\ playback\ is\ (?:not\ )?unsupported\ on\ your\ device
      | (?:©|copyright\s*(?:©|\(c\))?\s*\d{{4}}).{{0,80}}|.{{0,80}}\ball\ rights\ reserved
      | back\ to\ top|skip\ to\ (?:main\ )?content|(?:main\ )?menu|home|search|close
      | listen\ to\ this\ (?:article|story).{{0,40}}|\d{{1,3}}\ min(?:ute)?s?\ read
      | (?:updated|published|posted|last\ updated|last\ modified)(?:\ on|\ at)?:?\s+
          (?:\d|{_MONTH}|today|yesterday|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b)[^.!?]{{0,40}}
    )\s*+[→»›>…:.!|]*+""",
    re.IGNORECASE | re.VERBOSE,
)
# A byline: "By" and one or more names of two or more capitalised words, then perhaps a role
# or an outlet; no digits and no end punctuation, so "By Monday, 200 schools had closed." is not.
_NAME_WORDS = r"[A-Z][\w.'’-]*(?:[ \t]+(?:[A-Z][\w.'’-]*|de|van|von|da|di|la|le|bin|al))+"
_BYLINE = re.compile(
    rf"[Bb]y[ \t]+{_NAME_WORDS}(?:[ \t]*(?:,|and|&)[ \t]*{_NAME_WORDS})*"
    r"(?:[ \t]*[,|·—–-][ \t]*[^\W\d][^\d.!?]{0,40}(?<![.!?]))?"
)
# A cookie notice is furniture only when it asks for something (accept, agree, settings...).
_COOKIE_ASK = re.compile(
    r"accept|agree|consent|settings|preferences|cookie policy|continu|manage", re.IGNORECASE
)


# (The possessive tail above gives nothing back: at the end of a full match, nothing could use
# it, and a long run of those marks no longer multiplies the backtracking before it.)


def is_furniture(line: str) -> bool:
    if len(line) <= 100 and line[:1] in "Bb" and _BYLINE.fullmatch(line):
        return True
    if len(line) > 240 or not _FURNITURE.fullmatch(line):
        return False
    if "cookie" in line.lower():
        return bool(_COOKIE_ASK.search(line))
    return True


def is_list(text: str) -> bool:
    """Whether a paragraph's text is a list (its lines are "- item" or "1. item")."""
    return bool(_BULLET.match(text))


def _atx(line: str) -> tuple[int, str] | None:
    """A Markdown `#` heading: its level and its text without a closing `#` run ("## Title ##")."""
    m = _ATX.match(line)
    if m is None:
        return None
    text = m.group(2).rstrip(" \t")
    body = text.rstrip("#")
    if len(body) < len(text) and body.endswith((" ", "\t")):  # "Title ##", not "C#"
        text = body.rstrip(" \t")
    return len(m.group(1)), text


def _heading_text(line: str) -> str:
    m = _EMPHASIS.match(line)
    return (m.group(2) if m else line).strip()


def _is_heading_line(line: str) -> bool:
    """A lone short line without end punctuation that starts like a title."""
    text = _heading_text(line)
    if not text or len(text) > 80 or len(text.split()) > 12 or text.endswith(_END_PUNCT):
        return False
    if _BULLET.match(text):
        return False
    first = next((c for c in text if c.isalpha()), "")
    return bool(first) and not first.islower()


@dataclass(slots=True)
class _Item:
    kind: str  # "h" heading, "p" paragraph
    text: str
    level: int = 0  # Markdown level for `#`/Setext headings (1 = title level), 0 otherwise
    lone: bool = False  # a single-line paragraph that could be a heading


def _first_word(line: str) -> str:
    return line.split(None, 1)[0] if line.split() else ""


def _continues(prev: str, line: str, width: int, wrapped: bool) -> bool:
    """Whether `line` continues the hard-wrapped line `prev` (instead of starting a paragraph)."""
    if line[0].islower() and not prev.endswith((".", "!", "?", "…", ":")):
        return True
    # Reflow test in a wrapped block: had the next word fitted on `prev`, the break was meant.
    return wrapped and len(prev) >= 0.6 * width and len(prev) + 1 + len(_first_word(line)) > width


def _is_wrapped(body: list[str], width: int) -> bool:
    """A block wrapped at a fixed width: some long line breaks off in mid-sentence."""
    return width <= 120 and any(
        len(ln) >= 0.6 * width and not ln.endswith(_END_PUNCT) for ln in body[:-1]
    )


def _per_line(lines: list[str]) -> bool:
    """A block holding one paragraph per line (a scraped page), not wrapped prose: three or more
    long lines, most of them ending a sentence."""
    if len(lines) < _PER_LINE_MIN:
        return False
    ends = sum(1 for ln in lines if ln.endswith(_SENTENCE_END))
    return ends * 3 >= 2 * len(lines) and sum(map(len, lines)) >= _PER_LINE_CHARS * len(lines)


def _soft_joined(group: list[str], line: str) -> bool:
    """In a text whose paragraphs are separated by blank lines, whether `line` continues the
    group of lines before it: a line break inside a paragraph is a soft wrap (as in Markdown),
    unless `line` starts a list ("- item", or "1." -- "2. Diatomic" after "the formula O" is
    a wrapped line, not a list) or is the next item of one."""
    if _BULLET.match(group[0]):
        return True  # the next item of the list, or a line continuing its last item
    m = _ORDERED.match(line)
    if m:
        return m.group(1) != "1"
    return not _BULLET.match(line)


def _block_items(lines: list[str], soft: bool = False) -> list[_Item]:
    """Paragraphs and headings of one block of non-blank, stripped lines; `soft`: the text
    separates its paragraphs by blank lines, so line breaks inside this block are soft wraps."""
    items: list[_Item] = []
    body: list[str] = []

    def flush() -> None:
        if not body:
            return
        if len(body) == 1:  # one line: one paragraph (what the general case below gives)
            line = body[0]
            items.append(_Item("p", line) if _BULLET.match(line) else _Item("p", line, lone=True))
            body.clear()
            return
        width = max(len(ln) for ln in body)
        wrapped = _is_wrapped(body, width)
        soft_block = soft and not _per_line(body)
        group: list[str] = [body[0]]
        groups: list[list[str]] = [group]
        for prev, line in itertools.pairwise(body):
            if soft_block:
                joined = _soft_joined(group, line)
            elif _BULLET.match(line):
                joined = bool(_BULLET.match(group[0]))  # the next item of a list
            else:
                joined = _continues(prev, line, width, wrapped)
            if joined:
                group.append(line)
            else:
                group = [line]
                groups.append(group)
        for g in groups:
            if _BULLET.match(g[0]):
                items.append(_Item("p", "\n".join(g)))
            else:
                items.append(_Item("p", " ".join(g), lone=len(g) == 1))
        body.clear()

    for i, line in enumerate(lines):
        atx = _atx(line) if line[0] == "#" else None
        if atx:
            flush()
            text = _heading_text(atx[1].strip())
            if text:
                items.append(_Item("h", text, level=atx[0]))
            continue
        if (
            _SETEXT.match(line)
            and body
            and lines[i - 1] == body[-1]
            and len(body[-1]) <= 80
            and not body[-1].endswith((".", "!", "?", "…"))
            and _heading_text(body[-1])
        ):
            heading = body.pop()
            flush()
            items.append(_Item("h", _heading_text(heading), level=1 if line[0] == "=" else 2))
            continue
        if _RULE.match(line) or is_furniture(line):
            flush()
            continue
        body.append(line)
    flush()
    return items


def _quote_items(lines: list[str], soft: bool = False) -> list[_Item]:
    """Paragraphs of one block quote (its lines without their `>` markers): never headings."""
    items = _block_items(lines, soft)
    for item in items:
        item.kind, item.level, item.lone = "p", 0, False
    return items


def _items(text: str) -> list[_Item]:
    items: list[_Item] = []
    blocks: list[tuple[list[str], bool]] = []  # lines, and whether they are a block quote
    block: list[str] = []
    quoted = False  # whether `block` holds the lines of a block quote

    def flush() -> None:
        if block:
            blocks.append((list(block), quoted))
            block.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        quote = _QUOTE.match(line) if line[:1] == ">" else None
        if quote:
            line = line[quote.end() :].strip()
        if not line:
            flush()
            continue
        if bool(quote) != quoted:  # a block quote starts or ends: a paragraph break
            flush()
            quoted = bool(quote)
        block.append(line)
    flush()
    soft = len(blocks) > 1  # paragraphs separated by blank lines: line breaks are soft wraps
    # A block met again (a text that repeats a line) is read once; its items are copied.
    read: dict[tuple[tuple[str, ...], bool], list[_Item]] = {}
    for lines, is_quote in blocks:
        key = (tuple(lines), is_quote)
        known = read.get(key)
        if known is None:
            known = read[key] = _quote_items(lines, soft) if is_quote else _block_items(lines, soft)
        items.extend(_Item(i.kind, i.text, i.level, i.lone) for i in known)
    # Lone short lines become headings, except at the very end (nothing would sit under them),
    # and except above text that starts in lower case (a broken sentence, not a section).
    heading_like: dict[str, bool] = {}
    for k, item in enumerate(items):
        if item.kind == "p" and item.lone and k + 1 < len(items):
            found = heading_like.get(item.text)
            if found is None:
                found = heading_like[item.text] = _is_heading_line(item.text)
            if found and not _starts_lower(items[k + 1].text):
                item.kind, item.text = "h", _heading_text(item.text)
    return items


def _starts_lower(text: str) -> bool:
    return text[:1].islower()


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def parse(text: str, *, title: str | None = None, language: str | None = None) -> Article:
    """Parse plain text or Markdown into an `Article` (see the module docstring for the rules).

    `language` (an ISO 639-1 code) is the article's language when the caller knows it; else it
    is detected from the text (`language.detect_language`). Sentences are split by its rules.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n\n")
    text = text.replace("\u2028", "\n").lstrip("\ufeff")
    language = language.lower() if language else detect_language(f"{title or ''}\n{text}")
    items = _items(text)
    if items and items[0].kind == "h":
        if title is not None:
            if _same(items[0].text, title):
                items.pop(0)
        elif (items[0].level == 1 and not any(i.level == 1 for i in items[1:])) or (
            len(items) > 1 and items[1].kind == "h"
        ):
            title = items.pop(0).text
    if not any(i.kind == "p" for i in items):
        for i in items:
            i.kind = "p"
    if items and items[-1].kind == "h":
        items[-1].kind = "p"
    wall = _wall(items)
    if wall is not None and len(items) == 1:  # a heading glued onto the first sentence?
        cut = leading_heading(wall.text)
        if cut:
            items.insert(0, _Item("h", wall.text[:cut].strip()))
            wall.text = wall.text[cut:].strip()

    sections: list[Section] = []
    paragraphs: list[Paragraph] = []
    heading: str | None = None
    current: list[Paragraph] = []
    split: dict[str, list[str]] = {}  # (a paragraph met again is split once; lists copied)
    for item in items:
        if item.kind == "h":
            if current:
                sections.append(Section(heading, current))
                current = []
            heading = item.text
            continue
        known = split.get(item.text)
        if known is None:
            known = split[item.text] = split_sentences(item.text, language) or [item.text]
        sentences = list(known)
        pieces = [(item.text, sentences)]
        if item is wall:
            text = item.text
            while len(sentences) > 1 and is_furniture(sentences[-1]):  # "Read original…" glued on
                text = text[: text.rfind(sentences.pop())].rstrip()
            pieces = _passages(text, sentences, language)
        for piece, own in pieces:
            para = Paragraph(len(paragraphs) + 1, piece, own, heading)
            paragraphs.append(para)
            current.append(para)
    if current:
        sections.append(Section(heading, current))
    return Article(
        title=title,
        sections=sections,
        paragraphs=paragraphs,
        language=language,
        passages=wall is not None and len(paragraphs) > 1,
    )


def from_paragraphs(
    paragraphs: Sequence[tuple[str, str | None]],
    *,
    title: str | None = None,
    language: str | None = None,
) -> Article:
    """An `Article` of paragraphs already divided, (text, heading) in order, as a store keeps
    them: numbered 1.., grouped into sections by heading, each split into sentences. For an
    article stored by an engine that divided its text otherwise than `parse` does now, so that
    its paragraph numbers stay the ones its readers were shown."""
    language = (
        language.lower()
        if language
        else detect_language("\n".join(text for text, _ in paragraphs[:20]))
    )
    sections: list[Section] = []
    out: list[Paragraph] = []
    for number, (text, heading) in enumerate(paragraphs, 1):
        para = Paragraph(number, text, split_sentences(text, language) or [text], heading)
        if sections and sections[-1].heading == heading:
            sections[-1].paragraphs.append(para)
        else:
            sections.append(Section(heading, [para]))
        out.append(para)
    return Article(title=title, sections=sections, paragraphs=out, language=language)


def _wall(items: list[_Item]) -> _Item | None:
    """The one paragraph of a text without paragraph breaks, when it is too long to quote whole
    (a list is not one: its lines are its breaks)."""
    paras = [i for i in items if i.kind == "p"]
    if len(paras) != 1 or len(paras[0].text) <= MAX_PASSAGE or is_list(paras[0].text):
        return None
    return paras[0]


def _passages(text: str, sentences: list[str], language: str | None) -> list[tuple[str, list[str]]]:
    """`text` cut into readable passages of its sentences (bot/article/passages.py): each a
    verbatim slice of it from its first sentence to its last, with those sentences."""
    lex = lexicon(language)
    starts = divide(
        sentences,
        [lex.terms(s) for s in sentences],
        [refers_back(s, language) for s in sentences],
    )
    if len(starts) < 2:
        return [(text, sentences)]
    spans: list[tuple[int, int]] = []
    pos = 0
    for sentence in sentences:  # each sentence's place in the text, in order (linear)
        at = text.find(sentence, pos)
        spans.append((at, at + len(sentence)))
        pos = at + len(sentence)
    ends = [*starts[1:], len(sentences)]
    return [
        (text[spans[a][0] : spans[b - 1][1]], sentences[a:b])
        for a, b in zip(starts, ends, strict=True)
    ]
