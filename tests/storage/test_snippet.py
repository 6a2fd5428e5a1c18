"""Snippets: cut around the matched words, matched the way the FTS5 index matches them."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from storage.query import query_terms
from storage.snippet import fold, make_snippet, stem

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "anthropic-amazon-partnership.txt"


def test_python_stems_agree_with_the_fts5_porter_tokenizer() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    extra = (
        "running runs ran happily happiness generalization Café naïve ÉCOLE résumés ties 11½ "
        "technology technological eulogy geology trilogy possibly incredibly assembly bubbly "
        "terribly wobbly superbly ostensibly horribly probably notably feasibly humbly ably"
    )
    words = set(re.findall(r"[^\W_]+", text + " " + extra))
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'porter unicode61')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab (t, 'row')")
        mismatches = []
        for word in sorted(words):
            db.execute("DELETE FROM t")
            db.execute("INSERT INTO t (x) VALUES (?)", (word,))
            (term,) = db.execute("SELECT term FROM v").fetchone()
            if stem(fold(word)) != term:
                mismatches.append((word, stem(fold(word)), term))
    finally:
        db.close()
    assert len(words) > 250
    assert mismatches == []


def test_cut_around_the_densest_run_of_matches() -> None:
    words = [f"w{i}" for i in range(100)]
    words[10] = "bridge"
    words[60:63] = ["river", "crossing", "bridges"]
    text = " ".join(words) + "."
    snippet = make_snippet(text, query_terms("bridge river"), words=12)
    assert snippet.startswith("…w56 ") and "river crossing bridges" in snippet
    assert snippet.endswith("…") and len(snippet.split()) == 12


def test_whole_short_paragraph_and_no_match() -> None:
    assert make_snippet("  Short\n paragraph,  here.  ", ["short"]) == "Short paragraph, here."
    long_text = " ".join(f"word{i}" for i in range(50))
    assert make_snippet(long_text, ["absent"], words=5) == "word0 word1 word2 word3 word4…"
    assert make_snippet("", ["x"]) == ""
    assert make_snippet("🎉 🎉", ["x"]) == "🎉 🎉"


def test_stems_diacritics_and_closing_punctuation() -> None:
    text = "Intro words here. " * 10 + 'She was Running to the café, "quickly." Then more ' * 3
    snippet = make_snippet(text, query_terms("runs cafe"), words=8)
    assert "Running to the café" in snippet
    assert snippet.startswith("…")
    last = make_snippet("a b c d e f. g h", query_terms("a"), words=6)
    assert last == "a b c d e f.…"


def test_unspaced_scripts_are_cut_by_characters() -> None:
    """A character of Chinese counts as half a word: the snippet holds the matched word and
    about twice as many characters of context as it would hold words."""
    text = (
        "尼古拉·特斯拉是发明家。"
        + "他在电力领域有许多发明。" * 6
        + "特斯拉于1943年去世。"
        + "遗产。" * 20
    )
    snippet = make_snippet(text, query_terms("特斯拉去世"))
    assert "特斯拉于1943年去世" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < 75
    assert make_snippet("ภาษาไทยง่ายมาก", query_terms("ไทย")) == "ภาษาไทยง่ายมาก"
    mixed = "Intro " * 30 + "The Tesla (特斯拉) story ends here. " + "Outro " * 30
    assert "Tesla (特斯拉) story" in make_snippet(mixed, query_terms("特斯拉"))
