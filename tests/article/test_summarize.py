"""TL;DR and section summaries: verbatim, in order, no repeats, proportional, not padded."""

from __future__ import annotations

import pytest

from bot.article import Article, analyze, key_facts, parse, summarize
from bot.article.score import analysis
from bot.article.summarize import (
    eligible,
    leans_back,
    lede,
    quote_fragment,
    stands_alone,
    tied,
)
from bot.article.text import squash

NO_HEADINGS = "\n\n".join(
    [
        "The city council approved a new budget on Monday after weeks of debate. "
        "The budget raises spending on schools by 8% and cuts road repairs. "
        "Council members voted 7 to 2 in favour of the plan.",
        "Teachers welcomed the school funding increase at a rally outside city hall. "
        "The teachers union said the money would pay for 40 new classroom assistants. "
        "Parents at the rally asked for smaller class sizes as well.",
        "School leaders said smaller classes would need more teachers and more rooms. "
        "The union wants the council to fund new teachers next year too.",
        "The river flooded the lower town for the third time this year. "
        "Flood water reached shops on the high street and closed the railway station. "
        "Engineers blamed a broken flood barrier built in 1974.",
        "Residents of the lower town demanded a new flood barrier before winter. "
        "Engineers said a replacement barrier would cost about 12 million pounds. "
        "The national flood agency promised to pay half of the cost.",
        "Shop owners said the flood water damaged stock worth thousands of pounds. "
        "Insurance companies have started visiting the flooded shops.",
    ]
)


def sentences_of(article: Article) -> list[str]:
    return [s for p in article.paragraphs for s in p.sentences]


def assert_in_order_unique(picked: list[str], article: Article) -> None:
    all_sentences = sentences_of(article)
    positions = [all_sentences.index(s) for s in picked]
    assert positions == sorted(positions)
    assert len(set(picked)) == len(picked)


def test_sample_summary(sample_text: str) -> None:
    article = parse(sample_text)
    summary = summarize(article)
    assert len(summary.tldr) == 3
    assert_in_order_unique(summary.tldr, article)
    # The lead prior: the article's opening claim leads the TL;DR.
    assert summary.tldr[0].startswith("Anthropic and Amazon formalized a deepened strategic")
    assert [s.heading for s in summary.sections] == ["Detailed Analysis"]
    section = summary.sections[0]
    assert section.paragraphs == [1, 2, 3, 4]
    assert 1 <= len(section.sentences) <= 3
    assert_in_order_unique(section.sentences, article)
    body = squash(sample_text)
    assert all(squash(s) in body for s in summary.tldr + section.sentences)


def test_max_sentences() -> None:
    article = parse(NO_HEADINGS)
    assert summarize(article, max_sentences=0).tldr == []
    assert len(summarize(article, max_sentences=1).tldr) == 1
    five = summarize(article, max_sentences=5).tldr
    assert len(five) == 5
    assert_in_order_unique(five, article)


def test_without_headings_sections_are_coherent_runs() -> None:
    article = parse(NO_HEADINGS)
    summary = summarize(article)
    runs = [s.paragraphs for s in summary.sections]
    assert len(runs) >= 2
    assert [n for run in runs for n in run] == [1, 2, 3, 4, 5, 6]
    assert all(len(run) >= 2 for run in runs)
    assert runs[0][:2] == [1, 2] and runs[-1][-2:] == [5, 6]
    assert 4 in runs[-1] or runs[1][0] == 4  # the cut falls where schools turn to floods
    for section in summary.sections:
        assert section.heading is None
        assert 1 <= len(section.sentences) <= 3
        own = [s for n in section.paragraphs for s in article.paragraph(n).sentences]
        assert all(s in own for s in section.sentences)
        assert_in_order_unique(section.sentences, article)


def test_headed_sections_are_summarised_separately() -> None:
    text = (
        "# Report\n\n## Schools\n\n"
        + "\n\n".join(NO_HEADINGS.split("\n\n")[:3])
        + "\n\n## Floods\n\n"
        + "\n\n".join(NO_HEADINGS.split("\n\n")[3:])
    )
    article = parse(text)
    assert article.title == "Report"
    summary = summarize(article)
    assert [(s.heading, s.paragraphs) for s in summary.sections] == [
        ("Schools", [1, 2, 3]),
        ("Floods", [4, 5, 6]),
    ]
    assert all("flood" in s.lower() for s in summary.sections[1].sentences)


