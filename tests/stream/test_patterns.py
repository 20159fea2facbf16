"""Whole-word Aho-Corasick matching: boundaries, case, prefixes, overlaps, offsets."""

from __future__ import annotations

import pytest

from stream.enrich.gazetteer import Gazetteer
from stream.enrich.patterns import Pattern, PatternMatcher, lowered


def found(patterns: list[Pattern[str]], text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.pattern.payload) for m in PatternMatcher(patterns).find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kyiv said", [("Kyiv", "k")]),
        ("KYIV said", [("KYIV", "k")]),  # case-insensitive by default
        ("Kyivan said", []),  # not inside a longer word
        ("in Kyiv's west", [("Kyiv", "k")]),
        ("Kyiv Oblast and Kyiv", [("Kyiv Oblast", "ko"), ("Kyiv", "k")]),  # longest wins
        ("(Kyiv)", [("Kyiv", "k")]),
    ],
)
def test_whole_words_and_longest_match(text: str, expected: list[tuple[str, str]]) -> None:
    assert found([Pattern("Kyiv", "k"), Pattern("Kyiv Oblast", "ko")], text) == expected


def test_case_sensitive_patterns_need_the_exact_case() -> None:
    patterns = [Pattern("Patriot", "p", case_sensitive=True)]
    assert found(patterns, "a Patriot battery") == [("Patriot", "p")]
    assert found(patterns, "a patriot at heart") == []


def test_prefix_patterns_cover_inflected_words_to_the_word_end() -> None:
    patterns = [Pattern("Киев*", "kyiv")]
    assert found(patterns, "в Киеве и из Киева, Киев") == [
        ("Киеве", "kyiv"),
        ("Киева", "kyiv"),
        ("Киев", "kyiv"),
    ]
    assert found(patterns, "Подкиевский") == []  # still anchored at a word start
    # Two prefixes covering the same word: the longer literal is the more specific name.
    patterns = [Pattern("Дніпр*", "city"), Pattern("Дніпропетров*", "region")]
    assert found(patterns, "у Дніпрі та на Дніпропетровщині") == [
        ("Дніпрі", "city"),
        ("Дніпропетровщині", "region"),
    ]


def test_a_star_on_every_word_of_a_phrase_covers_each_word_inflected() -> None:
    patterns = [Pattern("Черн* мор*", "sea"), Pattern("Верховн* Рад* України", "rada")]
    assert found(patterns, "над акваторией Черного моря и в Черном море") == [
        ("Черного моря", "sea"),
        ("Черном море", "sea"),
    ]
    assert found(patterns, "Верховна Рада України і Верховною Радою України") == [
        ("Верховна Рада України", "rada"),
        ("Верховною Радою України", "rada"),
    ]
    assert found(patterns, "Черного цвета море") == []  # each word in its place
    assert found(patterns, "Верховна Рада Україниська") == []  # a last word without a star is whole


def test_offsets_survive_characters_whose_lower_case_is_longer() -> None:
    text = "İstanbul and Kyiv"  # 'İ'.lower() is two code points
    assert len(lowered(text)) == len(text)
    assert found([Pattern("Kyiv", "k")], text) == [("Kyiv", "k")]


def test_no_patterns_and_blank_patterns_find_nothing() -> None:
    assert PatternMatcher([]).find("anything") == []
    assert found([Pattern("  ", "blank")], "a  b") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Над акваторией Черного моря сбиты дроны.", ["Black Sea"]),
        ("У Криму та в Чорному морі.", ["Crimea", "Black Sea"]),
        ("Поліція відкрила кримінальне провадження.", []),  # "кримінальне" is not Crimea
        ("Russia's Pacific Fleet sailed into the Pacific.", ["Russia", "Pacific Fleet", "Pacific"]),
        ("A South Pacific nation in the Indo-Pacific.", ["South Pacific", "Indo-Pacific"]),  # not "Pacific"
        ("Clashes in Upper Nile near the White Nile.", ["Upper Nile", "White Nile"]),
        ("Банки в ОАЕ.", ["United Arab Emirates"]),
        ("Донецький «Шахтар» переміг у Дніпровському районі.", ["Shakhtar Donetsk", "Dniprovskyi District"]),
        ("в акватории Северного моря и корабли Северного флота", ["North Sea", "Northern Fleet"]),
        ("Дрони атакували Дніпропетровщину, на березі Дніпра пожежа.", ["Dnipropetrovsk", "Dnipro River"]),
        ("Трамп и Уиткофф встретились с Умеровым.", ["Donald Trump", "Steve Witkoff", "Rustem Umerov"]),
        ("The trump card of Xi'an.", []),  # surnames match as written, and no "Xi" alone
        ("Fighting in Darfur spread to North Darfur state.", ["Darfur", "North Darfur"]),  # a region, a state
        (
            "Ракета стартовала с Байконура, а вторая с космодрома Восточный.",
            [  # launch sites
                "Baikonur Cosmodrome",
                "Vostochny Cosmodrome",
            ],
        ),
    ],
)
def test_shipped_gazetteer_inflected_names(gazetteer: Gazetteer, text: str, expected: list[str]) -> None:
    assert [hit.entry.name for hit in gazetteer.find(text)] == expected


def test_a_countrys_adjective_is_not_the_country(gazetteer: Gazetteer) -> None:
    text = "Российские и украинские военные; в России и в Україні."
    assert [hit.surface for hit in gazetteer.find(text)] == ["России", "Україні"]


def test_a_numbered_family_names_each_member_by_its_number(gazetteer: Gazetteer) -> None:
    text = "A Long March 2F rocket carried Shenzhou-24 to the station; Shenzhou craft dock there."
    assert [(hit.name, hit.surface) for hit in gazetteer.find(text)] == [
        ("Long March 2F", "Long March 2F"),
        ("Shenzhou-24", "Shenzhou-24"),
        ("Shenzhou", "Shenzhou"),  # the family, with no number after it
    ]
    # A version after the number, in Latin or Cyrillic letters, belongs to the member.
    text = "Ракета «Союз-2.1б» вывела корабль «Союз МС-29», а Soyuz-2.1a стартует с космодрома позже."
    assert [hit.name for hit in gazetteer.find(text)] == ["Soyuz-2.1b", "Soyuz MS-29", "Soyuz-2.1a"]


def test_the_sun_is_a_place_only_where_astronomy_is_the_subject(gazetteer: Gazetteer) -> None:
    assert [hit.name for hit in gazetteer.find("The comet will pass closest to the Sun in June.")] == ["Sun"]
    assert gazetteer.find("The Sun newspaper reported the story on Monday.") == []
