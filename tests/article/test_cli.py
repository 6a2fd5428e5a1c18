"""`python -m bot digest|ask`, run as a user runs it (a subprocess), including bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.article import ENGINE_VERSION

from .conftest import SAMPLE

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )


def test_digest_reads_like_a_digest() -> None:
    result = run("digest", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for part in ("TL;DR", "Sections", "Detailed Analysis (¶1–4)", "Key facts", "(¶1)"):
        assert part in out
    assert "$5 billion investment" in out
    assert "Read original article" not in out
    assert out.index("TL;DR") < out.index("Sections") < out.index("Key facts")
    assert result.stderr == ""


def test_digest_json_from_stdin() -> None:
    result = run("digest", "-", "--json", stdin=SAMPLE.read_bytes())
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["paragraph_count"] == 4
    assert data["summary"]["sections"][0]["heading"] == "Detailed Analysis"
    assert len(data["summary"]["tldr"]) == 3
    assert {f["paragraph"] for f in data["facts"]} <= {1, 2, 3, 4}
    shown = data["summary"]["tldr"] + [f["text"] for f in data["facts"]]
    assert any("Trainium" in text for text in shown)
    assert not set(data["summary"]["tldr"]) & {f["text"] for f in data["facts"]}
    assert data["engine_version"] == ENGINE_VERSION


def test_digest_markdown_title(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# Flood Report\n\nThe river rose 3 metres on Monday.\n", encoding="utf-8")
    result = run("digest", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Flood Report\n")


def test_ask_quotes_the_paragraph() -> None:
    result = run("ask", str(SAMPLE), "which chips does Anthropic use")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("¶1: ")
    assert "Trainium and Inferentia" in result.stdout


def test_ask_not_covered() -> None:
    result = run("ask", str(SAMPLE), "banana bread recipe with walnuts")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Not covered")


def test_ask_json() -> None:
    result = run("ask", str(SAMPLE), "How much did Amazon invest?", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["passages"] and data["passages"][0]["paragraph"] == 1


BAD = {
    "empty": b"",
    "whitespace": b"  \n\t\n   ",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin1": "Caf\u00e9 au lait co\u00fbte 3 \u20ac.".encode("cp1252"),
    "furniture only": b"Advertisement\n\nRead original article \xe2\x86\x92\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
@pytest.mark.parametrize("command", ["digest", "ask"])
def test_bad_input_one_line_no_traceback(tmp_path: Path, name: str, command: str) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(BAD[name])
    args = [command, str(path)] + (["a question"] if command == "ask" else [])
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["digest", "/nonexistent/article.txt"], "no such file"),
        (["digest", "."], "is a directory"),
        (["ask", "-", "question"], "no text"),
    ],
)
def test_missing_or_unreadable_source(args: list[str], message: str) -> None:
    result = run(*args, stdin=b"")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_non_zero() -> None:
    result = run("ask", str(SAMPLE))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
