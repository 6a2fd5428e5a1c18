"""Paragraph retrieval and abstention on SQuAD: `find_passages` against BM25 baselines, one table.

    .venv/bin/python benchmarks/_qa.py [--data ../shared/eval]

`--data` is the evaluation folder (its qa.jsonl is read) or a qa.jsonl file. Each line is one
Wikipedia article: its paragraphs (paragraph i is ¶ i+1) and questions with their gold paragraph.

Rows (`qa_rows(path)` returns them as (task, system, score, target, met), the columns of
benchmarks/quality.py's table, which appends them; baselines first, with no target):
- top-1 / top-3: the gold paragraph is the first / among the first three that `find_passages`
  returns, asking each question of its own article. An abstention (`[]`) counts as a miss;
  the next row is the ranker alone (`rank_passages`, the same ranking without abstention).
  Baselines, same paragraphs: rank_bm25's BM25Okapi on lower-case word tokens, and BM25
  (k1 1.2, b 0.75) on Snowball-stemmed words without sumy's English stop words.
- abstention: every question of the next article in the file (the last wraps to the first) is
  asked of this article; the share that gets `[]`, next to the share of the article's own
  questions that still get an answer. Baseline: a threshold on the idf-weighted share of the
  question's stemmed terms that the stemmed BM25's best paragraph holds, set so that it answers
  as many own questions as `find_passages` does (and, second figure, 96% of them).
- ms per question: median wall time of `find_passages` with the article's index already built
  (the bot builds it once per article); the index build is reported per article (median), the
  first time (words new to the process-wide stem cache are stemmed then) and again with every
  stem cached, with the number of objects the index adds to those the garbage collector tracks
  (the bot keeps hundreds of indexes in memory; every full collection walks them all).
- grounding: every returned paragraph and sentence found verbatim in the article.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import snowballstemmer
from rank_bm25 import BM25Okapi
from sumy.utils import get_stop_words

from bot.article import Article, find_passages, parse
from bot.article.retrieve import _index as index_of
from bot.article.retrieve import rank_passages

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval"
HEADER = ("task", "system", "score", "target", "met")

_WORD = re.compile(r"\w+")


def qa_file(path: Path) -> Path:
    """The qa.jsonl to read for `path` (a folder holding it, or the file itself)."""
    if path.is_dir():
        return path / "qa.jsonl"
    if path.name.endswith(".jsonl") and "qa" not in path.name:
        return path.parent / "qa.jsonl"  # quality.py may hand over its summarization file
    return path


def load(path: Path) -> list[dict[str, Any]]:
    with qa_file(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def article_of(paragraphs: Sequence[str]) -> Article:
    """The article as the bot stores it: the paragraphs separated by blank lines, through
    `parse` (a line break inside a paragraph is a soft wrap, so ¶ i+1 is paragraphs[i])."""
    return parse("\n\n".join(paragraphs))


class Stemmed:
    """Snowball-stemmed lower-case words without sumy's English stop words."""

    def __init__(self) -> None:
        self.stop = frozenset(get_stop_words("english"))
        self.stemmer = snowballstemmer.stemmer("english")
        self.cache: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        out = []
        for w in _WORD.findall(text.lower()):
            if w in self.stop:
                continue
            s = self.cache.get(w)
            if s is None:
                s = self.cache[w] = self.stemmer.stemWord(w)
            out.append(s)
        return out


