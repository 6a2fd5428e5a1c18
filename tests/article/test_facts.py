"""Key facts: concrete, compact, verbatim, no repeats, with their paragraph numbers."""

from __future__ import annotations

from bot.article import Fact, analyze, key_facts, parse, summarize
from bot.article.facts import items

from .test_summarize import NO_HEADINGS


def test_sample_facts(sample_text: str) -> None:
    article = parse(sample_text)
    facts = key_facts(article)
    assert 1 <= len(facts) <= 5
    texts = " ".join(f.text for f in facts)
    assert "$5 billion investment" in texts
    assert "Trainium and Inferentia" in texts
    for fact in facts:
        assert fact.text in article.paragraph(fact.paragraph).sentences
    assert facts[0].paragraph == 1


def test_limit_order_and_no_repeats() -> None:
    article = parse(NO_HEADINGS)
    facts = key_facts(article, limit=3)
    assert len(facts) == 3
    assert key_facts(article, limit=0) == []
    order = [s for p in article.paragraphs for s in p.sentences]
    positions = [order.index(f.text) for f in facts]
    assert positions == sorted(positions)
    assert len({f.text for f in facts}) == len(facts)


def test_facts_prefer_numbers_and_names() -> None:
    article = parse(NO_HEADINGS)
    facts = key_facts(article, limit=4)
    with_figures = [f for f in facts if any(c.isdigit() for c in f.text)]
    assert len(with_figures) >= 3


def test_repeated_sentences_give_one_fact() -> None:
    sentence = "Acme Corp paid $4.2 million for the Widget Works factory in 2021."
    article = parse(f"{sentence}\n\n{sentence}\n\nNothing else happened that year.")
    facts = key_facts(article)
    assert [f.text for f in facts].count(sentence) == 1


def test_article_without_figures_still_has_facts() -> None:
    article = parse("the sky was grey. it rained all day. everyone stayed inside and read.")
    assert key_facts(article)


def test_exclude_leaves_out_sentences_and_what_they_tell(sample_text: str) -> None:
    article = parse(sample_text)
    tldr = summarize(article).tldr
    facts = key_facts(article, exclude=tldr)
    assert facts
    assert not {f.text for f in facts} & set(tldr)
    # Whitespace does not matter; what is excluded is never returned even with a big limit.
    spaced = [" ".join(s.split()) + " " for s in tldr]
    assert key_facts(article, limit=50, exclude=spaced) == key_facts(
        article, limit=50, exclude=tldr
    )
    assert not {f.text for f in key_facts(article, limit=50, exclude=tldr)} & set(tldr)


def test_a_digest_never_shows_a_sentence_twice(sample_text: str) -> None:
    for text in (sample_text, NO_HEADINGS):
        digest = analyze(parse(text))
        assert digest.facts
        assert not {f.text for f in digest.facts} & set(digest.summary.tldr)


def test_a_short_article_told_by_its_tldr_gets_no_repeated_facts() -> None:
    article = parse("Acme Corp paid $4.2 million for the Widget Works factory in 2021.")
    digest = analyze(article)
    assert digest.summary.tldr == [article.paragraphs[0].text]
    assert digest.facts == []
    assert key_facts(article) == [Fact(article.paragraphs[0].text, 1)]  # alone, it is a fact


def test_items_are_numbers_and_names() -> None:
    found = items("For Anthropic, The Wall Street Journal said Amazon makes Trainium for $5.5 bn.")
    assert found == {"5.5", "Wall Street Journal", "~Anthropic", "~Amazon", "~Trainium"}


def test_facts_end_rather_than_pad_with_vague_sentences() -> None:
    text = (
        "Acme Corp paid $4.2 million for the Widget Works factory in 2021. "
        "It was a big moment. Nobody expected it. Everyone was pleased. Then it rained. "
        "The factory employs 340 people in the town of Little Hinton."
    )
    facts = key_facts(parse(text), limit=5)
    assert [f.text[:9] for f in facts] == ["Acme Corp", "The facto"]


def test_a_fact_pointing_back_follows_the_one_it_leans_on() -> None:
    text = (
        "England beat Fiji 26-21 in the final in Dubai to win the first IRB Sevens event.\n\n"
        "Scotland were beaten 33-15 by Samoa in the plate semi-final on Saturday.\n\n"
        "Having started slowly, the side fell behind to an early try in the final. "
        "They then took charge with scores from Pat Sanderson and Kai Horstman.\n\n"
        "Portugal beat France in the bowl final after a sudden-death period of 4 minutes."
    )
    article = parse(text)
    assert not any(f.text.startswith("They") for f in key_facts(article, limit=3))
    facts = [f.text for f in key_facts(article, limit=10)]
    assert "They then took charge" in facts[-2]  # only when nothing else is left
