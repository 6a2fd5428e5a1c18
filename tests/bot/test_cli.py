"""The offline CLI's digest: the same ¶ references as the bot, from the engine's numbers."""

from __future__ import annotations

import io

from bot.article import Digest, Fact, SectionSummary, Summary, parse
from bot.cli import render_digest

REPEATED = "Prices rose 5% in May."
TEXT = f"{REPEATED} Then calm.\n\nAnother point here.\n\nLater on: {REPEATED}"


def test_the_digest_shows_the_paragraph_the_engine_took_each_sentence_from() -> None:
    article = parse(TEXT)
    summary = Summary(
        tldr=[REPEATED],
        tldr_paragraphs=[3],  # the second time the words occur (a search would say ¶1)
        sections=[
            SectionSummary(None, ["Another point here."], [2], [2]),
            SectionSummary("Odd ones", ["Then calm."], [1, 3, 5, 6], [1]),
        ],
    )
    digest = Digest(None, summary, [Fact("Prices rose 5%", 1)], 3, 2, "4", language="zh")
    out = io.StringIO()
    render_digest(article, digest, out)
    text = out.getvalue()
    assert f"  • {REPEATED} (¶3)\n" in text
    assert "3 paragraphs, 2 sections, Chinese\n" in text
    assert "  ¶2\n" in text and "  Odd ones (¶1, ¶3, ¶5–6)\n" in text  # `bot.refs.para_ref`
    assert "  • Prices rose 5% (¶1)\n" in text
