"""Paragraphs, headings, titles and page furniture."""

from __future__ import annotations

import pytest

from bot.article import parse
from bot.article.parse import is_furniture


def shape(text: str, title: str | None = None) -> list[tuple[str | None, list[int]]]:
    article = parse(text, title=title)
    return [(s.heading, [p.number for p in s.paragraphs]) for s in article.sections]


def test_sample_article(sample_text: str) -> None:
    article = parse(sample_text)
    assert article.title is None
    assert [s.heading for s in article.sections] == ["Detailed Analysis"]
    assert [p.number for p in article.paragraphs] == [1, 2, 3, 4]
    assert article.sections[0].paragraphs == article.paragraphs
    assert "Read original article" not in article.text
    assert article.paragraphs[0].text.startswith("Anthropic and Amazon formalized")
    assert all(p.heading == "Detailed Analysis" for p in article.paragraphs)
    assert [len(p.sentences) for p in article.paragraphs] == [3, 4, 3, 4]


def test_without_blank_lines_each_line_is_a_paragraph() -> None:
    text = "First one. Still first.\nSecond line.\r\nThird line.\n"
    article = parse(text)
    assert [p.text for p in article.paragraphs] == [
        "First one. Still first.",
        "Second line.",
        "Third line.",
    ]
    assert article.paragraph(2).text == "Second line."
    with pytest.raises(IndexError):
        article.paragraph(4)


def test_with_blank_lines_a_single_line_break_is_a_soft_wrap() -> None:
    text = "First one. Still first.\nSecond line.\n\nThird, after a blank.\r\nFourth.\n"
    article = parse(text)
    assert [p.text for p in article.paragraphs] == [
        "First one. Still first. Second line.",
        "Third, after a blank. Fourth.",
    ]
    assert [len(p.sentences) for p in article.paragraphs] == [3, 2]


def test_a_wrapped_formula_is_neither_a_list_nor_a_heading() -> None:
    # Wikipedia text that lost its subscripts: "O\n2" is O₂, not a list item "2." or a heading
    text = (
        "Oxygen is a chemical element. At standard temperature two atoms bind to form dioxygen, "
        "a diatomic gas with the formula O\n2. Diatomic oxygen gas makes up 20.8% of the air.\n\n"
        "Ozone is toxic. Concentrated O\n3 is used in industry, and its\nuses are many.\n\n"
        "Oxygen was discovered by Carl Wilhelm Scheele in 1771."
    )
    article = parse(text)
    assert len(article.paragraphs) == 3
    assert [s.heading for s in article.sections] == [None]
    assert article.paragraph(1).text.endswith(
        "the formula O 2. Diatomic oxygen gas makes up 20.8% of the air."
    )
    assert (
        article.paragraph(2).text
        == "Ozone is toxic. Concentrated O 3 is used in industry, and its uses are many."
    )


def test_with_blank_lines_lists_headings_and_scraped_lines_stay() -> None:
    line = (
        "This scraped paragraph is long enough to be a paragraph of its own, on its own line, "
        "as the pages people copy from often are."
    )
    text = (
        "# Title\n\nSteps to follow:\n1. Mix the flour.\n2. Add the water.\n- a note\n\n"
        f"Setext heading\n---\n\n{line}\n{line}\n{line}\n\nThe end of it all."
    )
    article = parse(text)
    assert article.title == "Title"
    texts = [p.text for p in article.paragraphs]
    assert texts[0] == "Steps to follow:"
    assert texts[1] == "1. Mix the flour.\n2. Add the water.\n- a note"
    assert texts[2:5] == [line, line, line]
    assert [s.heading for s in article.sections] == [None, "Setext heading"]


def test_hard_wrapped_lines_are_joined() -> None:
    text = (
        "This text is hard wrapped at a fixed width so that lines break in the\n"
        "middle of sentences, and the parser has to join them back together into\n"
        "one paragraph. The second sentence also wraps over a line break before\n"
        "it ends here.\n\nA second paragraph."
    )
    article = parse(text)
    assert len(article.paragraphs) == 2
    assert article.paragraphs[0].text.endswith("wraps over a line break before it ends here.")
    assert len(article.paragraphs[0].sentences) == 2


def test_markdown_headings_and_title() -> None:
    text = "# The Title\n\nIntro text here.\n\n## Background\n\nMore text.\n\nEven more.\n"
    article = parse(text)
    assert article.title == "The Title"
    assert shape(text) == [(None, [1]), ("Background", [2, 3])]
    assert article.paragraphs[1].heading == "Background"


def test_lone_short_lines_are_headings() -> None:
    text = "Opening paragraph of the piece.\n\nWhat Happened Next\n\nThe rest of it.\n\nMore.\n"
    assert shape(text) == [(None, [1]), ("What Happened Next", [2, 3])]


def test_given_title_wins_and_a_repeated_heading_is_dropped() -> None:
    text = "# Big News\n\nBody text.\n\n# Another Part\n\nMore body."
    assert parse(text, title="Big News").title == "Big News"
    assert shape(text, title="big  news") == [(None, [1]), ("Another Part", [2])]
    # Two level-1 headings: neither is taken as the title.
    assert parse(text).title is None
    assert shape(text) == [("Big News", [1]), ("Another Part", [2])]


def test_a_heading_right_above_another_heading_is_the_title() -> None:
    article = parse("My Article\n\nIntroduction\n\nFirst words here.\n")
    assert article.title == "My Article"
    assert [s.heading for s in article.sections] == ["Introduction"]


