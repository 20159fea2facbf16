"""Names in Ukrainian articles by rules: people by given name, places in any case, in English."""

from __future__ import annotations

import pytest

from stream.enrich import Enricher
from stream.enrich.entities import NerModel
from stream.enrich.ukrainian import UkrainianNames, romanise
from tests.stream.conftest import make_article, reading_with


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Кіпер", "Kiper"),
        ("Гринчук", "Hrynchuk"),
        ("Згурський", "Zghurskyi"),
        ("Юлія", "Yuliia"),
        ("Ізмаїл", "Izmail"),
        ("Запоріжжя", "Zaporizhzhia"),
        ("Біла-Церква", "Bila-Tserkva"),
    ],
)
def test_romanisation_is_ukraines_own(word: str, expected: str) -> None:
    assert romanise(word) == expected


def test_people_and_places_in_any_case_come_out_in_english() -> None:
    text = (
        "Голова ОВА Олег Кіпер повідомив, що у Львові та Тернополі, а також до Польщі і в Ізмаїлі "
        "зупинились поїзди. Сергій Попко і Юлія Свириденко. Володимир сказав, що Зеленський у Києві. "
        "Загинув громадянин Єгипту."
    )
    [found] = UkrainianNames().mentions([text])
    by_name = {m.detail: (m.label, m.surface) for m in found}
    assert by_name == {
        "Oleh Kiper": ("PERSON", "Олег Кіпер"),
        "Lviv": ("GPE", "Львові"),  # not Lvov, the Russian name GeoNames also has
        "Ternopil": ("GPE", "Тернополі"),
        "Poland": ("GPE", "Польщі"),  # CLDR's Ukrainian country names
        "Izmail": ("GPE", "Ізмаїлі"),  # Ukraine's romanisation, not GeoNames' Izmayil
        "Serhii Popko": ("PERSON", "Сергій Попко"),  # -ій by the national romanisation
        "Yulia Svyrydenko": ("PERSON", "Юлія Свириденко"),
        "Kyiv": ("GPE", "Києві"),
        "Egypt": ("GPE", "Єгипту"),  # Єгипет: a vowel the other cases drop
    }  # "Володимир" alone is a given name, not the town of Volodymyr
    assert all(text[m.start : m.end] == m.surface for m in found)


def test_people_named_in_any_case_come_out_in_the_nominative() -> None:
    text = (
        "Суд заарештував Романа Ткачука та Ігоря Лисенка. Подяку висловили Тетяні Степановій, "
        "Олені Коваленко і Сергієві Попку; з Тимуром Міндічем зустрівся Миколи Оліщука помічник."
    )
    [found] = UkrainianNames().mentions([text])
    assert [m.detail for m in found if m.label == "PERSON"] == [
        "Roman Tkachuk",
        "Ihor Lysenko",  # -енка is -енко
        "Tetiana Stepanova",  # an adjective-like woman's surname declines
        "Olena Kovalenko",  # a woman's -енко does not
        "Serhii Popko",
        "Tymur Mindich",
        "Mykola Olishchuk",  # Микола declines like a woman's name, but is a man's
    ]
    text = (
        "Пам'ять Вікторії Амеліній вшанували, сказала Олександра Ковальчук, а Олександра Коваленка не було."
    )
    [found] = UkrainianNames().mentions([text])
    assert [m.detail for m in found if m.label == "PERSON"] == [
        "Viktoriia Amelina",  # Вікторії is also dative, and only a dative ending fits the surname
        "Oleksandra Kovalchuk",  # a man's genitive would decline the surname too
        "Oleksandr Kovalenko",
    ]


def test_towns_of_every_shape_by_their_ukrainian_name() -> None:
    text = (
        "Удари по Нікополю та Дніпру, вибухи у Рівному і Мукачеві. Судно вийшло з Рені. Потяг з "
        "Кировограда прибув. Допомога з Європи. Бої біля Куп'янська."
    )
    [found] = UkrainianNames().mentions([text])
    assert [(m.detail, m.label) for m in found] == [
        ("Nikopol", "GPE"),  # Нікополь, not Нікопіль, another spelling GeoNames lists
        ("Dnipro", "GPE"),  # a town in -о
        ("Rivne", "GPE"),  # one named like an adjective
        ("Mukachevo", "GPE"),
        ("Reni", "GPE"),  # a Ukrainian town before a foreign one (Rennes)
        ("Kropyvnytskyi", "GPE"),  # the town's name now, from its Russian and former one
        ("Europe", "LOC"),  # a continent
        ("Kupiansk", "GPE"),  # an apostrophe typed as "'", where GeoNames writes "’"
    ]


def test_words_that_only_read_as_foreign_towns_are_no_places() -> None:
    # Він ("he") and Далі ("next") open sentences, Джозеф Паркер is a boxer: GeoNames has towns
    # named Vinh, Dali and Parker. Ukrainian towns and countries stay places wherever they stand.
    text = "Він прибув до Риги. Далі боксер Джозеф Паркер поїхав у Ригу. Польща допомогла. Одеса під ударом."
    [found] = UkrainianNames().mentions([text])
    assert [m.detail for m in found] == ["Riga", "Riga", "Poland", "Odesa"]


