"""`/quote`'s paragraphs option: `"4"`, `"2-5"`, `"1,3"`, `"¶2–3, 5"` → paragraph numbers.

Linear in the option's length, whatever it holds: the text is cut into tokens by one
left-to-right scan (each alternative of `_TOKEN` a single character class, so nothing
backtracks), and an option longer than any valid one is refused before that
(`MAX_SPEC`; a slash option can carry 6,000 characters).
"""

from __future__ import annotations

import re

from ..errors import UserError
from ..render import clip, inline

MAX_QUOTE = 5  # paragraphs `/quote` shows at once
MAX_SPEC = 200  # characters: five ranges of six-digit numbers with room to spare

_DASHES = frozenset({"-", "–", "—", ".."})
_TOKEN = re.compile(r"\d+|\.\.|[-–—]|[,;\s]+|[^\d,;\s\-–—.]+|.", re.DOTALL)
_RANGE = re.compile(r"(\d{1,6})(?:-(\d{1,6}))?")


def _parts(spec: str) -> list[str]:
    """The comma-, semicolon- or space-separated parts of `spec`, a dash (`-`, `–`, `—`,
    `..`) and the white space around it joined into one part as "-"."""
    tokens = _TOKEN.findall(spec.replace("¶", " ").replace("#", " "))
    parts: list[str] = []
    current: list[str] = []
    for i, token in enumerate(tokens):
        if token in _DASHES:
            current.append("-")
        elif token[0] in ",;" or token[0].isspace():
            beside_dash = (i > 0 and tokens[i - 1] in _DASHES) or (
                i + 1 < len(tokens) and tokens[i + 1] in _DASHES
            )
            if beside_dash and not token.strip():
                continue  # "2 - 4" is "2-4"
            if current:
                parts.append("".join(current))
                current = []
        else:
            current.append(token)
    if current:
        parts.append("".join(current))
    return parts


def parse_paragraphs(spec: str, count: int) -> list[int]:
    """`"4"`, `"2-5"`, `"1,3"`, `"¶2–3, 5"` → paragraph numbers in the order given, without
    repeats; `UserError` naming the valid range for anything else."""
    valid = f"¶1–{count}" if count > 1 else "¶1"
    if len(spec) > MAX_SPEC:
        raise UserError(
            f"That is too long for a list of paragraphs: name up to {MAX_QUOTE}, like `4`, "
            f"`2-5` or `1,3` (this article has {valid})."
        )
    parts = _parts(spec)
    if not parts:
        raise UserError(f"Name paragraphs like `4`, `2-5` or `1,3` (this article has {valid}).")
    numbers: list[int] = []
    for part in parts:
        m = _RANGE.fullmatch(part)
        if m is None:
            raise UserError(
                f"“{clip(inline(part), 40)}” is not a paragraph number or range. "
                f"Use `4`, `2-5` or `1,3` (this article has {valid})."
            )
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) else low
        if low > high:
            low, high = high, low
        if low < 1 or high > count:
            bad = high if high > count else low
            raise UserError(f"There is no ¶{bad}: this article has {valid}.")
        if high - low + 1 > MAX_QUOTE:
            raise UserError(
                f"That is {high - low + 1} paragraphs; I quote up to {MAX_QUOTE} at once "
                f"(e.g. `{low}-{low + MAX_QUOTE - 1}`)."
            )
        numbers.extend(n for n in range(low, high + 1) if n not in numbers)
        if len(numbers) > MAX_QUOTE:
            raise UserError(f"I quote up to {MAX_QUOTE} paragraphs at once; name fewer.")
    return numbers
