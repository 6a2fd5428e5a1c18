"""Shared pieces of the benchmarks: data, the baselines' sentence splitter, baselines, ROUGE.

The evaluation data lives outside the repository (`../shared/eval/` by default; `--data` for
another folder or file) and is never copied into it. The baselines (Lead-n, sumy LexRank) all
get their sentences from one splitter, pysbd, exactly as the data's README measured them, so
every baseline in a table sees the same splits. The engine uses its own splitter: that is part
of what is measured.

Needs the `bench` extra: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "eval"
SUMMARIZATION_FILE = "summarization.jsonl"


def retraining() -> None:
    """Let the engine be imported while its weights are being refitted for changed features
    (bot.article.linear.aligned reads a stale vector as zeros instead of refusing it)."""
    import os

    os.environ["DIGESTBOT_RETRAINING"] = "1"


SOURCES = {
    "cnndm": "cnn_dailymail/3.0.0/test",
    "bbc": "bbc_news_summary",
    "xsum": "xsum/test",
}


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"evaluation folder or summarization.jsonl file (default: {DEFAULT_DATA})",
    )


def data_file(data: Path, name: str = SUMMARIZATION_FILE) -> Path:
    """`data` itself when it is a file, else `data/name`."""
    path = data / name if data.is_dir() else data
    if not path.is_file():
        raise SystemExit(f"evaluation data not found: {path} (pass --data)")
    return path


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_articles(data: Path, source: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The summarization items of one source ("cnndm", "bbc" or "xsum")."""
    wanted = SOURCES[source]
    rows = [r for r in read_jsonl(data_file(data)) if r.get("source") == wanted]
    return rows[:limit] if limit else rows


def reference_lines(item: dict[str, Any]) -> list[str]:
    return [line for line in str(item["reference"]).split("\n") if line.strip()]


# --- the baselines' shared sentence splitter -------------------------------------------------


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def baseline_sentences(article: str) -> list[str]:
    """pysbd sentences of `article`, paragraph by paragraph (blank lines separate paragraphs)."""
    seg = _segmenter()
    out: list[str] = []
    for block in re.split(r"\n\s*\n", article):
        if block.strip():
            out.extend(s.strip() for s in seg.segment(block) if s.strip())
    return out


def lead(sentences: Sequence[str], n: int) -> list[str]:
    return list(sentences[:n])


class _WordTokenizer:
    """What sumy needs from a tokenizer for ready-made sentences (its own needs NLTK data)."""

    _WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['-])*")
    language = "english"

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(self._WORD.findall(sentence))

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:  # unused: sentences come ready
        return (paragraph,)


@lru_cache(maxsize=1)
def _lexrank() -> Any:
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return summarizer


def lexrank(sentences: Sequence[str], n: int) -> list[str]:
    """sumy LexRank's `n` sentences (in article order) from ready-split `sentences`."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    tok = _WordTokenizer()
    doc = ObjectDocumentModel([Paragraph([Sentence(s, tok) for s in sentences])])
    return [str(s) for s in _lexrank()(doc, n)]


# --- scoring ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _rouge() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)


def rouge(summary: Sequence[str], reference: Sequence[str]) -> tuple[float, float, float]:
    """ROUGE-1, ROUGE-2, ROUGE-Lsum F1 (x100), stemming on, one sentence per line."""
    scores = _rouge().score("\n".join(reference), "\n".join(summary))
    return (
        100 * scores["rouge1"].fmeasure,
        100 * scores["rouge2"].fmeasure,
        100 * scores["rougeLsum"].fmeasure,
    )


def mean_rouge(rows: Iterable[tuple[float, float, float]]) -> tuple[float, float, float]:
    rows = list(rows)
    if not rows:
        return (0.0, 0.0, 0.0)
    return (
        statistics.fmean(r[0] for r in rows),
        statistics.fmean(r[1] for r in rows),
        statistics.fmean(r[2] for r in rows),
    )


# Key facts: the reference's numbers and multi-word names that the article also contains.
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_NAME = re.compile(r"[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*)+")
_LEADING = re.compile(r"^(?:The|A|An|This|That|In|On|At|But|And|His|Her|Their|Its)\s+")


def fact_targets(reference: str, article: str) -> set[str]:
    """Numbers and names of two or more capitalised words in `reference` found in `article`."""
    found: set[str] = set()
    for m in _NUMBER.finditer(reference):
        found.add(m.group().rstrip(".,"))
    for m in _NAME.finditer(reference):
        name = _LEADING.sub("", m.group())
        name = re.sub(r"(?:['’]s?|[.,])$", "", name)
        if " " in name:
            found.add(name)
    return {t for t in found if t and t in article}


def carried(targets: set[str], texts: Sequence[str]) -> int:
    """How many of `targets` occur in the facts' texts."""
    joined = "\n".join(texts)
    return sum(1 for t in targets if t in joined)


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    """A plain-text table, columns padded to their widest cell."""
    cells = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) if i < len(r) else 0 for r in cells) for i in range(len(header))]
    lines = []
    for k, r in enumerate(cells):
        r = r + [""] * (len(header) - len(r))
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
