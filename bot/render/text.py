"""Text for Discord: lengths as Discord counts them, Markdown escaping, cutting and splitting.

Lengths are counted in UTF-16 code units (`dlen`), which is never less than Python's `len`,
so a result fits whichever way a server counts. Quoted article text goes through
`inline()`/`escape()`, so an article cannot break the Markdown around it:
`unescape(escape(s)) == s` for every string. A piece of text is cut only when a single line is
longer than the room it must fit (`split_text`), and then at a word boundary with a visible
"…" on both sides of the cut; names and titles are clipped (`clip`).
"""

from __future__ import annotations

import re

from ..refs import para_ref as para_ref  # re-exported: the ¶ format

ELLIPSIS = "…"


def dlen(text: str) -> int:
    """Length as Discord may count it: UTF-16 code units (≥ `len(text)`)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --- escaping -------------------------------------------------------------------------------

# A URL is left as it is: Discord does not parse Markdown inside an auto-link, and escaping
# would break the link. Backslashes are excluded so that `unescape` can never touch a URL.
URL = re.compile(r"""https?://[^\s<>\\]*[^\s<>\\.,:;"')\]]""")
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
    for m in URL.finditer(text):
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
    cut = prefix_within(text, limit - 1)
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def prefix_within(text: str, limit: int) -> str:
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
            head = prefix_within(word, budget - 2)
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
