"""Speed of the article engine next to sumy LexRank, measured in the same run; one table.

    .venv/bin/python benchmarks/speed.py [--data ../shared/eval] [--repeat 3] [--limit N]

- Per CNN/DailyMail article: median milliseconds for `parse` + `summarize` + `key_facts` on
  the raw text (a fresh `Article` each time; the process-wide stem cache is warm after the
  first pass, as in a running bot, and the first, cold pass is reported too), against sumy
  LexRank on the same articles: pysbd splitting + LexRank (the baseline as a user would run
  it), and LexRank alone on ready-split sentences.
- Per SQuAD question: median milliseconds for `find_passages` on its own article, parsed once.
- A 1 MB article (CNN/DailyMail texts run together, once as paragraphs, once as one block):
  seconds for parse + summarize + key_facts.

The machine is shared: medians of `--repeat` passes are printed; re-run when it is quiet.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from _common import (
    add_data_argument,
    baseline_sentences,
    data_file,
    lexrank,
    load_articles,
    read_jsonl,
    table,
)

from bot.article import find_passages, key_facts, parse, summarize

T = TypeVar("T")


def engine(text: str) -> None:
    article = parse(text)
    summarize(article)
    key_facts(article)


def per_item_ms(items: Sequence[T], fn: Callable[[T], object], repeat: int) -> list[float]:
    """Median over `repeat` passes of each item's time, in milliseconds."""
    runs: list[list[float]] = []
    for _ in range(repeat):
        times = []
        for item in items:
            t = time.perf_counter()
            fn(item)
            times.append(1000 * (time.perf_counter() - t))
        runs.append(times)
    return [statistics.median(column) for column in zip(*runs, strict=True)]


def question_ms(data: Path, limit: int | None) -> tuple[float, int]:
    path = data_file(data, "qa.jsonl")
    times: list[float] = []
    for n, item in enumerate(read_jsonl(path)):
        if limit is not None and n >= max(1, limit // 50):
            break
        article = parse("\n\n".join(item["paragraphs"]), title=item.get("title"))
        find_passages(article, "warm up the article's index")
        for q in item["questions"]:
            t = time.perf_counter()
            find_passages(article, q["q"])
            times.append(1000 * (time.perf_counter() - t))
    return (statistics.median(times) if times else float("nan")), len(times)


def megabyte(texts: list[str], joiner: str) -> str:
    out: list[str] = []
    size = 0
    while size < 1_000_000:
        piece = texts[len(out) % len(texts)]
        out.append(piece)
        size += len(piece.encode("utf-8")) + len(joiner)
    return joiner.join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_argument(parser)
    parser.add_argument("--repeat", type=int, default=3, help="passes (median; default 3)")
    parser.add_argument("--limit", type=int, default=None, help="articles (quick runs)")
    args = parser.parse_args(argv)
    texts = [item["article"] for item in load_articles(args.data, "cnndm", args.limit)]

    t = time.perf_counter()
    for text in texts:
        engine(text)
    cold = 1000 * (time.perf_counter() - t) / len(texts)
    ours = statistics.median(per_item_ms(texts, engine, args.repeat))
    split = [baseline_sentences(text) for text in texts]
    lex_total = statistics.median(
        per_item_ms(texts, lambda text: lexrank(baseline_sentences(text), 3), args.repeat)
    )
    lex_only = statistics.median(
        per_item_ms(split, lambda sentences: lexrank(sentences, 3), args.repeat)
    )
    q_ms, n_questions = question_ms(args.data, args.limit)

    big_rows: list[tuple[str, ...]] = []
    for label, joiner in (("paragraphs", "\n\n"), ("one block", " ")):
        text = megabyte(texts, joiner)
        t = time.perf_counter()
        engine(text)
        seconds = time.perf_counter() - t
        big_rows.append(
            (
                f"1 MB article ({label}, {len(text.encode()) / 1e6:.2f} MB)",
                "parse + summarize + key_facts",
                f"{seconds:.2f} s",
                "finishes",
                "yes",
            )
        )

    n = len(texts)
    rows: list[tuple[str, ...]] = [
        (
            f"per CNN/DM article ({n}), median",
            "digestbot parse + summarize + key_facts",
            f"{ours:.2f} ms",
            "<= 5 ms",
            "yes" if ours <= 5 else "NO",
        ),
        ("", "  same, first (cold) pass, mean", f"{cold:.2f} ms", "", ""),
        ("", "sumy LexRank incl. pysbd splitting", f"{lex_total:.2f} ms", "", ""),
        ("", "sumy LexRank alone (ready sentences)", f"{lex_only:.2f} ms", "", ""),
        ("", "ratio LexRank (with splitting) / digestbot", f"{lex_total / ours:.1f}x", "", ""),
        ("", "ratio LexRank (alone) / digestbot", f"{lex_only / ours:.1f}x", "", ""),
        (
            f"per SQuAD question ({n_questions}), median",
            "digestbot find_passages",
            f"{q_ms:.3f} ms",
            "<= 1 ms",
            "yes" if q_ms <= 1 else "NO",
        ),
        *big_rows,
    ]
    print(table(rows, ("measure", "system", "time", "target", "met")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