def test_setext_headings() -> None:
    article = parse("Title Here\n==========\n\nBody.\n\nPart Two\n--------\n\nMore.\n")
    assert article.title == "Title Here"
    assert [s.heading for s in article.sections] == [None, "Part Two"]


def test_short_line_at_the_end_stays_a_paragraph() -> None:
    article = parse("A full sentence here.\n\nThanks for reading")
    assert [p.text for p in article.paragraphs] == ["A full sentence here.", "Thanks for reading"]


def test_headings_only_become_paragraphs() -> None:
    article = parse("Hello world")
    assert [p.text for p in article.paragraphs] == ["Hello world"]
    assert article.sections[0].heading is None


def test_list_items_form_one_paragraph() -> None:
    article = parse("Key points:\n- first point\n- second point that\n  wraps\n- third\n\nEnd.")
    texts = [p.text for p in article.paragraphs]
    assert texts[0] == "Key points:"
    assert texts[1].startswith("- first point")
    assert article.paragraphs[1].sentences == ["first point", "second point that\nwraps", "third"]


FURNITURE = [
    "Read original article →",
    "Read the full story",
    "Advertisement",
    "ADVERTISEMENT",
    "Share this",
    "Share this article",
    "Subscribe now!",
    "Subscribe to our newsletter",
    "Sign up for our free newsletter",
    "We use cookies to improve your experience. By continuing you agree to our cookie policy.",
    "Accept all cookies",
    "Scroll down for video",
    "Story continues below advertisement",
    "Image copyright Getty Images",
    "Follow us on Twitter and Facebook",
    "© 2024 Example Corp. All rights reserved.",
    "Updated 5 March 2024, 10:32 GMT",
    "Back to top",
    "5 min read",
    "By Jane Smith and Tom Jones, BBC News",
    "By Jane Smith, Political Correspondent",
    "Photo: Getty Images",
    "Photograph: Sam Smith/The Guardian",
    "AFP/Getty Images",
]
REAL = [
    "Published in 2004, the book sold well.",
    "By Monday, 200 schools had closed.",
    "By the time the police arrived, the crowd had gone.",
    "Share prices fell 5% on Monday.",
    "Subscribers rose 5% last year.",
    "Follow the money on this one.",
    "The company said it uses cookies to track users across sites, a practice regulators hate.",
    "Copyright infringement cases rose 10% last year.",
    "Updated guidance was published on Monday.",
    "Advertisement revenue rose 20%.",
    "Home prices fell sharply.",
    "Read the report before you vote.",
]


@pytest.mark.parametrize("line", FURNITURE)
def test_furniture_is_dropped(line: str) -> None:
    assert is_furniture(line)
    article = parse(f"A real first sentence.\n{line}\nA real last sentence.")
    assert [p.text for p in article.paragraphs] == [
        "A real first sentence.",
        "A real last sentence.",
    ]


@pytest.mark.parametrize("line", REAL)
def test_real_sentences_are_never_furniture(line: str) -> None:
    assert not is_furniture(line)
    article = parse(f"A real first sentence.\n{line}\nA real last sentence.")
    assert line in [p.text for p in article.paragraphs]


def test_a_rule_under_a_sentence_is_not_a_heading() -> None:
    article = parse("The vote was close.\n---\nThe count went on all night.\n")
    assert [p.text for p in article.paragraphs] == [
        "The vote was close.",
        "The count went on all night.",
    ]
    assert article.sections[0].heading is None


def test_block_quotes_are_paragraphs_without_their_markers() -> None:
    text = (
        "The mayor spoke after the vote.\n\n"
        '> "Nobody likes a detour," said Mayor Denise Albright.\n\n'
        "> A quote that is hard wrapped over\n> two lines of the source.\n"
        ">\n> Its second paragraph.\n"
        "Back in the article.\n\n"
        "> > A nested quote.\n\n"
        "> Short Quoted Line\n\n"
        "The end."
    )
    article = parse(text)
    assert [p.text for p in article.paragraphs] == [
        "The mayor spoke after the vote.",
        '"Nobody likes a detour," said Mayor Denise Albright.',
        "A quote that is hard wrapped over two lines of the source.",
        "Its second paragraph.",
        "Back in the article.",
        "A nested quote.",
        "Short Quoted Line",  # a quoted line is never a heading
        "The end.",
    ]
    assert article.paragraphs[1].sentences == [
        '"Nobody likes a detour," said Mayor Denise Albright.'
    ]
    assert [s.heading for s in article.sections] == [None]


def test_a_short_line_above_lower_case_text_is_not_a_heading() -> None:
    # Scraped text with a link dropped: "... in Sheffield as [name] dominated the race".
    text = (
        "Opening sentence here.\n\n"
        "The men's 800m went to form in Sheffield as\n\ndominated the race."
    )
    article = parse(text)
    assert [s.heading for s in article.sections] == [None]
    assert len(article.paragraphs) == 3


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("## Background ##", "Background"),
        ("## Background\t#", "Background"),
        ("## C#", "C#"),
        ("## ###", "###"),
        ("### Wide   gap   here", "Wide   gap   here"),
        ("## a # #", "a #"),
    ],
)
def test_atx_headings_lose_their_closing_hashes(line: str, heading: str) -> None:
    article = parse(f"{line}\n\nSome text under it.")
    assert article.sections[0].heading == heading


def test_furniture_with_a_long_tail_of_marks() -> None:
    assert is_furniture("Read more " + "»" * 200)
    assert not is_furniture("photo: " + ":" * 200 + "x")
