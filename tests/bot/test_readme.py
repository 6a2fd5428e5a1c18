"""The README's example digest is what the bot really replies for the sample article."""

from __future__ import annotations

import re
from pathlib import Path

from bot.article import analyze, parse
from bot.render.digest import digest_pages
from bot.render.pages import page_text

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "anthropic-amazon-partnership.txt"


def sample_digest_text() -> str:
    """The digest of the sample posted as article #1, as the README shows it."""
    article = parse(SAMPLE.read_text(encoding="utf-8"))
    pages = digest_pages(
        analyze(article),
        number=1,
        paragraphs=[(p.number, p.text) for p in article.paragraphs],
    )
    return "\n\n".join(page_text(page) for page in pages)


def test_the_readme_example_is_the_real_digest() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- sample digest -->\n```\n(.*?)\n```", readme, re.DOTALL)
    assert block, "the README's example digest block is missing"
    assert block.group(1) == sample_digest_text(), (
        "README.md's example digest drifted from the bot's real output; regenerate it with "
        "`python -c 'from tests.bot.test_readme import sample_digest_text as s; print(s())'`"
    )


def test_no_sentence_is_shown_twice_in_the_sample_digest() -> None:
    lines = [ln for ln in sample_digest_text().split("\n") if ln.startswith("• ")]
    assert len(lines) == len(set(lines))
    assert any("(¶2)" in ln for ln in lines)  # the digest covers more than the lead paragraph