def test_short_article_is_not_padded() -> None:
    article = parse("The bridge reopened on Tuesday. Traffic is flowing again.")
    summary = summarize(article)
    assert len(summary.tldr) == 1
    assert len(summary.sections) == 1 and len(summary.sections[0].sentences) == 1


def test_furniture_sentences_are_not_summaries() -> None:
    text = (
        "Police arrested a man on Friday after a chase through the city centre. "
        "Scroll down for video . The man was charged with dangerous driving on Saturday. "
        "He will appear in court next month."
    )
    summary = summarize(parse(text), max_sentences=3)
    assert all("Scroll down" not in s for s in summary.tldr)


def test_analyze_bundles_everything(sample_text: str) -> None:
    article = parse(sample_text)
    digest = analyze(article)
    assert digest.paragraph_count == 4 and digest.section_count == 1
    assert digest.summary == summarize(article)
    assert type(digest).from_dict(digest.to_dict()) == digest


LEDE_BODY = (
    "\n\nThe contract covers the deck, the girders and both approach ramps of the bridge. "
    "Work starts in June and takes eleven months.\n\n"
    "Buses will detour over the Mill Road crossing while the bridge is closed to traffic."
)


@pytest.mark.parametrize(
    ("opening", "is_lede"),
    [
        ("The city council approved a $48 million plan to repair the bridge on Tuesday.", True),
        ("Is the old bridge worth saving at all, after sixty years of traffic?", False),
        ("What a week it has been for the council and its long-suffering bridge!", False),
        ('"We had no choice," the mayor said after the council voted on the bridge.', False),
        ("Bridges matter.", False),  # a teaser, not a lede
        ("Pictured: the bridge from the east bank at dawn, before the work began .", False),
    ],
)
def test_lead_prior_takes_a_lede_only(opening: str, is_lede: bool) -> None:
    article = parse(opening + LEDE_BODY)
    found = analysis(article)
    lead = lede(eligible(found.units), found.structured)
    assert (lead is not None and lead.text == opening) is is_lede
    if is_lede:
        assert summarize(article).tldr[0] == opening


def test_lead_prior_leaves_single_blocks_to_the_scorer() -> None:
    article = parse(" ".join(NO_HEADINGS.split("\n\n")))
    found = analysis(article)
    assert not found.structured
    assert lede(eligible(found.units), found.structured) is None


@pytest.mark.parametrize(
    ("sentence", "fragment"),
    [
        ('"We will win," he said.', False),
        ('"We will win.', True),  # the quotation runs on: its speaker is elsewhere
        ("“We pride ourselves on it.”", True),
        ("It was very special.’", True),  # the end of a quotation opened earlier
        ("'I love the club, I love the city.", True),
        ("'She gave me the Collective of Prostitutes' Rights sheet about the laws.", True),
        ('"Star Wars" fans will get more than they bargained for.', False),  # a title
        ("Dubbed 'Turing's Law', the law will pardon thousands.", False),
        ('The mayor said: "We will rebuild the bridge.', False),
        ("He said he didn't know.", False),
    ],
)
def test_quote_fragment(sentence: str, fragment: bool) -> None:
    assert quote_fragment(sentence) is fragment


def test_summaries_quote_only_sentences_that_stand_alone() -> None:
    block = (
        "The council voted to repair the Harbor Street bridge for $48 million on Tuesday. "
        "Mayor Denise Albright watches the vote from the public gallery at city hall . "
        "Council members Ann Lee (left) and Bo Park (right) cast the last votes in the gallery. "
        "Pictured: the Harbor Street bridge seen from the gallery of the east bank at dawn. "
        '"Nobody likes a detour. But the bridge could have failed without any warning. '
        'We had no choice at all." '
        "The bridge carries 31,000 vehicles a day between the east side and downtown. "
        "Buses will detour over the Mill Road crossing, adding nine minutes a trip. "
        "Work begins on June 3 and is expected to take eleven months to finish. "
        "The main items in the budget of the Harbor Street bridge repair are:"
    )
    listed = "- Deck replacement: $29 million.\n- Steel repairs: $11 million."
    for text in (block, block + "\n\n" + listed):
        article = parse(text)
        summary = summarize(article, max_sentences=3)
        shown = summary.tldr + [f.text for f in key_facts(article, limit=10)]
        shown += [s for section in summary.sections for s in section.sentences]
        assert shown
        for sentence in shown:
            assert "gallery" not in sentence  # a photo caption
            assert not sentence.endswith(":")  # a lead-in
            assert "detour." not in sentence and "choice" not in sentence  # speaker unknown