def test_regions_named_by_their_towns_adjective() -> None:
    text = "Тривога у Полтавській та Житомирській областях, удари по Одеській та Івано-Франківській області."
    [found] = UkrainianNames().mentions([text])
    assert [(m.detail, m.surface) for m in found] == [
        ("Poltava", "Полтавській"),
        ("Zhytomyr", "Житомирській"),
        ("Odesa", "Одеській"),
        ("Ivano-Frankivsk", "Івано-Франківській"),  # a hyphenated town's, whole
    ]
    # Towns whose adjective changes the stem, and the regions' own nouns; not a country's (Туреччина).
    text = (
        "Удари по Запорізькій і Вінницькій областях, на Одещині, Донеччині та Харківщині; Туреччина мовчить."
    )
    [found] = UkrainianNames().mentions([text])
    assert [m.detail for m in found if m.label == "GPE"] == [
        "Turkey",  # a country by its name, before the regions
        "Zaporizhzhia",
        "Vinnytsia",
        "Odesa",
        "Donetsk",
        "Kharkiv",
    ]
    # Region nouns of a hyphenated town, and of towns whose stem the noun or adjective changes.
    text = "Атака на Івано-Франківщині та Чернівеччині; Рівненщина і Чернівецька область без світла."
    [found] = UkrainianNames().mentions([text])
    assert sorted(m.detail for m in found) == ["Chernivtsi", "Chernivtsi", "Ivano-Frankivsk", "Rivne"]
    # Districts are named by their towns too, and regions keep the names their towns dropped.
    text = "Пошкоджено будинки у Фастівському районі та в Кіровоградській області, заявив голова Житомирської облради."
    [found] = UkrainianNames().mentions([text])
    assert [m.detail for m in found] == ["Fastiv", "Kirovohrad", "Zhytomyr"]  # also before "облрада"


def test_villages_after_their_noun_and_city_districts() -> None:
    text = (
        "Без світла залишаються села Ківшарівка та Петропавлівка. Удар по Салтівському району, "
        "пожежа у Білгород-Дністровському районі, вибухи у Фастівському районі."
    )
    [found] = UkrainianNames().mentions([text])
    assert sorted(m.detail for m in found) == [
        "Bilhorod-Dnistrovskyi",  # a town named like an adjective, not "... District"
        "Fastiv",  # a district named by its town
        "Kivsharivka",
        "Petropavlivka",  # a village GeoNames does not list, named in a list after its noun
        "Saltivskyi District",  # a city's district, whose adjective is no town's
    ]
    # Districts in a list; Kyiv's, which GeoNames lists as towns of their own (Svyatoshyn), too.
    text = "Уламки впали у Святошинському, Оболонському та Голосіївському районах столиці."
    [found] = UkrainianNames().mentions([text])
    assert [m.detail for m in found] == [
        "Sviatoshynskyi District",
        "Obolonskyi District",
        "Holosiivskyi District",
    ]
    # Districts named by towns whose о or е the adjective turns to і.
    [found] = UkrainianNames().mentions(["Спалах у Мукачівському та Берегівському районах Закарпаття."])
    assert [m.detail for m in found] == ["Mukachevo", "Berehove"]


def test_the_enricher_runs_the_rules_on_ukrainian_articles_only(
    ner_model: NerModel, enricher: Enricher
) -> None:
    both = reading_with(enricher, [ner_model, UkrainianNames()])
    ukrainian = make_article(
        "Росія атакувала Одесу дронами",
        "Начальник Одеської ОВА Олег Кіпер повідомив, що в Одесі пошкоджено енергетичну інфраструктуру. "
        "Тривога лунала і в Білій Церкві.",
    )
    english = make_article("Drones hit Odesa", "Oleh Kiper said drones hit Odesa overnight.")
    (uk, why), (_, why_english) = both.explain([ukrainian, english])
    assert {(e.name, e.type) for e in uk.entities} >= {
        ("Oleh Kiper", "PERSON"),
        ("Odesa", "GPE"),
        ("Bila Tserkva", "GPE"),  # a town of two words, from the gazetteer
    }
    assert why.ner.startswith("NER rules (Ukrainian")
    assert why_english.ner.startswith(f"NER {ner_model.name}")


def test_a_dated_cyrillic_dateline_names_its_place_in_english(enricher: Enricher) -> None:
    rules = reading_with(enricher, [UkrainianNames()])
    foreign = make_article(
        "Данія виділить допомогу", "КОПЕНГАГЕН, 5 грудня. Данія виділить Україні новий пакет."
    )
    home = make_article("Вибух у Вінниці", "ВІННИЦЯ, 3 березня. У центрі міста пролунав вибух.")
    places = [{e.name for e in a.entities if e.type == "GPE"} for a in rules.enrich([foreign, home])]
    # A foreign town by the place tables' English name; a Ukrainian town as the rules name it, by
    # Ukraine's romanisation (GeoNames' English name is Vinnytsya).
    assert places == [{"Copenhagen", "Denmark", "Ukraine"}, {"Vinnytsia"}]
