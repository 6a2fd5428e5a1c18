"""find_passages: ranking, best sentence, abstention, robustness and verbatim quotes."""

from __future__ import annotations

import gc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article import Article, Paragraph, Section, find_passages, parse
from bot.article.lexicon import STOP_WORDS, stem, terms, tokens
from bot.article.retrieve import rank_passages


@pytest.fixture(scope="module")
def sample(sample_text: str) -> Article:
    article = parse(sample_text)
    assert len(article.paragraphs) == 4
    return article


@pytest.mark.parametrize(
    ("question", "paragraph"),
    [
        ("How much did Amazon invest in Anthropic?", 1),
        ("how much money did amazon put in", 1),
        ("which chips", 1),
        ("Which newspaper reported the deal?", 1),
        ("who is anthropic's primary cloud partner", 1),
        ("what does amazon gain from the deal", 2),
        ("Why does Anthropic need the funding?", 2),
        ("which other tech giants have stakes in AI labs", 3),
        ("Is independent lab status sustainable", 3),
        ("what about DeepMind and Mistral?", 3),
        ("Will Anthropic stay focused on safety under commercial pressure?", 4),
        ("alexa", 4),
        ("HOW DOES USAGE DATA HELP FUTURE MODELS", 4),
    ],
)
def test_questions_find_their_paragraph(sample: Article, question: str, paragraph: int) -> None:
    found = find_passages(sample, question)
    assert found, question
    assert found[0].paragraph == paragraph


def test_best_sentence_answers(sample: Article) -> None:
    top = find_passages(sample, "which chips does anthropic rely on")[0]
    assert "Trainium and Inferentia" in top.sentence
    top = find_passages(sample, "How much is the investment?")[0]
    assert "$5 billion" in top.sentence
    top = find_passages(sample, "what does the virtuous cycle look like")[0]
    assert top.sentence.startswith("This virtuous cycle")


@pytest.mark.parametrize(
    "question",
    [
        "what is the recipe for banana bread",
        "who won the world cup",
        "What is the tallest mountain in Peru?",
        "how do I fix a flat bicycle tyre",
    ],
)
def test_off_topic_questions_get_nothing(sample: Article, question: str) -> None:
    assert find_passages(sample, question) == []


def test_rank_passages_never_abstains_when_a_term_matches(sample: Article) -> None:
    assert find_passages(sample, "who won the world cup") == []
    assert [p.paragraph for p in rank_passages(sample, "Alexa")] == [4]


@pytest.mark.parametrize(
    "question",
    ["", "   \n\t ", "???", "!!! ... ,,,", "😀🚀", "the of and", "x" * 200_000, "Amazon " * 20_000],
)
def test_odd_questions_never_crash(sample: Article, question: str) -> None:
    found = find_passages(sample, question)
    assert isinstance(found, list)
    assert len(found) <= 3
    for p in found:
        assert p.text == sample.paragraph(p.paragraph).text


def test_k_bounds_and_order(sample: Article) -> None:
    q = "Amazon Anthropic Claude investment"
    assert find_passages(sample, q, k=0) == []
    assert len(find_passages(sample, q, k=1)) == 1
    many = find_passages(sample, q, k=10)
    assert len(many) <= 4
    assert [p.score for p in many] == sorted((p.score for p in many), reverse=True)
    assert len({p.paragraph for p in many}) == len(many)


def test_empty_article() -> None:
    empty = parse("")
    assert find_passages(empty, "anything at all?") == []


def test_index_is_built_once_and_cached(sample: Article) -> None:
    find_passages(sample, "Amazon")
    cached = dict(sample._cache)
    find_passages(sample, "Claude")
    assert sample._cache.keys() == cached.keys()
    assert all(sample._cache[key] is cached[key] for key in cached)


def test_typos_and_accents_still_match() -> None:
    article = parse(
        "The expedition of Céloron crossed the Ohio Country in 1749.\n\n"
        "Sieges were rare in the valley; the forts were small and poorly built.\n\n"
        "Traders from Pennsylvania bought furs from the Miami people at Pickawillany."
    )
    assert find_passages(article, "where did Celoron's expedition go")[0].paragraph == 1
    assert find_passages(article, "were seiges rare in the valley")[0].paragraph == 2
    # a typo alone ranks (stand-ins count for ranking, not as evidence the article covers it)
    assert [p.paragraph for p in rank_passages(article, "seiges")] == [2]


def test_paragraph_numbers_follow_the_article() -> None:
    texts = ["Volcanoes erupt when magma reaches the surface.", "Glaciers carve valleys slowly."]
    paras = [Paragraph(n, t, [t]) for n, t in zip((7, 8), texts, strict=True)]
    article = Article(title=None, sections=[Section(None, paras)], paragraphs=paras)
    found = find_passages(article, "how do glaciers shape valleys")
    assert found and found[0].paragraph == 8
    assert found[0].sentence == texts[1]


