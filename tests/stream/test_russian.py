"""Russian articles: Natasha's NER (the real model) and the English names given to what it finds."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from stream.enrich import Enricher
from stream.enrich.entities import NerModel
from stream.enrich.normalisation import Mention
from stream.enrich.places import cyrillic_places
from stream.enrich.russian import RussianNer
from stream.enrich.transliteration import transliterate
from tests.stream.conftest import make_article, reading_with


@pytest.fixture(scope="module")
def russian() -> RussianNer:
    return RussianNer()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Дмитрий Песков", "Dmitry Peskov"),
        ("Сергей Шойгу", "Sergei Shoigu"),
        ("Александр Хинштейн", "Alexander Khinshtein"),
        ("Айсен Николаев", "Aisen Nikolaev"),  # e after a vowel, as most writers here spell it
        ("Лев Толстой", "Lev Tolstoy"),
        ("Евгений Фадеев", "Yevgeny Fadeev"),  # ... but ye at a word's start
        ("Егор Соловьев", "Yegor Solovyev"),  # ... and after a soft sign
        ("Елена Пронина", "Elena Pronina"),  # a given name news writes in its own way
        ("Мария Захарова", "Maria Zakharova"),
        ("Римский-Корсаков", "Rimsky-Korsakov"),
        ("Алёна Ёлкина", "Alena Yolkina"),
        ("Кирилл Дмитриев", "Kirill Dmitriev"),
        ("Максим Решетников", "Maxim Reshetnikov"),
    ],
)
def test_transliteration_spells_names_as_news_does(name: str, expected: str) -> None:
    assert transliterate(name) == expected


def test_places_and_countries_have_their_english_names() -> None:
    places = cyrillic_places()
    assert places["москва"] == "Moscow"
    assert places["харків"] == places["харьков"] == "Kharkiv"
    assert places["турция"] == "Turkey" and places["швеция"] == "Sweden"
    # A Russian adjective as news writes it, not GeoNames' Ilskiy; not in other countries' names.
    assert places["ильский"] == "Ilsky" and places["каменск-уральский"] == "Kamensk-Uralsky"
    assert places["навои"] == "Navoiy" and places["хмельницький"] == "Khmelnytskyi"


def test_names_come_out_in_english_and_in_the_nominative(russian: RussianNer) -> None:
    text = (
        "Пресс-секретарь Дмитрий Песков заявил, что Москва готова к переговорам в Стамбуле. "
        "Министерство обороны России сообщило о переговорах с Турцией."
    )
    [found] = russian.mentions([text])
    by_name = {m.detail: (m.label, m.surface) for m in found}
    assert by_name["Dmitry Peskov"] == ("PERSON", "Дмитрий Песков")
    assert by_name["Moscow"] == ("GPE", "Москва")
    assert by_name["Istanbul"] == ("GPE", "Стамбуле")  # the locative read back to its nominative
    assert by_name["Turkey"] == ("GPE", "Турцией")
    assert all(m.detail for m in found)  # the ministry has no English name here: dropped, not transliterated
    assert all(text[m.start : m.end] == m.surface for m in found)


def test_a_woman_natasha_does_not_know_keeps_her_surname_and_continents_are_places(
    russian: RussianNer,
) -> None:
    text = "Партию исполнила Агунда Кулаева. Звонок Ильи Кулаева. Поставки в Европу прекратились."
    [found] = russian.mentions([text])
    assert [(m.detail, m.label) for m in found] == [
        ("Agunda Kulaeva", "PERSON"),  # not Kulaev: her given name, as written, is the nominative
        ("Ilya Kulaev", "PERSON"),  # a man's name in the genitive
        ("Europe", "LOC"),
    ]


def test_arenas_and_two_word_towns_in_russian_text(russian: RussianNer, enricher: Enricher) -> None:
    text = (
        "Матч на «Газпром Арене» и на «СКА Арене» прошел в Нижнем Новгороде, а беженцы остались в Белоруссии."
    )
    found = {
        e.name: e.type
        for e in reading_with(enricher, [russian]).enrich([make_article("Матч", text)])[0].entities
    }
    assert found == {
        "Gazprom Arena": "FAC",  # not Gazprom, the company the gazetteer knows
        "SKA Arena": "FAC",  # an acronym keeps its capitals
        "Nizhny Novgorod": "GPE",
        "Belarus": "GPE",  # a name of the country CLDR does not give
    }


def test_an_organisation_written_in_latin_letters_keeps_its_name(russian: RussianNer) -> None:
    text = "Маркетплейсы Ozon и Wildberries снизили комиссии, сообщило МЧС."
    [found] = russian.mentions([text])
    assert [(m.detail, m.label) for m in found] == [("Ozon", "ORG"), ("Wildberries", "ORG")]  # not МЧС


def test_regions_named_by_their_towns_adjective(russian: RussianNer) -> None:
    text = "Беспилотники сбиты над Курской, Белгородской и Ростовской областями и в Краснодарском крае."
    [found] = russian.mentions([text])
    assert {m.detail for m in found if m.label == "GPE"} >= {"Kursk", "Belgorod", "Rostov", "Krasnodar"}
    assert all(text[m.start : m.end] == m.surface for m in found)
    # Stems the adjective changed: Тульская is Tula (not Toul, "Туль"), Калужская Kaluga.
    [changed] = russian.mentions(["Атака на Калужскую и Тульскую области."])
    assert {m.detail for m in changed if m.label == "GPE"} == {"Kaluga", "Tula"}
    # Towns whose adjective dropped an ending: Ярославль, Кемерово.
    [dropped] = russian.mentions(["Над Ярославской и Кемеровской областями."])
    assert {m.detail for m in dropped if m.label == "GPE"} == {"Yaroslavl", "Kemerovo"}
    [plain] = russian.mentions(["Российской Федерации и московский бизнес."])  # no region noun after
    assert not [m for m in plain if m.label == "GPE"]


def test_courts_by_their_district_or_region(russian: RussianNer) -> None:
    text = (
        "Мещанский районный суд Москвы арестовал его, приговор Свердловского областного суда устоял, "
        "а Центральный районный суд передал дело в Красноярский краевой суд."
    )
    [found] = russian.mentions([text])
    courts = [m.detail for m in found if m.label == "ORG"]
    assert courts == [
        "Meshchansky District Court",  # a district's adjective, transliterated
        "Sverdlovsk Regional Court",  # a region's, by its town; and no Sverdlovsk beside it
        "Central District Court",
        "Krasnoyarsk Regional Court",
    ]
    assert "Sverdlovsk" not in [m.detail for m in found if m.label == "GPE"]


def test_the_enricher_runs_natasha_on_russian_articles_only(
    ner_model: NerModel, russian: RussianNer, enricher: Enricher
) -> None:
    both = reading_with(enricher, [ner_model, russian])
    russian_article = make_article(
        "Губернатор Гладков сообщил об атаке",
        "Губернатор Белгородской области Вячеслав Гладков сообщил, что беспилотники атаковали Белгород. "
        "Позднее Гладкова поддержал Михаил Мишустин.",
    )
    english = make_article("Kremlin spokesman speaks", "Dmitry Peskov said Moscow was ready for talks.")
    (ru, ru_why), (en, en_why) = both.explain([russian_article, english])
    assert ru.language == "ru" and "natasha" in ru_why.ner
    names = {e.name: e for e in ru.entities}
    assert names["Vyacheslav Gladkov"].type == "PERSON"
    assert names["Vyacheslav Gladkov"].mentions == 3  # "Гладков", "Вячеслав Гладков", "Гладкова" folded
    assert names["Mikhail Mishustin"].type == "PERSON" and names["Belgorod"].type == "GPE"
    trace = next(t for t in ru_why.entities if t.entity.name == "Mikhail Mishustin")
    assert any("read as 'Mikhail Mishustin'" in rule for rule in trace.rules)
    assert en.language == "en" and ner_model.name in en_why.ner


class _OtherRussianModel:
    """A second recogniser for Russian, as a user's own spaCy pipeline for Russian would be."""

    name, language, max_chars = "a user's Russian pipeline", "ru", None

    def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        return [[] for _ in texts]

    def wait_ready(self) -> None: ...

    def close(self) -> None: ...


def test_the_first_recogniser_for_a_language_wins(russian: RussianNer, enricher: Enricher) -> None:
    own = _OtherRussianModel()
    both = reading_with(enricher, [own, russian])
    assert both.recognisers == {"ru": own}
    [(_, why)] = both.explain([make_article("Песков", "Дмитрий Песков заявил журналистам в Москве.")])
    assert "a user's Russian pipeline" in why.ner
