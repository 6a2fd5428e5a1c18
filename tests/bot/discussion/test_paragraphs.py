"""`/quote`'s paragraphs option: ranges, mistakes named with the valid range, and linear
parsing of whatever a slash option can carry."""

from __future__ import annotations

import pytest

from bot.discussion import paragraphs, parse_paragraphs
from bot.errors import UserError


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("4", [4]),
        ("2-5", [2, 3, 4, 5]),
        ("1,3", [1, 3]),
        (" ¶2–3, 5 ", [2, 3, 5]),
        ("5-2", [2, 3, 4, 5]),
        ("3 1", [3, 1]),
        ("1, 1-2", [1, 2]),
        ("#4", [4]),
        ("2 - 4", [2, 3, 4]),
    ],
)
def test_paragraph_specs(spec: str, expected: list[int]) -> None:
    assert parse_paragraphs(spec, 8) == expected


@pytest.mark.parametrize(
    ("spec", "count", "message"),
    [
        ("9", 8, "There is no ¶9: this article has ¶1–8."),
        ("0", 8, "There is no ¶0: this article has ¶1–8."),
        ("3-12", 8, "There is no ¶12"),
        ("2", 1, "this article has ¶1."),
        ("two", 8, "is not a paragraph number"),
        ("", 8, "Name paragraphs like"),
        ("1-6", 8, "I quote up to 5 at once (e.g. `1-5`)"),
        ("1,2,3,4,5,6", 8, "up to 5 paragraphs"),
    ],
)
def test_bad_paragraph_specs_name_the_valid_range(spec: str, count: int, message: str) -> None:
    with pytest.raises(UserError) as info:
        parse_paragraphs(spec, count)
    assert message in info.value.user_message


def test_an_option_longer_than_any_list_of_paragraphs_is_refused() -> None:
    with pytest.raises(UserError) as info:
        parse_paragraphs("1" + " " * 6000 + "x", 8)  # what a slash option can carry
    assert "too long" in info.value.user_message
    assert parse_paragraphs("  ¶1 – 2 ,  4  ".ljust(200), 8) == [1, 2, 4]  # at the bound


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "hostile",
    [
        " " * 300_000 + "x",  # was quadratic: `\s*-\s*` tried at every space
        "1" + " " * 300_000 + "-",
        "- " * 150_000,
        "1 " * 150_000,
        "¶" * 300_000,
    ],
)
def test_parsing_is_linear_in_the_option(hostile: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the length bound, parsing 300,000 characters still takes a moment (it took
    hours: 0.26 s per 6,000 characters, ×4 per doubling — issue 11, item 7); the test's
    timeout is what fails if it is quadratic again."""
    monkeypatch.setattr(paragraphs, "MAX_SPEC", len(hostile))
    try:
        assert parse_paragraphs(hostile, 8) == [1]  # "1 1 1 …" is ¶1
    except UserError as exc:
        assert "paragraph" in exc.user_message
