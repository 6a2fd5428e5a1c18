"""Text as PostgreSQL's `text` can hold it: `text` cannot hold the NUL character, which
SQLite stores and Discord users (and feeds) can send. Text columns hold text with NUL written
as U+FFFF U+FFFE and U+FFFF as U+FFFF U+FFFF (two noncharacters that no real text contains),
undone on every read."""

from __future__ import annotations

import re
from typing import Final

_ESCAPE: Final = "\uffff"
_ESCAPED: Final = re.compile("\uffff([\uffff\ufffe])")


def escape(text: str) -> str:
    """`text` as a PostgreSQL `text` value can hold it."""
    if "\x00" not in text and _ESCAPE not in text:
        return text
    return text.replace(_ESCAPE, _ESCAPE * 2).replace("\x00", _ESCAPE + "\ufffe")


def unescape(text: str) -> str:
    if _ESCAPE not in text:
        return text
    return _ESCAPED.sub(lambda m: _ESCAPE if m[1] == _ESCAPE else "\x00", text)


def maybe_escape(text: str | None) -> str | None:
    return None if text is None else escape(text)


def maybe_unescape(text: str | None) -> str | None:
    return None if text is None else unescape(text)