def plain(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _ranking(scores: Sequence[float]) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def _pct(hits: int, total: int) -> float:
    return 100.0 * hits / max(total, 1)


class Tally:
    def __init__(self) -> None:
        self.top1 = self.top3 = self.total = 0

    def add(self, ranked: Sequence[int], gold: int) -> None:
        self.total += 1
        self.top1 += bool(ranked) and ranked[0] == gold
        self.top3 += gold in ranked[:3]

    def cell(self) -> str:
        return f"{_pct(self.top1, self.total):.2f}% / {_pct(self.top3, self.total):.2f}%"


def _coverage(bm: BM25Okapi, tokenize: Callable[[str], list[str]], docs: list[list[str]]):
    """Question → idf-weighted share of its terms found in the stemmed BM25's best paragraph."""
    n = len(docs)
    df: dict[str, int] = {}
    for d in docs:
        for t in set(d):
            df[t] = df.get(t, 0) + 1
    sets = [set(d) for d in docs]

    def cover(question: str) -> float:
        q = list(dict.fromkeys(tokenize(question)))
        if not q:
            return 0.0
        best = _ranking(bm.get_scores(q))[0]
        w = {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in q}
        return sum(w[t] for t in q if t in sets[best]) / sum(w.values())

    return cover


def qa_rows(data_path: Path) -> list[tuple[str, str, str, str, str]]:
    """Every SQuAD row, computed in one pass over `data_path` (folder or qa.jsonl)."""
    items = load(data_path)
    stemmed = Stemmed()
    ours, ranker, okapi, stem_bm = Tally(), Tally(), Tally(), Tally()
    articles = []
    build_ms: list[float] = []
    warm_ms: list[float] = []
    tracked: list[int] = []
    ask_ms: list[float] = []
    quotes = verbatim = 0
    coverers = []
    answered_of: list[int] = []
    for item in items:
        article = article_of(item["paragraphs"])
        first, warm, objects = _build(article)  # builds and caches the index
        build_ms.append(first)
        warm_ms.append(warm)
        tracked.append(objects)
        articles.append(article)
        plain_bm = BM25Okapi([plain(p) for p in item["paragraphs"]])
        docs = [stemmed(p) for p in item["paragraphs"]]
        st_bm = BM25Okapi(docs, k1=1.2, b=0.75)
        coverers.append(_coverage(st_bm, stemmed, docs))
        answered_of.append(0)
        for q in item["questions"]:
            gold = q["paragraph_index"] + 1
            started = time.perf_counter()
            found = find_passages(article, q["q"], k=3)
            ask_ms.append(1000 * (time.perf_counter() - started))
            ours.add([p.paragraph for p in found], gold)
            answered_of[-1] += bool(found)
            ranker.add([p.paragraph for p in rank_passages(article, q["q"], k=3)], gold)
            for p in found:
                quotes += 2
                para = article.paragraph(p.paragraph)
                verbatim += (p.text == para.text) + (p.sentence in para.text)
            okapi.add([i + 1 for i in _ranking(plain_bm.get_scores(plain(q["q"])))], gold)
            stem_ranked = _ranking(st_bm.get_scores(stemmed(q["q"])))
            stem_bm.add([i + 1 for i in stem_ranked], gold)

    own_answered = own_total = foreign_abstained = foreign_total = 0
    own_cov: list[float] = []
    foreign_cov: list[float] = []
    worst = 100.0
    for i, article in enumerate(articles):
        nxt = items[(i + 1) % len(items)]
        answered = answered_of[i]
        own_cov.extend(coverers[i](q["q"]) for q in items[i]["questions"])
        own_answered += answered
        own_total += len(items[i]["questions"])
        worst = min(worst, _pct(answered, len(items[i]["questions"])))
        for q in nxt["questions"]:
            foreign_abstained += not find_passages(article, q["q"], k=1)
            foreign_total += 1
            foreign_cov.append(coverers[i](q["q"]))
    answered_pct = _pct(own_answered, own_total)

    def baseline_at(share: float) -> str:
        ranked = sorted(own_cov, reverse=True)
        threshold = ranked[max(0, math.ceil(share / 100 * len(ranked)) - 1)]
        ans = _pct(sum(c >= threshold for c in own_cov), len(own_cov))
        abst = _pct(sum(c < threshold for c in foreign_cov), len(foreign_cov))
        return f"{abst:.1f}% abstained at {ans:.1f}% answered"

    n_q = sum(len(it["questions"]) for it in items)
    top1, top3 = _pct(ours.top1, ours.total), _pct(ours.top3, ours.total)
    abstained = _pct(foreign_abstained, foreign_total)
    ms = statistics.median(ask_ms)
    grounded = _pct(verbatim, quotes)
    return [
        (
            f"SQuAD top-1 / top-3 ({len(items)} articles, {n_q} questions)",
            "rank_bm25 Okapi, lower-case words",
            okapi.cell(),
            "",
            "",
        ),
        ("", "BM25 + Snowball stems + sumy stop words", stem_bm.cell(), "", ""),
        ("", "digestbot rank_passages (ranking alone)", ranker.cell(), "", ""),
        (
            "",
            "digestbot find_passages ([] counts as a miss)",
            ours.cell(),
            "≥ 86% / ≥ 95%",
            _yes(top1 >= 86 and top3 >= 95),
        ),
        (
            "SQuAD abstention: next article's questions get []",
            "idf-weighted term coverage threshold",
            baseline_at(96.0),
            "",
            "",
        ),
        ("", "the same threshold at our answered share", baseline_at(answered_pct), "", ""),
        (
            "",
            "digestbot find_passages",
            f"{abstained:.1f}% abstained at {answered_pct:.1f}% answered"
            f" (worst article {worst:.1f}%)",
            "≥ 93% abstained while ≥ 97% answered",
            _yes(abstained >= 93 and answered_pct >= 97),
        ),
        (
            "SQuAD ms per question (median; index built once)",
            "digestbot find_passages",
            f"{ms:.3f} ms (index: {statistics.median(build_ms):.1f} ms per article,"
            f" {statistics.median(warm_ms):.1f} ms with stems cached;"
            f" {statistics.median(tracked):.0f} GC-tracked objects)",
            "≤ 1 ms",
            _yes(ms <= 1),
        ),
        (
            "SQuAD grounding: quoted paragraphs and sentences verbatim",
            "digestbot find_passages",
            f"{grounded:.2f}%",
            "100%",
            _yes(verbatim == quotes),
        ),
    ]


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def _build(article: Article) -> tuple[float, float, int]:
    """Index build ms (first), ms again with the stems cached, GC-tracked objects it holds."""
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        started = time.perf_counter()
        index_of(article)
        first = 1000 * (time.perf_counter() - started)
        tracked = len(gc.get_objects()) - before
        article._cache.clear()
        started = time.perf_counter()
        index_of(article)
        warm = 1000 * (time.perf_counter() - started)
    finally:
        gc.enable()
    return first, warm, tracked


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    cells = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder or qa.jsonl")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(table(qa_rows(args.data), HEADER))
    print(f"\n({time.perf_counter() - started:.0f} s; data: {qa_file(args.data)})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
