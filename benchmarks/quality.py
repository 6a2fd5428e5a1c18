"""Quality of the article engine against the baselines, on the evaluation data; one table.

    .venv/bin/python benchmarks/quality.py [--data ../shared/eval] [--limit N]

Rows:
- TL;DR, 3 sentences, on CNN/DailyMail and on BBC News: ROUGE-1 / ROUGE-2 / ROUGE-Lsum F1
  (rouge-score, stemming on, one sentence per line) of `summarize(parse(article)).tldr`,
  next to Lead-3 and sumy LexRank, which both get their sentences from one shared splitter
  (pysbd; see _common.py). BBC items carry their headline, which is passed to `parse` as the
  title, as the bot passes a page's title; the baselines do not use it.
- Key facts, limit 5, on CNN/DailyMail: the share of the reference's numbers and multi-word
  names (those that also occur in the article) that `key_facts(article, limit=5)` carries,
  pooled over all articles, and the mean characters the facts use; next to the first five
  sentences (Lead-5). For information, the same for the digest's facts (`analyze`, which
  leaves out TL;DR sentences), alone and together with the TL;DR.
- Grounding: the share of TL;DR sentences, section-summary sentences and facts found verbatim
  (white space aside) in a paragraph of the article, over every item of every source.
- Paragraph retrieval and abstention on SQuAD: rows from benchmarks/_qa.py when it exists.

"target" holds each goal; "met" says whether this run reached it (baselines measured here).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from _common import (
    add_data_argument,
    baseline_sentences,
    carried,
    fact_targets,
    lead,
    lexrank,
    load_articles,
    mean_rouge,
    reference_lines,
    rouge,
    table,
)

from bot.article import Article, Digest, analyze, key_facts, parse
from bot.article.text import squash

HEADER = ("task", "system", "score", "target", "met")
Scores = tuple[float, float, float]


def _fmt(s: Scores) -> str:
    return f"{s[0]:.2f} / {s[1]:.2f} / {s[2]:.2f}"


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def pieces(digest: Digest) -> list[str]:
    """Everything a digest quotes: TL;DR, section-summary sentences and facts."""
    sections = [s for sec in digest.summary.sections for s in sec.sentences]
    return digest.summary.tldr + sections + [f.text for f in digest.facts]


class Grounding:
    """Counts of returned sentences and facts found verbatim in a paragraph of their article.

    The paragraphs are what the bot stores and shows (parse keeps each one verbatim from the
    source, markup markers such as a block quote's `>` aside).
    """

    def __init__(self) -> None:
        self.total = 0
        self.found = 0

    def check(self, article: Article, pieces: list[str]) -> None:
        body = "\n".join(squash(p.text) for p in article.paragraphs)
        self.total += len(pieces)
        self.found += sum(1 for p in pieces if squash(p) in body)


def summarization_rows(
    data: Path, source: str, label: str, limit: int | None, grounding: Grounding
) -> tuple[list[tuple[str, ...]], dict[str, Any]]:
    items = load_articles(data, source, limit)
    ours: list[Scores] = []
    lead3: list[Scores] = []
    lex: list[Scores] = []
    facts_hit = facts_total = facts_chars = 0
    digest_hit = digest_both = digest_chars = 0
    lead5_hit = lead5_chars = 0
    for item in items:
        text = item["article"]
        ref = reference_lines(item)
        article = parse(text, title=item.get("title"))
        digest = analyze(article, max_sentences=3, facts=5)
        tldr = digest.summary.tldr
        facts = [f.text for f in key_facts(article, limit=5)]
        grounding.check(article, pieces(digest) + facts)
        sentences = baseline_sentences(text)
        ours.append(rouge(tldr, ref))
        lead3.append(rouge(lead(sentences, 3), ref))
        lex.append(rouge(lexrank(sentences, 3), ref))
        targets = fact_targets(str(item["reference"]), text)
        facts_total += len(targets)
        facts_hit += carried(targets, facts)
        facts_chars += sum(len(f) for f in facts)
        digest_facts = [f.text for f in digest.facts]
        digest_hit += carried(targets, digest_facts)
        digest_both += carried(targets, tldr + digest_facts)
        digest_chars += sum(len(f) for f in digest_facts)
        lead5 = lead(sentences, 5)
        lead5_hit += carried(targets, lead5)
        lead5_chars += sum(len(s) for s in lead5)
    o, l3, lx = mean_rouge(ours), mean_rouge(lead3), mean_rouge(lex)
    task = f"TL;DR 3 sent., {label} ({len(items)}), R1 / R2 / RLsum"
    if source == "cnndm":
        goal = "every score >= Lead-3, R2 >= Lead-3 + 0.5"
        ok = all(a >= b for a, b in zip(o, l3, strict=True)) and o[1] >= l3[1] + 0.5
    else:
        goal = "every score >= LexRank"
        ok = all(a >= b for a, b in zip(o, lx, strict=True))
    rows: list[tuple[str, ...]] = [
        (task, "Lead-3 (pysbd)", _fmt(l3), "", ""),
        ("", "sumy LexRank (pysbd)", _fmt(lx), "", ""),
        ("", "digestbot summarize", _fmt(o), goal, _yes(ok)),
    ]
    extra = {
        "facts": (facts_hit, facts_total, facts_chars, len(items)),
        "lead5": (lead5_hit, lead5_chars),
        "digest": (digest_hit, digest_both, digest_chars),
    }
    return rows, extra


def facts_rows(label: str, extra: dict[str, Any]) -> list[tuple[str, ...]]:
    hit, total, chars, n = extra["facts"]
    lead_hit, lead_chars = extra["lead5"]
    d_hit, d_both, d_chars = extra["digest"]
    share = 100 * hit / max(total, 1)
    mean_chars = chars / max(n, 1)
    return [
        (
            f"key facts, limit 5, {label} ({n}): reference numbers+names carried; chars",
            "Lead-5 sentences (pysbd)",
            f"{100 * lead_hit / max(total, 1):.1f}% ; {lead_chars / max(n, 1):.0f} chars",
            "",
            "",
        ),
        (
            "",
            "digestbot key_facts",
            f"{share:.1f}% ; {mean_chars:.0f} chars",
            ">= 80% in <= 700 chars",
            _yes(share >= 80 and mean_chars <= 700),
        ),
        (
            "",
            "  digest's facts (exclude TL;DR); with TL;DR",
            f"{100 * d_hit / max(total, 1):.1f}% ; {d_chars / max(n, 1):.0f} chars ; "
            f"{100 * d_both / max(total, 1):.1f}%",
            "",
            "",
        ),
    ]


def grounding_rows(data: Path, limit: int | None, grounding: Grounding) -> list[tuple[str, ...]]:
    for item in load_articles(data, "xsum", limit):  # one more kind of text, grounding only
        article = parse(item["article"])
        grounding.check(article, pieces(analyze(article)))
    share = 100 * grounding.found / max(grounding.total, 1)
    return [
        (
            "grounding: summary sentences and facts verbatim in the article",
            f"digestbot ({grounding.total} pieces)",
            f"{share:.2f}%",
            "100%",
            _yes(grounding.found == grounding.total),
        )
    ]


def qa_rows(data: Path) -> list[tuple[str, ...]]:
    """Retrieval and abstention rows from benchmarks/_qa.py (owned by the retrieval work)."""
    try:
        from _qa import qa_rows as rows_of
    except ImportError:
        return [("find_passages / abstention, SQuAD", "(no benchmarks/_qa.py)", "", "", "")]
    return [tuple(str(c) for c in row) for row in rows_of(data)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_argument(parser)
    parser.add_argument("--limit", type=int, default=None, help="items per source (quick runs)")
    parser.add_argument("--no-qa", action="store_true", help="leave out the SQuAD rows")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    grounding = Grounding()
    rows: list[tuple[str, ...]] = []
    cnn_rows, cnn_extra = summarization_rows(args.data, "cnndm", "CNN/DM", args.limit, grounding)
    bbc_rows, _ = summarization_rows(args.data, "bbc", "BBC", args.limit, grounding)
    rows += cnn_rows + bbc_rows + facts_rows("CNN/DM", cnn_extra)
    rows += grounding_rows(args.data, args.limit, grounding)
    if not args.no_qa:
        rows += qa_rows(args.data)
    print(table(rows, HEADER))
    print(f"\n({time.perf_counter() - started:.0f} s; data: {args.data})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
