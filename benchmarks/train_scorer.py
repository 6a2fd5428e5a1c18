"""Fit the sentence scorer's weights (bot/article/score.py) on the development split.

    .venv/bin/python benchmarks/train_scorer.py [--data ../shared/eval] [--lam 3]

For each kind of text (single-block CNN/DailyMail articles for `SCORER_BLOCK`, BBC articles
with paragraphs for `SCORER_PARAGRAPHS`), every sentence with content (`summarize.candidates`)
is labelled 1 when a greedy oracle picks it (up to three sentences, maximising ROUGE-1 + ROUGE-2
F1 against the reference), and an L2-regularised logistic regression is fitted on the engine's
own features. The scorer learns salience from all of them; which sentences may be quoted
(`summarize.eligible`: no captions, no quotation fragments...) is decided apart, at selection.

The script prints 5-fold cross-validated ROUGE of the TL;DR built exactly as `summarize` builds
it (so the figures are for articles the weights did not see), with and without the lead prior
(`summarize.lede`: texts with paragraphs always open their TL;DR with a lead sentence that reads
as a lede), then the weights; `--write` writes them to bot/article/weights.py.

SCORER_OTHER (every language but English) is fitted on French (OrangeSum, 3 sentences) and
Chinese (LCSTS, 1 sentence) news together, with ROUGE over lower-cased words (characters for
Chinese) as `benchmarks/multilingual.py` measures it; each set's articles are cut into folds of
their own.

Needs the `bench` extra (rouge-score brings numpy). Nothing from the data is written anywhere.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from _common import add_data_argument, load_articles, mean_rouge, read_jsonl, retraining, rouge
from _weights import write
from rouge_score import tokenizers

retraining()  # before the engine is imported: its weights may be for other features

from multilingual import rouge as multi_rouge  # noqa: E402
from multilingual import rouge_tokens  # noqa: E402

from bot.article import parse  # noqa: E402
from bot.article.score import FEATURES, Unit, analysis  # noqa: E402
from bot.article.summarize import candidates, eligible, lede, pick, tldr_length  # noqa: E402

_TOKENIZER = tokenizers.DefaultTokenizer(use_stemmer=True)


def _grams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _f1(hit: int, produced: int, wanted: int) -> float:
    return 2 * hit / (produced + wanted) if hit else 0.0


def _english_tokens(text: str) -> list[str]:
    return list(_TOKENIZER.tokenize(text))


def oracle(
    units: list[Unit],
    reference: str,
    k: int = 3,
    tokenize: Callable[[str], list[str]] = _english_tokens,
) -> list[int]:
    """Greedy ROUGE-1 + ROUGE-2 oracle: indexes (into `units`) of up to `k` sentences."""
    ref = tokenize(reference)
    r1, r2 = _grams(ref, 1), _grams(ref, 2)
    n1, n2 = sum(r1.values()), sum(r2.values())
    cand = []
    for u in units:
        toks = tokenize(u.text)
        cand.append((_grams(toks, 1), _grams(toks, 2)))
    chosen: list[int] = []
    g1: Counter[tuple[str, ...]] = Counter()
    g2: Counter[tuple[str, ...]] = Counter()
    best = 0.0
    for _ in range(k):
        pick_at, pick_value = -1, best
        for j, (c1, c2) in enumerate(cand):
            if j in chosen:
                continue
            s1, s2 = g1 + c1, g2 + c2
            value = _f1(sum((s1 & r1).values()), sum(s1.values()), n1) + _f1(
                sum((s2 & r2).values()), sum(s2.values()), n2
            )
            if value > pick_value + 1e-12:
                pick_at, pick_value = j, value
        if pick_at < 0:
            break
        chosen.append(pick_at)
        g1, g2, best = g1 + cand[pick_at][0], g2 + cand[pick_at][1], pick_value
    return chosen


@dataclass(slots=True)
class Source:
    """One kind of text to fit on: its articles, the TL;DR length, its ROUGE."""

    items: list[tuple[str, str | None, str]]  # article, title, reference
    k: int  # TL;DR sentences
    tokenize: Callable[[str], list[str]]  # for the oracle
    score: Callable[[list[str], str], tuple[float, float, float]]  # ROUGE of a TL;DR


def english(data: Any, source: str) -> Source:
    items = [
        (item["article"], item.get("title"), item["reference"])
        for item in load_articles(data, source)
    ]
    return Source(items, 3, _english_tokens, lambda tldr, ref: rouge(tldr, _lines(ref)))


def other(data: Any, lang: str, k: int) -> Source:
    rows = read_jsonl(data / "multi" / f"summ.{lang}.jsonl")
    items = [(r["article"], r.get("title") or None, r["reference"]) for r in rows]
    return Source(
        items,
        k,
        lambda text: rouge_tokens(text, lang),
        lambda tldr, ref: multi_rouge("\n".join(tldr), ref, lang),
    )


def _lines(reference: str) -> list[str]:
    return [line for line in reference.split("\n") if line.strip()]


def examples(source: Source) -> list[dict[str, Any]]:
    out = []
    for text, title, reference in source.items:
        article = parse(text, title=title)
        found = analysis(article)
        pool = candidates(found.units)  # what the scorer learns from
        units = eligible(found.units)  # what summarize may quote
        if not pool:
            continue
        y = np.zeros(len(pool))
        y[oracle(pool, reference, source.k, source.tokenize)] = 1.0
        out.append(
            {
                "x": np.array([u.features for u in pool]),
                "y": y,
                "units": units,
                "x_units": np.array([u.features for u in units]),
                "reference": reference,
                "lead": lede(units, found.structured),
                "source": source,
            }
        )
    return out


def fit(rows: list[dict[str, Any]], lam: float) -> np.ndarray:
    """L2-regularised logistic regression (Newton's method; the bias is not penalised)."""
    x = np.vstack([r["x"] for r in rows])
    y = np.concatenate([r["y"] for r in rows])
    w = np.zeros(x.shape[1])
    reg = lam * np.eye(len(w))
    reg[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + reg @ w
        hess = (x * (p * (1 - p))[:, None]).T @ x + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def evaluate(
    rows: list[dict[str, Any]], w: np.ndarray, *, lead_prior: bool = True
) -> list[tuple[float, float, float]]:
    scores = []
    for r in rows:
        k = tldr_length(len(r["units"]), r["source"].k)
        values = list(r["x_units"] @ w)
        chosen = pick(r["units"], k, values, first=r["lead"] if lead_prior else None)
        scores.append(r["source"].score([u.text for u in chosen], r["reference"]))
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_argument(parser)
    parser.add_argument("--lam", type=float, default=3.0, help="L2 strength (default 3)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--write", action="store_true", help="write the fitted weights to bot/article/weights.py"
    )
    parser.add_argument(
        "--models",
        default="SCORER_BLOCK,SCORER_PARAGRAPHS,SCORER_OTHER",
        help="which weight sets to fit",
    )
    args = parser.parse_args()
    fitted: dict[str, tuple[tuple[str, float], ...]] = {}
    sets = {
        "SCORER_BLOCK": lambda: [("cnndm", english(args.data, "cnndm"))],
        "SCORER_PARAGRAPHS": lambda: [("bbc", english(args.data, "bbc"))],
        "SCORER_OTHER": lambda: [
            ("fr", other(args.data, "fr", 3)),
            ("zh", other(args.data, "zh", 1)),
        ],
    }
    for name in args.models.split(","):
        named = [(label, examples(source)) for label, source in sets[name]()]
        rows = [r for _, part in named for r in part]
        fold = {}  # every data set is cut into folds of its own articles
        for _, part in named:
            order = list(range(len(part)))
            random.Random(0).shuffle(order)
            for k in range(args.folds):
                for i in order[k :: args.folds]:
                    fold[id(part[i])] = k
        held: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _ in named}
        plain: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _ in named}
        for k in range(args.folds):
            w = fit([r for r in rows if fold[id(r)] != k], args.lam)
            for label, part in named:
                test = [r for r in part if fold[id(r)] == k]
                held[label] += evaluate(test, w)
                plain[label] += evaluate(test, w, lead_prior=False)
        for label, part in named:
            leads = sum(r["lead"] is not None for r in part)
            for how, scores in (("", held[label]), (" without the lead prior", plain[label])):
                r1, r2, rl = mean_rouge(scores)
                print(f"# {label}: {args.folds}-fold cross-validated TL;DR ROUGE-1/2/L{how} "
                      f"{r1:.2f} / {r2:.2f} / {rl:.2f} on {len(part)} articles")  # fmt: skip
            print(f"# {label}: the lead prior applies to {leads} of {len(part)} articles")
        w = fit(rows, args.lam)
        fitted[name] = tuple((f, float(v)) for f, v in zip(FEATURES, w, strict=True))
        print(f"{name}: " + ", ".join(f"{f} {v:+.4f}" for f, v in fitted[name]))
    if args.write:
        write(fitted)


if __name__ == "__main__":
    main()
