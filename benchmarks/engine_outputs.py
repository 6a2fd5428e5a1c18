"""Dump the engine's outputs over a sample of the evaluation data, deterministically.

    .venv/bin/python benchmarks/engine_outputs.py --out before.json [--data ../shared/eval]
    .venv/bin/python benchmarks/engine_outputs.py --out after.json --compare before.json

For proving that a change is behaviour-preserving (speed work, refactors): run it on the
starting commit, then after each change, and compare (`--compare` names the first record that
differs; `cmp before.json after.json` works as well). One JSON record per line:

- every XQuAD article of every language set (`multi/xquad.*.jsonl`) and every SQuAD article
  (`qa.jsonl`), parsed as the benchmarks parse them: paragraphs (text, sentences, heading),
  title, language, the digest (`analyze`: TL;DR, section summaries, key facts), `summarize` and
  `key_facts` on their own, `find_passages` (k=3) and `rank_passages` (k=3) for every question
  of the article and `find_passages` (k=1) for every question of the next article
  (abstention), and `detect_language` of every question;
- a sample of CNN/DailyMail, BBC and XSum articles (`summarization.jsonl`) and of the French and
  Chinese summarisation sets (`multi/summ.*.jsonl`): the parse and the digest, and a few
  questions made from their own sentences;
- the hostile inputs of `benchmarks/adversarial.py` at a small size (8 KB), through the same
  stages as there.

Floats are written with `repr`, so equal files mean equal outputs. The script re-runs itself
with PYTHONHASHSEED=0 unless it is set, so set iteration orders are the same on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import DEFAULT_DATA, read_jsonl

from bot.article import analyze, find_passages, key_facts, parse, summarize
from bot.article.language import detect_language
from bot.article.retrieve import rank_passages

LANGS = ("en", "de", "es", "ru", "zh", "ar", "tr", "vi", "el", "hi", "th", "ro")
SUMMARY_SOURCES = ("cnn_dailymail/3.0.0/test", "bbc_news_summary", "xsum/test")
ADVERSARIAL_SIZE = 8 * 1024


def _article(article: Any) -> dict[str, Any]:
    return {
        "title": article.title,
        "language": article.language,
        "passages": article.passages,
        "paragraphs": [[p.number, p.text, p.sentences, p.heading] for p in article.paragraphs],
        "sections": [[s.heading, [p.number for p in s.paragraphs]] for s in article.sections],
    }


def _passages(found: list[Any]) -> list[list[Any]]:
    return [[p.paragraph, repr(p.score), p.sentence, len(p.text)] for p in found]


def _digest(article: Any) -> dict[str, Any]:
    digest = analyze(article).to_dict()
    summary = summarize(article)
    facts = key_facts(article)
    return {
        "digest": digest,
        "summarize": summary.to_dict(),
        "key_facts": [f.to_dict() for f in facts],
    }


def _questions_of(article: Any, n: int) -> list[str]:
    """A few questions made from the article's own sentences (first words of some sentences)."""
    sentences = [s for p in article.paragraphs for s in p.sentences]
    step = max(1, len(sentences) // n)
    return [" ".join(s.split()[:8]) for s in sentences[::step][:n]]


def _qa_records(path: Path, label: str) -> Iterator[dict[str, Any]]:
    items = list(read_jsonl(path))
    for k, item in enumerate(items):
        title = item.get("title") if label == "squad" else None
        article = parse("\n\n".join(item["paragraphs"]), title=title)
        record: dict[str, Any] = {"set": label, "item": k, "article": _article(article)}
        record.update(_digest(article))
        own = []
        for q in item["questions"]:
            own.append(
                [
                    q["q"],
                    detect_language(q["q"]),
                    _passages(find_passages(article, q["q"], k=3)),
                    _passages(rank_passages(article, q["q"], k=3)),
                ]
            )
        record["questions"] = own
        foreign = items[(k + 1) % len(items)]["questions"]
        record["foreign"] = [_passages(find_passages(article, q["q"], k=1)) for q in foreign]
        yield record


def _summary_records(data: Path, per_source: int) -> Iterator[dict[str, Any]]:
    counts: dict[str, int] = {}
    for item in read_jsonl(data / "summarization.jsonl"):
        source = item.get("source", "")
        if source not in SUMMARY_SOURCES or counts.get(source, 0) >= per_source:
            continue
        counts[source] = counts.get(source, 0) + 1
        yield _text_record(source, counts[source], item["article"], item.get("title") or None)
    for lang in ("fr", "zh"):
        for k, item in enumerate(read_jsonl(data / "multi" / f"summ.{lang}.jsonl")):
            if k >= per_source:
                break
            yield _text_record(f"summ.{lang}", k, item["article"], item.get("title") or None)


def _text_record(label: str, k: int, text: str, title: str | None) -> dict[str, Any]:
    article = parse(text, title=title)
    record: dict[str, Any] = {"set": label, "item": k, "article": _article(article)}
    record.update(_digest(article))
    record["questions"] = [
        [q, detect_language(q), _passages(find_passages(article, q, k=3))]
        for q in _questions_of(article, 4)
    ]
    return record


def _adversarial_records() -> Iterator[dict[str, Any]]:
    from adversarial import FAMILIES, QUESTIONS

    from bot.web import NoArticle, extract_html

    for name, (kind, build) in FAMILIES.items():
        text = build(ADVERSARIAL_SIZE)
        if kind == "html":
            try:
                text = extract_html(text).text
            except NoArticle:
                text = ""
        article = parse(text)
        tldr = summarize(article).tldr
        record: dict[str, Any] = {"set": "adversarial", "item": name, "article": _article(article)}
        record["summarize"] = summarize(article).to_dict()
        record["key_facts"] = [f.to_dict() for f in key_facts(article, exclude=tldr)]
        record["questions"] = [_passages(find_passages(article, q)) for q in QUESTIONS]
        yield record


def records(data: Path, per_source: int) -> Iterator[dict[str, Any]]:
    for lang in LANGS:
        yield from _qa_records(data / "multi" / f"xquad.{lang}.jsonl", f"xquad.{lang}")
    yield from _qa_records(data / "qa.jsonl", "squad")
    yield from _summary_records(data, per_source)
    yield from _adversarial_records()


def _first_difference(a: Path, b: Path) -> str | None:
    with a.open(encoding="utf-8") as fa, b.open(encoding="utf-8") as fb:
        for n, (x, y) in enumerate(zip(fa, fb, strict=False), 1):
            if x != y:
                rx, ry = json.loads(x), json.loads(y)
                keys = [k for k in rx if rx.get(k) != ry.get(k)]
                return f"line {n} ({rx.get('set')} {rx.get('item')}): differs in {keys}"
    if a.stat().st_size != b.stat().st_size:
        return "one file is longer"
    return None


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the evaluation folder")
    parser.add_argument("--out", type=Path, required=True, help="where to write the records")
    parser.add_argument("--per-source", type=int, default=60, help="articles per summary set")
    parser.add_argument("--compare", type=Path, help="a dump to compare the new one with")
    args = parser.parse_args(argv)
    digest = hashlib.sha256()
    count = 0
    with args.out.open("w", encoding="utf-8") as fh:
        for record in records(args.data, args.per_source):
            line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
            fh.write(line)
            digest.update(line.encode())
            count += 1
    print(f"{count} records, sha256 {digest.hexdigest()}")
    if args.compare:
        diff = _first_difference(args.compare, args.out)
        print("identical" if diff is None else f"DIFFERENT: {diff}")
        return 0 if diff is None else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
