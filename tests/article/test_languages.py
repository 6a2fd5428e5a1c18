"""The engine in other languages: detection, tokens, digests and quoted answers.

Each fixture in tests/fixtures/languages is a short article written for these tests; each is
digested, and three questions in its language must be answered by quoting the right paragraph.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.article import analyze, find_passages, language_name, parse, retrieve
from bot.article.language import detect_language
from bot.article.lexicon import lexicon
from bot.article.text import squash

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "languages"

QUESTIONS = {
    "de": [
        ("Wie lang ist der Rhein?", 1),
        ("Wann gelangten die Pestizide in den Fluss?", 3),
        ("Welcher Dichter machte die Loreley berühmt?", 4),
    ],
    "ru": [
        ("Какова максимальная глубина Байкала?", 1),
        ("Какая река вытекает из озера?", 3),
        ("Когда Байкал включили в список Всемирного наследия?", 5),
    ],
    "ar": [
        ("ما طول نهر النيل؟", 1),
        ("أين يلتقي النيل الأبيض والنيل الأزرق؟", 2),
        ("متى بني السد العالي؟", 3),
    ],
    "hi": [
        ("ताजमहल किसने बनवाया था?", 2),
        ("ताजमहल का गुंबद कितना ऊँचा है?", 4),
        ("यूनेस्को ने ताजमहल को विश्व धरोहर कब घोषित किया?", 5),
    ],
    "zh": [
        ("特斯拉是哪一年去世的？", 4),
        ("特斯拉什么时候移居美国？", 2),
        ("特斯拉最著名的贡献是什么？", 3),
    ],
    "ja": [
        ("富士山の標高は何メートルですか？", 1),
        ("富士山が最後に噴火したのはいつですか？", 2),
        ("富士山が世界文化遺産に登録されたのはいつですか？", 4),
    ],
}


def _article(lang: str) -> str:
    return (FIXTURES / f"{lang}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", sorted(QUESTIONS))
def test_an_article_is_detected_digested_and_answered(lang: str) -> None:
    article = parse(_article(lang))
    assert article.language == lang
    assert article.title and len(article.paragraphs) >= 4
    digest = analyze(article)
    assert digest.language == lang
    assert language_name(lang) not in ("", lang)
    body = "\n".join(squash(p.text) for p in article.paragraphs)
    shown = [*digest.summary.tldr, *(f.text for f in digest.facts)]
    shown += [s for sec in digest.summary.sections for s in sec.sentences]
    assert digest.summary.tldr
    assert all(squash(s) in body for s in shown)  # verbatim, in every script
    assert any(any(c.isdigit() for c in f.text) for f in digest.facts)  # numbers make facts
    for question, expected in QUESTIONS[lang]:
        found = find_passages(article, question)
        assert found, question
        assert found[0].paragraph == expected, question
        assert found[0].text == article.paragraph(expected).text
        assert found[0].sentence in found[0].text


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("de", "Wer gewann die Fußballweltmeisterschaft 2014 in Brasilien?"),
        ("zh", "巴黎圣母院的火灾发生在哪一年？"),
        ("ru", "Кто написал роман «Война и мир»?"),
    ],
)
def test_what_the_article_does_not_cover_is_not_answered(lang: str, question: str) -> None:
    assert find_passages(parse(_article(lang)), question) == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Wie lang ist der Rhein?", "de"),
        ("¿Cuántos habitantes tiene Madrid?", "es"),
        ("Quand la tour Eiffel a-t-elle été construite ?", "fr"),
        ("Сколько лет озеру Байкал?", "ru"),
        ("Коли було засновано Київ?", "uk"),
        ("Türkiye'nin başkenti neresidir?", "tr"),
        ("ما هي عاصمة مصر؟", "ar"),
        ("भारत की राजधानी क्या है?", "hi"),
        ("Ποια είναι η πρωτεύουσα της Ελλάδας;", "el"),
        ("Thủ đô của Việt Nam là gì?", "vi"),
        ("Care este capitala României?", "ro"),
        ("เมืองหลวงของประเทศไทยคืออะไร", "th"),
        ("特斯拉是哪一年去世的？", "zh"),
        ("富士山の高さはどのくらいですか？", "ja"),
        ("서울은 한국의 수도입니다.", "ko"),
        ("What is the capital of France?", "en"),
        ("Tesla 于 1943 年在 New York 去世。", "zh"),  # mixed scripts: the Han carries it
    ],
)
def test_short_texts_are_detected(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_long_texts_are_read_from_a_bounded_sample() -> None:
    long = _article("ru") * 400  # ~600 KB
    assert detect_language(long) == "ru"
    assert detect_language("1234 5678 — !!! ...") is None
    assert detect_language("") is None


@pytest.mark.parametrize(
    ("lang", "text", "tokens"),
    [
        ("zh", "特斯拉于1943年", ["特", "特斯", "斯", "斯拉", "拉", "拉于", "于", "1943", "年"]),
        ("ja", "東京タワー", ["東", "東京", "京", "タ", "タワ", "ワ", "ワー", "ー"]),
        ("th", "กรุงเทพ abc", ["กรุ", "รุง", "ุงเ", "งเท", "เทพ", "abc"]),
        ("de", "Die Straßen Kölns", ["die", "straßen", "kölns"]),
        ("fr", "L'église d'Auvers", ["église", "auvers"]),
        ("tr", "Melbourne'ün İstanbul'dan", ["melbourne", "istanbul"]),
        ("hi", "हैं", ["हैं"]),  # vowel signs belong to the word
        ("es", "1.234,56 euros", ["1", "234", "56", "euros"]),
        ("ru", "1 234,56 рублей", ["1", "234", "56", "рублей"]),
    ],
)
def test_tokens_in_every_script(lang: str, text: str, tokens: list[str]) -> None:
    assert lexicon(lang).tokens(text) == tokens


def test_stems_and_stop_words_per_language() -> None:
    de = lexicon("de")
    assert de.terms("Die Häuser der Stadt") == de.terms("das Haus der Stadt")
    assert "wann" in de.stop_words and "der" in de.stop_words
    ar = lexicon("ar")
    assert ar.terms("والكتاب") == ar.terms("كتاب")
    zh = lexicon("zh")
    assert zh.terms(zh.question("特斯拉是哪一年去世的？")) == [
        "特",
        "特斯",
        "斯",
        "斯拉",
        "拉",
        "去",
        "去世",
        "世",
    ]


@pytest.mark.parametrize(
    ("lang", "prefix", "words"),
    [
        # Turkish stacks suffixes Snowball leaves on: its loose match reads 5 letters
        ("tr", 5, ["başkanı", "başkanlığında"]),
        ("tr", 5, ["yönetimi", "yönetti"]),
        ("en", 6, ["religious", "religions"]),
        ("de", 6, ["Regierung", "Regierungen"]),
    ],
)
def test_the_loose_match_reads_each_languages_prefix(
    lang: str, prefix: int, words: list[str]
) -> None:
    lex = lexicon(lang)
    assert lex.prefix == prefix
    firsts = {t[: lex.prefix] for w in words for t in lex.terms(w)}
    assert len(firsts) == 1


@pytest.mark.parametrize(
    ("lang", "article", "question", "pairs"),
    [
        # Vietnamese writes "chủ tịch" (chairman) syllable by syllable: an article holding both
        # syllables apart holds none of the question's pairs; one holding the word holds one
        (
            "vi",
            "Ông làm chủ nhà hàng. Triều đại nhà Tịch kéo dài.",
            "Ai là chủ tịch của IPCC?",
            0.0,
        ),
        ("vi", "Bert Bolin là chủ tịch đầu tiên.", "Ai là chủ tịch của IPCC?", 1.0),
        # Thai character trigrams: "ประธาน" (chairman) as a run (3 of the 6 pairs: the others
        # straddle "คือ"), or its pieces in other words
        ("th", "ประธานาธิบดีคนแรก", "ใครคือประธาน", 0.5),
        ("th", "ประชาชน ธานี", "ใครคือประธาน", 0.0),
        # "first chair" (pairs with a stop word, "the world", are everywhere: left out)
        ("en", "The IPCC chose its first chair.", "Who was the first chair of the IPCC?", 1.0),
        ("en", "The IPCC chose its chair.", "Who was the first chair of the IPCC?", 0.0),
    ],
)
def test_the_questions_word_pairs_found_in_the_article(
    lang: str, article: str, question: str, pairs: float
) -> None:
    # phrase evidence for abstention, the same in every language: adjacent terms found adjacent
    art = parse(article)
    assert art.language == lang
    idx = retrieve._index(art)
    found, _ = retrieve._phrases_in_article(idx, retrieve._Query(idx, question))
    assert found == pytest.approx(pairs, abs=0.01)
