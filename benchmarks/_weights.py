"""Writes bot/article/weights.py: the training scripts' `--write` goes through here.

`write({"RANK": pairs, "ABSTAIN_AT": -1.2, ...})` replaces the named models and keeps every
other model as it is in the current file, then renders the whole file again (so its layout
never depends on hand edits). Models are tuples of (feature name, weight) pairs, plain floats
(thresholds), or dicts of floats (per-language thresholds).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from _common import REPO

PATH = REPO / "bot" / "article" / "weights.py"

HEADER = '''"""Learned weights of the engine's linear models. GENERATED: do not edit by hand.

Written by `benchmarks/train_scorer.py --write` (SCORER_*: the sentence scorer of summaries and
key facts, `score.py`) and `benchmarks/_qa_train.py --write` (RANK, SENTENCE, ABSTAIN*: the
paragraph ranker, the answer-sentence model and abstention of `find_passages`, `retrieve.py`).
Each model is a tuple of (feature name, weight) pairs in the order of its module's feature
names; the module takes it with `linear.aligned`, which refuses a vector whose names differ.
"""

from __future__ import annotations

Weights = tuple[tuple[str, float], ...]
'''

ORDER = (
    "SCORER_PARAGRAPHS",
    "SCORER_BLOCK",
    "SCORER_OTHER",
    "RANK",
    "SENTENCE",
    "ABSTAIN",
    "ABSTAIN_AT",
    "ABSTAIN_AT_LANG",
    "TYPE_RANK",
    "TYPE_SENTENCE",
)


def _render(name: str, value: Any) -> str:
    if isinstance(value, (int, float)):
        return f"{name}: float = {float(value):.4f}\n"
    if isinstance(value, Mapping):
        lines = [f"{name}: dict[str, float] = {{"]
        lines += [f'    "{k}": {float(v):.4f},' for k, v in sorted(value.items())]
        return "\n".join([*lines, "}"]) + "\n"
    lines = [f"{name}: Weights = ("]
    lines += [f'    ("{feature}", {float(w):+.4f}),' for feature, w in value]
    return "\n".join([*lines, ")"]) + "\n"


def current() -> dict[str, Any]:
    """The models in the weights.py on disk (read as a file: importing the package would need
    the very weights that are being replaced)."""
    namespace: dict[str, Any] = {}
    exec(compile(PATH.read_text(encoding="utf-8"), str(PATH), "exec"), namespace)
    return {k: v for k, v in namespace.items() if k.isupper()}


def write(updates: Mapping[str, Any], path: Path = PATH) -> None:
    models = current()
    models.update(updates)
    names = [n for n in ORDER if n in models] + sorted(set(models) - set(ORDER))
    body = "\n\n".join(_render(n, models[n]).rstrip("\n") for n in names)
    path.write_text(f"{HEADER}\n{body}\n", encoding="utf-8")
    print(f"wrote {', '.join(sorted(updates))} to {path}")