def test_lexicon_api() -> None:
    assert tokens("Amazon’s $5.5 billion, multi-billion!") == [
        "amazon’s",
        "5",
        "5",
        "billion",
        "multi",
        "billion",
    ]
    assert terms("The chips were invested in Amazon's investments") == [
        "chip",
        "invest",
        "amazon",
        "invest",
    ]
    assert stem("running") == "run"
    assert {"the", "which", "don't", "don’t"} <= STOP_WORDS
    assert terms("Céloron") == ["celoron"]


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    max_size=300,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(
        st.text(alphabet=st.sampled_from(list("ab cd.?!éΩ語\n😀$5")), max_size=80) | _TEXT,
        max_size=6,
    ),
    question=_TEXT,
    k=st.integers(min_value=-1, max_value=6),
)
def test_property_anything_goes(paragraphs: list[str], question: str, k: int) -> None:
    article = parse("\n\n".join(paragraphs))
    found = find_passages(article, question, k=k)
    ranked = rank_passages(article, question, k=k)
    for result in (found, ranked):
        assert len(result) <= max(k, 0)
        numbers = [p.paragraph for p in result]
        assert len(set(numbers)) == len(numbers)
        assert [p.score for p in result] == sorted((p.score for p in result), reverse=True)
        for p in result:
            para = article.paragraph(p.paragraph)  # raises if the number is invalid
            assert p.text == para.text
            assert p.sentence in para.sentences or p.sentence == para.text
            assert p.sentence in para.text


@settings(max_examples=60, deadline=None)
@given(question=_TEXT)
def test_property_questions_on_the_sample(sample_text: str, question: str) -> None:
    article = parse(sample_text)
    for p in find_passages(article, question, k=4):
        assert p.text in sample_text
        assert p.sentence in p.text


_BRIDGE = """\
The Riverton city council voted 7 to 2 on Tuesday night to spend $48 million repairing the \
Harbor Street bridge, ending a two-year argument over whether the 1962 span should be fixed.

The bridge carries about 31,000 vehicles a day between the east side and downtown.

## What the work involves

Crews will replace the concrete deck and repaint the steel girders. The contract also pays for \
a protected bike lane on the north side.

The main items in the budget are deck replacement, $29 million, and steel repairs, $11 million.

## Detours and traffic

Buses on routes 4 and 12 will detour over the Mill Road crossing for the whole project.

## Who pays for it

Federal grants cover $30 million of the cost. The remaining $18 million comes from a bond the \
council approved in the same vote.

Council member Luis Ferreira said the city should have waited for a second federal grant round.
"""


@pytest.fixture(scope="module")
def bridge() -> Article:
    article = parse(_BRIDGE, title="City council approves $48 million bridge repair plan")
    assert [p.heading for p in article.paragraphs][-2:] == ["Who pays for it"] * 2
    return article


def test_a_heading_is_evidence_for_its_paragraphs(bridge: Article) -> None:
    found = find_passages(bridge, "how is the repair paid for")
    assert found
    assert found[0].paragraph == 6
    assert found[0].text.startswith("Federal grants cover $30 million")
    assert "million" in found[0].sentence  # the money answers "how is it paid for"


def test_without_its_heading_the_paragraph_loses_that_evidence() -> None:
    plain = parse(_BRIDGE.replace("## ", ""))  # the headings become paragraphs of their own
    headless = next(p for p in plain.paragraphs if "Federal grants" in p.text)
    found = find_passages(plain, "how is the repair paid for")
    assert not found or found[0].paragraph != headless.number


def test_a_term_only_in_a_heading_still_finds_its_section(bridge: Article) -> None:
    found = find_passages(bridge, "what about traffic")
    assert found, "a term the article holds only in a heading counts as covered"
    assert found[0].paragraph == 5


def test_heading_and_title_terms_do_not_outweigh_the_text(bridge: Article) -> None:
    # "bridge" is in the title and the text; the paragraph that says it answers
    assert find_passages(bridge, "how many vehicles cross the bridge")[0].paragraph == 2
    assert find_passages(bridge, "which buses will detour")[0].paragraph == 5
    assert find_passages(bridge, "what is the recipe for banana bread") == []


def test_the_title_is_weak_evidence_for_every_paragraph() -> None:
    body = "The vote was 7 to 2.\n\nCrews start in June and finish in May."
    with_title = parse(body, title="Riverton council approves bridge repair")
    assert find_passages(parse(body), "when does the riverton repair start") == []
    found = find_passages(with_title, "when does the riverton repair start")
    assert found and found[0].paragraph == 2


def test_irregular_forms_are_the_same_word() -> None:
    article = parse(
        "The novel was written by Mary Shelley in 1817.\n\n"
        "The city paid for the new library with a bond.\n\n"
        "Children under twelve travel free on the ferry."
    )
    assert find_passages(article, "who wrote the novel")[0].paragraph == 1
    assert find_passages(article, "how did the city pay for the library")[0].paragraph == 2
    assert find_passages(article, "does a child travel free")[0].paragraph == 3


def test_the_index_is_a_few_objects_for_the_garbage_collector() -> None:
    article = parse(
        "\n\n".join(
            f"Station {i} measured {i * 3} millimetres of rain in week {i % 52}. "
            f"Observer {i % 17} read the gauge at site {i * 7}."
            for i in range(600)
        )
    )
    assert len(article.paragraphs) == 600
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        assert find_passages(article, "how much rain did station 7 measure")[0].paragraph == 8
        after = len(gc.get_objects())
    finally:
        gc.enable()
    assert after - before < 60  # a fixed handful per article, whatever its length
