"""Worst-case inputs through the engine and the HTML extractor: time, memory, growth per doubling.

    .venv/bin/python benchmarks/adversarial.py                    # every family, 64 to 512 KB
    .venv/bin/python benchmarks/adversarial.py --family punct     # families whose name has "punct"
    .venv/bin/python benchmarks/adversarial.py --compare main     # and a git ref, side by side

Each family builds an input of about 64, 128, 256 and 512 KB (UTF-8) that aims at one way an
engine path can go super-linear: one long token, runs of end marks, runs of abbreviations, one
huge line, 100,000 tiny paragraphs or headings, deep Markdown, mixed scripts and invisible
characters, one text repeated, and pathological HTML (attributes, nesting, inline elements,
entities, comments). Text goes through `parse`, `summarize`, `key_facts` (excluding the TL;DR,
as a digest does) and `find_passages` (index build + one question, then a second question on
the built index); HTML first through `extract_html`, then the same.

Every (family, size) runs in a fresh interpreter, with a time limit (`--timeout`) and an
address-space limit (`--memory`, so a quadratic table fails instead of swapping the machine),
after a warm-up on a normal article (imports, caches): the stages are timed (repeated while
they take under half a second, the fastest kept), and the peak is the growth of the process's
peak resident memory over the run (lxml's C memory included). `--tracemalloc` reports the
peak of Python allocations instead, from one more run under tracemalloc, which makes the
object-heavy families up to 12 times slower.

Targets: every family at 512 KB in at most 2 s end to end, and time growing no faster than
linearly: at most 2.3 times per doubling of the input ("growth": the geometric mean of the
steps whose larger time is 50 ms or more; smaller times are noise on a shared machine).
`--compare REF` checks out REF in a temporary git worktree and runs the same inputs through
its code (the "before").
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
KB = 1024
SIZES = (64 * KB, 128 * KB, 256 * KB, 512 * KB)
TARGET_SECONDS = 2.0
TARGET_RATIO = 2.3
MIN_RATIO_SECONDS = 0.05

LEAD = (
    "Shares of Acme Corp rose 5% on Tuesday after the company said quarterly earnings grew to "
    "$2.3 billion, beating forecasts. Chief executive Jane Smith said the firm would expand in "
    "Europe next year."
)
PARAGRAPH = (
    "The council approved the new budget on Tuesday after a long debate about schools and "
    "roads. Mayor John Carter said the $45 million plan would repair 12 bridges by 2026. "
    "Critics, including the Taxpayers Alliance, warned that costs could rise by 20%."
)
QUESTIONS = ("what about earnings growth", "who said the council would repair bridges")
_VOCABULARY = """council budget bridge repair plan city harbor street vote million federal grant
bond engineer inspection deck steel ramp traffic detour route mayor contract"""
WORDS = _VOCABULARY.split()


def _fill(unit: str, size: int) -> str:
    """`unit` repeated to about `size` UTF-8 bytes."""
    return unit * max(1, size // len(unit.encode()))


def _random_text(size: int, pieces: list[str], seed: int = 5) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    total = 0
    while total < size:
        piece = rng.choice(pieces)
        out.append(piece)
        total += len(piece.encode())
    return "".join(out)


def _words_line(size: int) -> str:
    rng = random.Random(3)
    return " ".join(rng.choice(WORDS) for _ in range(size // 7))


_SCRIPTS = [
    "東京の株価は上昇した。",  # CJK with its own full stop
    "北京上海广州深圳",  # CJK without punctuation (one long token)
    "ارتفعت الأسهم في البورصة\u200f. ",  # Arabic with an RTL mark
    "หุ้นปรับตัวสูงขึ้นในวันนี้",  # Thai: no spaces between words
    "e\u0301\u0302\u0303",  # combining marks
    "a\u200bb\u200cc\u200dd\u2060e\ufeff",  # zero-width characters inside a word
    "\u202eevil\u202c ",  # bidi override
    "Ελληνικά κείμενα. ",
    "Русский текст? ",
    "हिन्दी पाठ। ",
    "😀👍🏽 ",
    " ",
    "\n",
    "\n\n",
]


def _html(body: str) -> str:
    return (
        "<!doctype html><html><head><title>Acme earnings</title></head><body><article>"
        f"<h1>Acme earnings</h1><p>{LEAD}</p><p>{PARAGRAPH}</p>{body}<p>{PARAGRAPH}</p>"
        "</article></body></html>"
    )


def _html_fill(unit: str, size: int, *, inside: str = "") -> str:
    """A page whose body is `unit` repeated to about `size` bytes (inside `<inside>` if given)."""
    filler = _fill(unit, size)
    if inside:
        filler = f"<{inside}>{filler}</{inside}>"
    return _html(filler)


def _attributes(size: int) -> str:
    count = size // 9
    return _html("<p " + " ".join(f"a{i}=x" for i in range(count)) + ">Hello there.</p>")


# name -> (kind, builder of about `size` bytes)
FAMILIES: dict[str, tuple[str, Callable[[int], str]]] = {
    "long token": ("text", lambda n: f"{LEAD}\n\n{'a' * n}"),
    "long CJK token": ("text", lambda n: f"{LEAD}\n\n{_fill('北京上海', n)}"),
    "punct ?": ("text", lambda n: "?" * n),
    "punct !": ("text", lambda n: "!" * n),
    "punct .": ("text", lambda n: "." * n),
    "punct …": ("text", lambda n: _fill("…", n)),
    "punct mixed": ("text", lambda n: _random_text(n, ["?", "!", ".", "…", " .", ". ", "?!"])),
    "abbrev Mr.": ("text", lambda n: _fill("Mr. ", n)),
    "abbrev U.S.": ("text", lambda n: _fill("U.S. ", n)),
    "abbrev e.g.": ("text", lambda n: _fill("e.g. ", n)),
    "abbrev J.": ("text", lambda n: _fill("J. ", n)),
    "huge line": ("text", _words_line),
    "one-line article": ("text", lambda n: _fill(PARAGRAPH + " ", n)),
    "tiny paragraphs": ("text", lambda n: _fill("Ab.\n\n", n)),
    "tiny distinct paras": (
        "text",
        lambda n: "".join(f"{WORDS[i % len(WORDS)]} {i}.\n\n" for i in range(n // 14)),
    ),
    "headings": ("text", lambda n: _fill("# A\n", n)),
    "heading sections": ("text", lambda n: _fill("# H\nx.\n", n)),
    "lone short lines": ("text", lambda n: _fill("Short Line\n", n)),
    "deep quote": ("text", lambda n: "> " * (n // 2) + "text"),
    "quote lines": ("text", lambda n: _fill("> > > > > > > > quoted text\n", n)),
    "deep list": (
        "text",
        lambda n: "".join("  " * (i % 200) + "- item\n" for i in range(n // 200)),
    ),
    "hashes": ("text", lambda n: "#" * n),
    "heading spaces": ("text", lambda n: "## a" + " " * n + "b\n\nText under it."),
    "furniture-like lines": ("text", lambda n: _fill("photo: " + ":" * 200 + "x\n", n)),
    "mixed scripts": ("text", lambda n: _random_text(n, _SCRIPTS)),
    "combining marks": ("text", lambda n: "e" + "\u0301" * (n // 2)),
    "zero-width": ("text", lambda n: _fill("a\u200b", n)),
    "repetitive article": ("text", lambda n: _fill(PARAGRAPH + "\n\n", n)),
    "html attributes": ("html", _attributes),
    "html long attribute": ("html", lambda n: _html(f'<p title="{"x" * n}">Hello.</p>')),
    "html nested divs": ("html", lambda n: _html_fill("<div>", n)),
    "html nested inline": ("html", lambda n: _html_fill("<b><i>", n)),
    "html nested tables": ("html", lambda n: _html_fill("<table><tr><td>", n)),
    "html links in p": ("html", lambda n: _html_fill('<a href="/x">w</a> ', n, inside="p")),
    "html spans in p": ("html", lambda n: _html_fill("<span>w</span> ", n, inside="p")),
    "html many p": ("html", lambda n: _html_fill("<p>x</p>", n)),
    "html entities": ("html", lambda n: _html_fill("&amp;&#x1F600;&lt;&nosuch ", n, inside="p")),
    "html comments": ("html", lambda n: _html_fill("<!-- c -->w ", n, inside="p")),
    "html open comment": ("html", lambda n: _html("<!--" + "x" * n)),
    "html br in pre": ("html", lambda n: _html_fill("w<br>", n, inside="pre")),
}


# --- the worker: one family at one size, in a fresh interpreter ------------------------------


def _stages(kind: str, source: str) -> list[tuple[str, Callable[[], Any]]]:
    """The stages, each a closure over what the stage before produced."""
    from bot.article import find_passages, key_facts, parse, summarize

    state: dict[str, Any] = {"text": source}
    stages: list[tuple[str, Callable[[], Any]]] = []
    if kind == "html":
        from bot.web import NoArticle, extract_html

        def extract() -> None:
            try:
                state["text"] = extract_html(source).text
            except NoArticle:
                state["text"] = ""

        stages.append(("extract", extract))

    def do_parse() -> None:
        state["article"] = parse(state["text"])

    def do_summarize() -> None:
        state["tldr"] = summarize(state["article"]).tldr

    def do_facts() -> None:
        key_facts(state["article"], exclude=state["tldr"])

    def ask() -> None:
        find_passages(state["article"], QUESTIONS[0])

    def ask_again() -> None:
        find_passages(state["article"], QUESTIONS[1])

    stages += [
        ("parse", do_parse),
        ("summarize", do_summarize),
        ("facts", do_facts),
        ("ask", ask),
        ("ask again", ask_again),
    ]
    return stages


def _run_once(kind: str, source: str) -> dict[str, float]:
    times: dict[str, float] = {}
    for name, stage in _stages(kind, source):
        t = time.perf_counter()
        stage()
        times[name] = time.perf_counter() - t
    return times


def _rss() -> int:
    """Peak resident memory of this process so far, in bytes (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def worker(family: str, size: int, traced: bool) -> dict[str, Any]:
    kind, build = FAMILIES[family]
    _run_once(kind, _html(PARAGRAPH) if kind == "html" else LEAD)  # imports, caches: warm
    source = build(size)
    base = _rss()
    best = _run_once(kind, source)
    for _ in range(2):  # quick inputs: repeat and keep the fastest (a shared machine is noisy)
        if sum(best.values()) > 0.5:
            break
        again = _run_once(kind, source)
        best = {k: min(v, again[k]) for k, v in best.items()}
    result: dict[str, Any] = {"bytes": len(source.encode()), "times": best, "peak": _rss() - base}
    if traced:
        tracemalloc.start()
        _run_once(kind, source)
        result["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result


# --- the driver ------------------------------------------------------------------------------


def _limit_memory(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def measure(
    code: Path, family: str, size: int, timeout: float, memory: int, traced: bool
) -> dict[str, Any]:
    """One (family, size) through the code checked out at `code`, in a child process."""
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONHASHSEED": "0"}
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", family, str(size)]
    argv += ["--tracemalloc"] if traced else []
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=code,
            preexec_fn=_limit_memory(memory),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f">{timeout:g} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": "out of memory" if "MemoryError" in last else f"failed: {last[:60]}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _seconds(result: dict[str, Any]) -> float | None:
    return None if "error" in result else float(sum(result["times"].values()))


def _ratios(results: list[dict[str, Any]]) -> list[float | None]:
    out: list[float | None] = []
    for small, large in itertools.pairwise(results):
        a, b = _seconds(small), _seconds(large)
        out.append(b / a if a and b is not None and b >= MIN_RATIO_SECONDS else None)
    return out


def growth(results: list[dict[str, Any]]) -> float | None:
    """Time growth per doubling over the sizes whose time counts (≥ MIN_RATIO_SECONDS): the
    geometric mean of the steps, steadier than any one step on a shared machine."""
    steps = [x for x in _ratios(results) if x is not None]
    if not steps:
        return None
    product = 1.0
    for x in steps:
        product *= x
    return float(product ** (1 / len(steps)))


def _row(label: str, results: list[dict[str, Any]]) -> list[str]:
    cells = [label]
    for r in results:
        s = _seconds(r)
        cells.append(r["error"] if s is None else f"{s:.3f} s {r['peak'] / 2**20:.0f} MB")
    ratios = _ratios(results)
    rate = growth(results)
    cells.append(" ".join("—" if x is None else f"{x:.1f}" for x in ratios))
    cells.append("—" if rate is None else f"{rate:.2f}")
    last = results[-1]
    total = _seconds(last)
    if total is None:
        cells += ["", "no"]
        return cells
    stage, worst = max(last["times"].items(), key=lambda kv: kv[1])
    cells.append(f"{stage} {worst:.3f}")
    met = (
        all("error" not in r for r in results)
        and total <= TARGET_SECONDS
        and (rate is None or rate <= TARGET_RATIO)
    )
    cells.append("yes" if met else "no")
    return cells


def _worktree(ref: str) -> Path:
    where = Path(tempfile.mkdtemp(prefix="adversarial-"))
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(where), ref], check=True
    )
    return where


def _drop_worktree(where: Path) -> None:
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "remove", "--force", str(where)], check=False
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", action="append", help="families whose name contains this")
    parser.add_argument("--sizes", default="64,128,256,512", help="KB (default: %(default)s)")
    parser.add_argument("--compare", metavar="REF", help="also run a git ref (e.g. main)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--memory", type=int, default=4096, help="MB of address space per run")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="peak of Python allocations instead of resident memory (much slower)",
    )
    parser.add_argument("--worker", nargs=2, metavar=("FAMILY", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        sys.path.insert(0, os.environ.get("PYTHONPATH", str(REPO)))
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), args.tracemalloc)))
        return 0

    from _common import table

    sizes = [int(s) * KB for s in args.sizes.split(",")]
    names = [n for n in FAMILIES if not args.family or any(f in n for f in args.family)]
    if not names:
        raise SystemExit(f"no family matches {args.family}")
    codes: list[tuple[str, Path]] = [("", REPO)]
    other = _worktree(args.compare) if args.compare else None
    if other is not None:
        codes.append((f" ({args.compare})", other))
    memory = args.memory * 2**20
    rows: list[list[str]] = []
    started = time.perf_counter()
    try:
        for name in names:
            for suffix, code in codes:
                results = [
                    measure(code, name, size, args.timeout, memory, args.tracemalloc)
                    for size in sizes
                ]
                rows.append(_row(name + suffix, results))
                print(" ".join(rows[-1]), file=sys.stderr, flush=True)
    finally:
        if other is not None:
            _drop_worktree(other)
    header = [
        "family",
        *(f"{s // KB} KB: time, peak" for s in sizes),
        "×/doubling",
        "growth",
        f"slowest stage @{sizes[-1] // KB} KB",
        "met",
    ]
    print(table(rows, header))
    mine = [r for r in rows if not r[0].endswith(")")]
    met = sum(r[-1] == "yes" for r in mine)
    print(
        f"\n{met}/{len(mine)} families met (≤ {TARGET_SECONDS:g} s at {sizes[-1] // KB} KB, "
        f"≤ {TARGET_RATIO:g}× per doubling); {time.perf_counter() - started:.0f} s"
    )
    return 0 if met == len(mine) else 1


if __name__ == "__main__":
    raise SystemExit(main())
