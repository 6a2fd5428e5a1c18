"""Search terms (`storage.query`): one definition for both stores, pinned to SEARCH_VERSION."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from storage.postgres import tsvector_literal
from storage.query import (
    MAX_INDEX_TERMS,
    MAX_TERM_CHARS,
    MAX_TERMS,
    SEARCH_VERSION,
    build_match,
    index_terms,
    query_terms,
    search_form,
)

SAMPLES = [
    "The council approved a £4.5m budget on Tuesday, after a two-hour debate.",
    "Running runs ran; generalization café naïve ÉCOLE résumés 11½ C++ e-mail",
    "特斯拉于 1943 年 1 月 7 日去世。北京大学",
    "東京都は日本の首都です。カタカナとひらがな、がぎぐ",
    "ภาษาไทยเป็นภาษาราชการของประเทศไทย",
    "서울특별시는 대한민국의 수도이다",
    "اللغة العربيَّة هي أكثر اللغات تحدثًا",
    "Москва́ — столица России, ёжик и йогурт",
    "Die Straße führt über die Brücke nach München",
    "हिन्दी भारत की राजभाषा है",
    "Ελληνικά: η οδός ΟΔΌΣ",
    "emoji 🎉 and \u200b zero width, x" + "y" * 200,
]

# The output of index_terms on SAMPLES for this SEARCH_VERSION. Changing what index_terms
# returns changes this: bump SEARCH_VERSION (stores then rebuild their index), then update it.
PINNED = {1: "29630414856503258d7d4c1c3bad5784584dfa3f9cc644e2f03012acddebe18a"}


def test_index_terms_are_pinned_to_the_search_version() -> None:
    digest = hashlib.sha256(
        json.dumps([index_terms(s) for s in SAMPLES], ensure_ascii=False).encode()
    ).hexdigest()
    assert PINNED.get(SEARCH_VERSION) == digest, (
        f"index_terms changed: bump storage.query.SEARCH_VERSION and pin the new digest {digest}"
    )


def test_words_are_folded_and_stemmed() -> None:
    assert index_terms("Running runs RAN") == ["run", "run", "ran"]
    assert index_terms("Café naïve ÉCOLE") == ["cafe", "naiv", "ecol"]
    assert index_terms("Straße Москва́ ёжик ΟΔΌΣ") == ["strass", "москва", "ежик", "οδοσ"]
    assert index_terms("C++ e-mail 3,000") == ["c", "e", "mail", "3", "000"]
    # Marks stay inside their word (FTS5's unicode61 would cut हिन्दी into ह न द).
    assert index_terms("हिन्दी") == ["हिनदी"]
    assert index_terms("العربيَّة") == ["العربية"]  # harakat dropped
    assert index_terms("がぎ") == ["が", "ぎ", "がぎ"]  # voicing marks kept


def test_unspaced_scripts_give_characters_and_pairs() -> None:
    assert index_terms("北京大学") == ["北", "京", "大", "学", "北京", "京大", "大学"]
    assert index_terms("特斯拉 1943年") == ["特", "斯", "拉", "特斯", "斯拉", "1943", "年"]
    assert index_terms("Tesla特斯拉") == ["tesla", "特", "斯", "拉", "特斯", "斯拉"]
    assert index_terms("ไทย") == ["ไ", "ท", "ย", "ไท", "ทย"]
    assert query_terms("北京大学") == ("北京", "京大", "大学")
    assert query_terms("北") == ("北",)
    assert query_terms("北 京") == ("北", "京")
    assert query_terms("the 北京") == ("北京",)


def test_limits() -> None:
    assert index_terms("x" * (MAX_TERM_CHARS + 1)) == []
    assert index_terms("é" * (MAX_TERM_CHARS + 1)) == []
    assert index_terms("x" * MAX_TERM_CHARS) == ["x" * MAX_TERM_CHARS]
    assert len(index_terms("word " * (MAX_INDEX_TERMS + 10))) == MAX_INDEX_TERMS
    many = " ".join(f"w{i:06d}x" for i in range(MAX_INDEX_TERMS))
    assert sum(len(t) for t in set(index_terms(many))) <= 512 * 1024
    assert len(query_terms("北京大学是中国的一所大学也是最好的")) == MAX_TERMS
    assert build_match("🎉 …") is None
    assert search_form("Running 北京") == "run 北 京 北京"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_terms_are_letters_digits_and_marks_only(text: str) -> None:
    for term in index_terms(text):
        assert term and len(term) <= MAX_TERM_CHARS
        assert not any(c.isspace() or c in "'\"\\:&|!()*" for c in term)
    literal = tsvector_literal(index_terms(text))
    assert literal.count("'") == 2 * len(set(index_terms(text)))
    for term in query_terms(text):
        assert term in set(index_terms(text)) or len(term) == 2
