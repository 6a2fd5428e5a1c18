"""Walls of text: texts without paragraph breaks, divided into passages; one table.

    .venv/bin/python benchmarks/passages.py [--data ../shared/eval]

Rows:
- CNN/DailyMail (the data has no paragraph breaks at all): characters an `/ask` answer quotes
  (the passages `find_passages(k=3)` returns, and the first one alone), median over every
  reference highlight asked as a question of its article; next to what the same answer quoted
  before texts were divided (the whole article, one paragraph). Also passages per article and
  their length.
- SQuAD with every article flattened to one line (its paragraphs joined by spaces, the same
  questions): a passage is right when it holds the first character of the question's answer;
  top-1 / top-3 next to the same questions on the paragraph-separated text. Target: top-1
  within 3 points.

Needs the evaluation data (never copied into the repository).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from _common import DEFAULT_DATA, load_articles, read_jsonl, table

from bot.article import find_passages, parse

HEADER = ("task", "system", "score", "target", "met")


def cnn_rows(data: Path) -> list[tuple[str, ...]]:
    quoted: list[int] = []
    first: list[int] = []
    first_sentences: list[int] = []
    before: list[int] = []
    counts: list[int] = []
    sizes: list[int] = []
    for item in load_articles(data, "cnndm"):
        article = parse(item["article"])
        counts.append(len(article.paragraphs))
        sizes += [len(p.text) for p in article.paragraphs]
        whole = len(" ".join(item["article"].split()))
        for line in str(item["reference"]).split("\n"):
            if not line.strip():
                continue
            found = find_passages(article, line, k=3)
            if found:
                quoted.append(sum(len(p.text) for p in found))
                first.append(len(found[0].text))
                first_sentences.append(len(article.paragraphs[found[0].paragraph - 1].sentences))
                before.append(whole)
    return [
        (
            f"CNN/DM chars quoted per /ask ({len(counts)} articles, {len(quoted)} questions)",
            "one paragraph (before)",
            f"{statistics.median(before):.0f}",
            "",
            "",
        ),
        (
            "",
            "passages: answer (up to 3) ; first passage (its sentences)",
            f"{statistics.median(quoted):.0f} ; {statistics.median(first):.0f} "
            f"({statistics.median(first_sentences):.0f})",
            "a few sentences (<= 5)",
            "yes" if statistics.median(first_sentences) <= 5 else "NO",
        ),
        (
            "",
            "passages per article ; chars per passage",
            f"{statistics.median(counts):.0f} ; median {statistics.median(sizes):.0f}, "
            f"max {max(sizes)}",
            "",
            "",
        ),
    ]


def _spans(text: str, pieces: list[str]) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for piece in pieces:
        at = text.find(piece, pos)
        out.append((at, at + len(piece)))
        pos = at + len(piece)
    return out


def squad_rows(data: Path) -> list[tuple[str, ...]]:
    flat1 = flat3 = para1 = para3 = total = 0
    for item in read_jsonl(data / "qa.jsonl"):
        paragraphs = [" ".join(p.split()) for p in item["paragraphs"]]
        text = " ".join(paragraphs)
        offsets = []
        pos = 0
        for p in paragraphs:
            offsets.append(pos)
            pos += len(p) + 1
        flat = parse(text)
        spans = _spans(text, [p.text for p in flat.paragraphs])
        separated = parse("\n\n".join(paragraphs))
        for q in item["questions"]:
            total += 1
            gold = q["paragraph_index"]
            source = item["paragraphs"][gold]
            start = len(" ".join(source[: q["answer_start"]].split()))  # as whitespace squashed
            at = offsets[gold] + start
            ranked = [p.paragraph for p in find_passages(flat, q["q"], k=3)]
            right = [n for n in ranked if spans[n - 1][0] <= at < spans[n - 1][1]]
            flat1 += bool(ranked) and ranked[0] in right
            flat3 += bool(right)
            got = [p.paragraph for p in find_passages(separated, q["q"], k=3)]
            para1 += bool(got) and got[0] == gold + 1
            para3 += gold + 1 in got
    pct = 100 / max(total, 1)
    return [
        (
            f"SQuAD top-1 / top-3, {total} questions",
            "paragraph-separated text",
            f"{para1 * pct:.2f} / {para3 * pct:.2f}",
            "",
            "",
        ),
        (
            "",
            "every article flattened to one line",
            f"{flat1 * pct:.2f} / {flat3 * pct:.2f}",
            f"top-1 >= {para1 * pct - 3:.2f}",
            "yes" if flat1 >= para1 - 3 * total / 100 else "NO",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the evaluation folder")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = cnn_rows(args.data) + squad_rows(args.data)
    print(table(rows, HEADER))
    print(f"\n({time.perf_counter() - started:.0f} s; data: {args.data})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
