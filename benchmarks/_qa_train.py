"""Fit the weights that bot/article/retrieve.py ships, on the SQuAD development split.

    .venv/bin/python benchmarks/_qa_train.py [--data ../shared/eval] [--answered A | --abstained P]

Prints the cross-validated figures (6 folds by article: the weights are fitted on the other
folds' articles, so an article is never scored by weights that saw it) at several operating
points (the share of the training folds' own questions the abstention threshold answers), picks
the one that answers the most own questions while the cross-validated abstention stays at or
above P% (default 94) -- or takes --answered A -- then prints the weights fitted on every
article at that point; `--write` writes them to bot/article/weights.py. Needs numpy (the bench
extra brings it). Nothing from the data is written anywhere.

Three linear models, all over the features retrieve.py computes (`_analyse`):
- sentence model: softmax over every candidate sentence of the question; the target is the
  sentence of the gold paragraph that holds the answer's first character;
- paragraph ranker: softmax over the candidate paragraphs (its `sent_model` feature is the
  sentence model's best score in the paragraph); the target is the gold paragraph;
- abstention: logistic regression, the article's own questions against the next article's,
  on the ranker's best paragraph; the threshold answers `--answered` of the own questions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
from _qa import DEFAULT_DATA, article_of, load
from _weights import write

from bot.article import retrieve as R

NP = len(R.PARA_FEATURES)
NS = len(R.SENT_FEATURES)
SM = R.PARA_FEATURES.index("sent_model")
ABS_ROW = [R.PARA_FEATURES.index(n) for n in R.ABSTAIN_ROW]
Item = tuple[Any, ...]


def answer_sentence(text: str, sentences: list[str], start: int) -> int:
    """Index of the sentence (verbatim slices of `text`) holding character `start`."""
    pos = found = 0
    for j, s in enumerate(sentences):
        k = text.find(s, pos)
        if k < 0:
            continue
        if k <= start:
            found = j
        pos = k + len(s)
    return found


def featurize(items: list[dict[str, Any]]) -> list[Item]:
    """(article, own?, X, paragraphs, gold, sentence matrices, answer sentence, question feats)."""
    out: list[Item] = []
    for ai, item in enumerate(items):
        article = article_of(item["paragraphs"])
        idx = R._index(article)
        nxt = items[(ai + 1) % len(items)]
        for own, source in ((True, item), (False, nxt)):
            for q in source["questions"]:
                query = R._Query(idx, q["q"])
                rows = R._analyse(idx, query)
                x = np.array([r[1] for r in rows]) if rows else np.zeros((0, NP))
                paras = np.array([r[0] for r in rows], dtype=int)
                sf = [np.array([f for _, f in r[2]]) for r in rows]
                ql = np.array(R._abstain_features(idx, query, [0.0] * NP)[len(ABS_ROW) :])
                gold = q["paragraph_index"] if own else -1
                label = -1
                if own and gold in paras:
                    para = article.paragraphs[gold]
                    label = answer_sentence(para.text, para.sentences, q["answer_start"])
                out.append((ai, own, x, paras, gold, sf, label, ql))
    return out


def softmax_fit(groups: list[tuple[np.ndarray, int]], dim: int, iters: int = 300) -> np.ndarray:
    """Listwise logistic (softmax) loss over groups of rows, each with its target row; Adam."""
    w = np.zeros(dim)
    m = np.zeros(dim)
    v = np.zeros(dim)
    xs = np.concatenate([x for x, _ in groups])
    lens = [len(x) for x, _ in groups]
    starts = np.cumsum([0, *lens[:-1]])
    seg = np.repeat(np.arange(len(groups)), lens)
    target = xs[starts + np.array([t for _, t in groups])].sum(0)
    xt = np.ascontiguousarray(xs.T)
    n = len(groups)
    for t in range(1, iters + 1):
        s = xs @ w
        e = np.exp(s - np.maximum.reduceat(s, starts)[seg])
        p = e / np.bincount(seg, e, n)[seg]
        grad = (xt @ p - target) / n + 1e-3 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w


def logistic_fit(x: np.ndarray, y: np.ndarray, iters: int = 1500) -> np.ndarray:
    w = np.zeros(x.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, iters + 1):
        p = 1 / (1 + np.exp(-(x @ w)))
        g = x.T @ (p - y) / len(y) + 1e-3 * w
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w


def fit(data: list[Item], arts: set[int], answered: float) -> tuple[np.ndarray, ...]:
    """The three models fitted on `arts`, and the threshold answering `answered` of their own
    questions."""
    wr, ws, wa, own_scores, n_own = fit_models(data, arts)
    return wr, ws, wa, np.array(threshold_at(own_scores, n_own, answered))


def fit_models(data: list[Item], arts: set[int]) -> tuple[Any, ...]:
    """Sentence model, ranker, abstention model; the abstention scores of the own questions
    (best first) and how many own questions there are (those without a candidate count)."""
    own = [d for d in data if d[1] and d[0] in arts]
    sent_groups = []
    for _, _, _, paras, gold, sf, label, _ in own:
        if label >= 0:
            k = list(paras).index(gold)
            sent_groups.append((np.concatenate(sf), sum(len(m) for m in sf[:k]) + label))
    ws = softmax_fit(sent_groups, NS)
    with_sm = [_with_sentence_model(d, ws) for d in data if d[0] in arts]
    rank_groups = [
        (x, list(paras).index(gold))
        for _, is_own, x, paras, gold, *_ in with_sm
        if is_own and gold in paras
    ]
    wr = softmax_fit(rank_groups, NP)
    rows = [(_abstain_row(d, wr), d[1]) for d in with_sm if len(d[3])]
    xa = np.array([r for r, _ in rows])
    ya = np.array([float(o) for _, o in rows])
    wa = logistic_fit(xa, ya)
    scores = np.sort(xa[ya == 1] @ wa)[::-1]
    n_own = sum(1 for d in with_sm if d[1])
    return wr, ws, wa, scores, n_own


def threshold_at(scores: np.ndarray, n_own: int, answered: float) -> float:
    """The abstention score that answers `answered` of `n_own` own questions."""
    return float(scores[min(int(np.ceil(answered * n_own)) - 1, len(scores) - 1)])


def _with_sentence_model(d: Item, ws: np.ndarray) -> Item:
    ai, own, x, paras, gold, sf, label, ql = d
    if len(paras):
        x = x.copy()
        x[:, SM] = [(m @ ws).max() for m in sf]
    return (ai, own, x, paras, gold, sf, label, ql)


def _abstain_row(d: Item, wr: np.ndarray) -> np.ndarray:
    x, ql = d[2], d[7]
    best = x[int(np.argmax(x @ wr))]
    return np.concatenate([best[ABS_ROW], ql, [1.0]])


def evaluate(data: list[Item], test: set[int], model: tuple[np.ndarray, ...]) -> dict[str, int]:
    wr, ws, wa, threshold = model
    tally = dict.fromkeys(("q", "top1", "top3", "eff1", "eff3", "s", "sent", "f", "abst", "ans"), 0)
    for d in data:
        if d[0] not in test:
            continue
        full = _with_sentence_model(d, ws)
        _, own, x, paras, gold, sf, label, _ = full
        answers = bool(len(paras)) and float(_abstain_row(full, wr) @ wa) >= threshold
        if not own:
            tally["f"] += 1
            tally["abst"] += not answers
            continue
        tally["q"] += 1
        tally["ans"] += answers
        if not len(paras):
            continue
        s = x @ wr
        order = list(paras[np.lexsort((paras, -s))])
        tally["top1"] += order[0] == gold
        tally["top3"] += gold in order[:3]
        tally["eff1"] += answers and order[0] == gold
        tally["eff3"] += answers and gold in order[:3]
        if label >= 0:
            tally["s"] += 1
            tally["sent"] += int(np.argmax(sf[list(paras).index(gold)] @ ws)) == label
    return tally


def pairs(names: list[str] | tuple[str, ...], w: np.ndarray) -> tuple[tuple[str, float], ...]:
    return tuple((n, float(x)) for n, x in zip(names, w, strict=True))


LEVELS = (0.985, 0.99, 0.991, 0.992, 0.993, 0.9935, 0.994, 0.9945, 0.995, 0.996, 0.997)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder or qa.jsonl")
    parser.add_argument(
        "--answered",
        type=float,
        default=None,
        help="own questions answered (default: chosen by cross-validation, see --abstained)",
    )
    parser.add_argument(
        "--abstained",
        type=float,
        default=94.0,
        help="the cross-validated abstention (%%) the chosen operating point must keep",
    )
    parser.add_argument(
        "--write", action="store_true", help="write the fitted weights to bot/article/weights.py"
    )
    args = parser.parse_args(argv)
    items = load(args.data)
    data = featurize(items)
    arts = list(range(len(items)))
    levels = LEVELS if args.answered is None else (args.answered,)
    totals: dict[float, dict[str, int]] = {level: {} for level in levels}
    for f in range(6):
        test = set(arts[f::6])
        wr, ws, wa, scores, n_own = fit_models(data, set(arts) - test)
        for level in levels:
            model = (wr, ws, wa, np.array(threshold_at(scores, n_own, level)))
            for key, n in evaluate(data, test, model).items():
                totals[level][key] = totals[level].get(key, 0) + n

    def pct(total: dict[str, int], a: str, b: str) -> float:
        return 100 * total[a] / max(total[b], 1)

    chosen = levels[0]
    for level in levels:
        t = totals[level]
        print(
            f"cross-validated at {level:.4f}: top-1 {pct(t, 'top1', 'q'):.2f}% top-3 "
            f"{pct(t, 'top3', 'q'):.2f}%; through find_passages {pct(t, 'eff1', 'q'):.2f}% / "
            f"{pct(t, 'eff3', 'q'):.2f}%; answer sentence {pct(t, 'sent', 's'):.2f}%; "
            f"abstained {pct(t, 'abst', 'f'):.2f}% at {pct(t, 'ans', 'q'):.2f}% answered",
            file=sys.stderr,
        )
        if pct(t, "abst", "f") >= args.abstained and pct(t, "ans", "q") >= 97.5:
            chosen = max(chosen, level)  # the most own questions answered (top-3 follows)
    print(f"operating point: answer {chosen:.4f} of the own questions", file=sys.stderr)
    wr, ws, wa, threshold = fit(data, set(arts), chosen)
    fitted = {
        "RANK": pairs(R.PARA_FEATURES, wr),
        "SENTENCE": pairs(R.SENT_FEATURES, ws),
        "ABSTAIN": pairs([*R.ABSTAIN_FEATURES, "bias"], wa),
        "ABSTAIN_AT": float(threshold),
    }
    for name, value in fitted.items():
        shown = value if isinstance(value, float) else ", ".join(f"{n} {x:+.4f}" for n, x in value)
        print(f"{name}: {shown}")
    if args.write:
        write(fitted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
