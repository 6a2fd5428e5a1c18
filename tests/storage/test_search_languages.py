"""Search in every script, in both stores: a word of a Chinese, Japanese or Thai article is
found although those languages do not separate words with spaces; Arabic, Russian and German
words are found folded (diacritics, case) as English ones are; mixed-script and hostile
queries stay safe."""

from __future__ import annotations

import pytest

from .conftest import GUILD_A, AnyStore, article

ARTICLES = {
    "zh": (
        "尼古拉·特斯拉",
        "尼古拉·特斯拉是塞尔维亚裔美籍发明家、物理学家和电机工程师。\n\n"
        "特斯拉于1943年1月7日在纽约去世，享年86岁。\n\n"
        "他的交流电系统至今仍在全世界使用。",
    ),
    "ja": (
        "東京",
        "東京都は日本の首都であり、世界有数の大都市です。\n\n"
        "東京タワーは1958年に完成しました。\n\n"
        "多くの観光客が浅草寺を訪れます。",
    ),
    "th": (
        "ประเทศไทย",
        "ประเทศไทยมีกรุงเทพมหานครเป็นเมืองหลวง\n\n"
        "ภาษาไทยเป็นภาษาราชการของประเทศ\n\n"
        "อาหารไทยมีชื่อเสียงไปทั่วโลก",
    ),
    "ar": (
        "القاهرة",
        "القاهرة هي عاصمة جمهورية مصر العربيَّة وأكبر مدنها.\n\n"
        "يمر نهر النيل عبر المدينة من الجنوب إلى الشمال.\n\n"
        "تأسست المدينة في القرن العاشر الميلادي.",
    ),
    "ru": (
        "Москва",
        "Москва́ — столица России и крупнейший город страны.\n\n"
        "Московский Кремль находится в центре города.\n\n"
        "Ёлки на Красной площади ставят каждую зиму.",
    ),
    "de": (
        "München",
        "München ist die Landeshauptstadt des Freistaates Bayern.\n\n"
        "Die Straße führt über die Isarbrücke zum Deutschen Museum.\n\n"
        "Das Oktoberfest findet jedes Jahr auf der Theresienwiese statt.",
    ),
}

# (language, query, article paragraph expected first, a word the snippet shows)
QUERIES = [
    ("zh", "特斯拉", 2, "特斯拉"),  # in paragraphs 1 and 2; 2 is shorter
    ("zh", "特斯拉是哪一年去世的？", 2, "去世"),
    ("zh", "交流电", 3, "交流电"),
    ("zh", "纽约", 2, "纽约"),
    ("ja", "東京タワー", 2, "東京タワー"),
    ("ja", "浅草寺", 3, "浅草寺"),
    ("ja", "首都", 1, "首都"),
    ("th", "เมืองหลวง", 1, "เมืองหลวง"),
    ("th", "อาหารไทย", 3, "อาหารไทย"),
    ("ar", "النيل", 2, "النيل"),
    ("ar", "العربية", 1, "العربيَّة"),  # harakat in the text, none in the query
    ("ru", "Кремль", 2, "Кремль"),
    ("ru", "москва", 1, "Москва́"),  # stress mark in the text
    ("ru", "елки", 3, "Ёлки"),  # ё typed as е
    ("de", "Strasse", 2, "Straße"),
    ("de", "muenchen munchen", 1, "München"),
    ("de", "OKTOBERFEST", 3, "Oktoberfest"),
]


@pytest.fixture
async def languages(store: AnyStore) -> AnyStore:
    for language, (title, text) in ARTICLES.items():
        await store.add_article(article(GUILD_A, text, title=title, language=language))
    return store


@pytest.mark.parametrize(("language", "query", "paragraph", "shown"), QUERIES)
async def test_a_word_is_found_in_its_article(
    languages: AnyStore, language: str, query: str, paragraph: int, shown: str
) -> None:
    number = list(ARTICLES).index(language) + 1
    hits = await languages.search(GUILD_A, query)
    assert hits, query
    assert (hits[0].number, hits[0].paragraph) == (number, paragraph), hits
    assert shown in hits[0].snippet
    stored = await languages.get_article(GUILD_A, number)
    assert stored is not None and stored.language == language


async def test_a_chinese_word_is_not_found_in_unrelated_text(languages: AnyStore) -> None:
    # Each of these characters is in the articles, but never next to each other.
    assert await languages.search(GUILD_A, "京纽") == []
    hits = await languages.search(GUILD_A, "去世")
    assert [(h.number, h.paragraph) for h in hits] == [(1, 2)]


@pytest.mark.parametrize(
    "query",
    [
        "特斯拉 AND 去世",
        '"特斯拉" OR NEAR(去世',
        "特斯拉* -去世 ^東京",
        "مصر' OR 1=1 --",
        "Москва; DROP TABLE articles; --",
        "東京\x00タワー",
        "ไทย\\' | !ภาษา & (x",
        "🎉特斯拉🎉",
        "特" * 5000,
        "Ё" * 3000 + " 東京" * 2000,
    ],
)
async def test_mixed_and_hostile_queries_are_safe(languages: AnyStore, query: str) -> None:
    hits = await languages.search(GUILD_A, query)
    assert all(1 <= h.number <= len(ARTICLES) for h in hits)


async def test_titles_in_every_script(languages: AnyStore) -> None:
    assert [i.number for i in await languages.find_titles(GUILD_A, "特斯拉")] == [1]
    assert [i.number for i in await languages.find_titles(GUILD_A, "МОСКВА")] == [5]
    assert [i.number for i in await languages.find_titles(GUILD_A, "münchen")] == [6]