def test_a_sentence_pointing_back_comes_last() -> None:
    text = (
        "Our build took fourteen minutes for every pull request last year.\n\n"
        "About 60 tests talk to a real database. They now run in a separate job that starts "
        "with the fast suite, so the wall-clock time is the longer of the two, not the sum.\n\n"
        "Keying a cache on the hash of the lock file cut installation to twenty seconds.\n\n"
        "We should have measured the pipeline first, before buying a bigger runner."
    )
    article = parse(text)
    units = analysis(article).units
    assert [leans_back(u) for u in units] == [False, False, True, False, False]
    assert not any(s.startswith("They") for s in summarize(article, max_sentences=2).tldr)


def test_a_list_item_comes_after_prose() -> None:
    text = (
        "# Release\n\n## Split the slow tests out\n\n"
        "About 60 tests talk to a real database, so they run in a job of their own.\n\n"
        "1. Tag the slow tests with a marker that the test runner understands well.\n"
        "2. Run the fast suite with that marker excluded from the whole test run.\n"
        "3. Run the slow suite in its own job, in parallel with the fast suite."
    )
    article = parse(text)
    assert [u.listed for u in analysis(article).units] == [False, True, True, True]
    summary = summarize(article)
    assert summary.tldr[0].startswith("About 60 tests")  # the prose first, then an item
    (section,) = summary.sections
    assert not set(section.sentences) & set(summary.tldr)  # the section adds to the TL;DR


def test_pieces_of_sentences_are_not_summaries() -> None:
    # Scraped text where links (athletes' names) were dropped.
    text = (
        "Jason Gardener won the men's 60m title at the AAAs Championships in Sheffield.\n\n"
        "delivered a powerful performance to take the women's 60m title in 7.27 seconds.\n\n"
        "The men's 800m went to form in Sheffield as\n\n"
        "dominated the race from start to finish in one minute, 47.96 seconds.\n\n"
        "Both athletes had already booked their places for the European Championships."
    )
    article = parse(text)
    assert [stands_alone(u) for u in analysis(article).units] == [True, False, False, False, True]
    digest = analyze(article)
    shown = digest.summary.tldr + [f.text for f in digest.facts]
    shown += [s for section in digest.summary.sections for s in section.sentences]
    assert all(s[0].isupper() and not s.endswith(" as") for s in shown)


def test_a_run_never_starts_with_a_paragraph_that_leans_on_the_one_before() -> None:
    paragraphs = NO_HEADINGS.split("\n\n")
    # The flood story's first paragraph now carries on a quotation from the one before it.
    paragraphs[3] = (
        '"The river flooded the lower town for the third time this year. '
        + (paragraphs[3].split(". ", 1)[1])
    )
    paragraphs[2] = 'School leaders said: "Smaller classes would need more teachers and rooms.'
    article = parse("\n\n".join(paragraphs))
    assert 4 in tied(analysis(article).units)
    runs = [s.paragraphs for s in summarize(article).sections]
    assert all(run[0] != 4 for run in runs)


def test_every_summary_sentence_names_its_paragraph() -> None:
    # the same sentence in two paragraphs: a substring search would name the first for both
    text = (
        "Storms hit the coast on Monday and closed every port in the region.\n\n"
        "Officials said the damage would take weeks to repair. The ports stay closed.\n\n"
        "Farmers inland reported flooded fields and lost harvests across three counties.\n\n"
        "Relief teams arrived on Wednesday with food and water. The ports stay closed."
    )
    article = parse(text)
    summary = summarize(article, max_sentences=3)
    assert len(summary.tldr_paragraphs) == len(summary.tldr)
    for sentence, number in zip(summary.tldr, summary.tldr_paragraphs, strict=True):
        assert sentence in article.paragraph(number).sentences
    for section in summary.sections:
        assert len(section.sentence_paragraphs) == len(section.sentences)
        for sentence, number in zip(section.sentences, section.sentence_paragraphs, strict=True):
            assert number in section.paragraphs
            assert sentence in article.paragraph(number).sentences


def test_stored_digest_round_trips_and_old_digests_read_back() -> None:
    article = parse("# Title\n\nOne sentence here about ports. Another one about farms.\n\nMore.")
    digest = analyze(article)
    assert type(digest).from_dict(digest.to_dict()) == digest
    old = digest.to_dict()
    del old["summary"]["tldr_paragraphs"], old["language"]
    for section in old["summary"]["sections"]:
        del section["sentence_paragraphs"]
    back = type(digest).from_dict(old)
    assert back.summary.tldr_paragraphs == []
    assert all(s.sentence_paragraphs == [] for s in back.summary.sections)
    assert back.language is None
