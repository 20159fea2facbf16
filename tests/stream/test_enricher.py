"""The enrich stage on real text with the real spaCy model: entities, languages, bad input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from stream.enrich import Enricher
from stream.enrich.clusters import SqliteClusterStore
from tests.stream.conftest import make_article
from wirewatch.schema import MAX_CONTENT_CHARS, Article

WIRE = (
    "Germany will send two more Patriot air defense systems to Ukraine, officials said on Tuesday, after "
    "a night of Russian drone attacks on Kiev.\n\nNATO Secretary General Jens Stoltenberg welcomed the "
    "decision. Stoltenberg said the alliance's members had pledged more interceptors. The U.S. and Britain "
    "have also promised missiles."
)


def entities(article: Article) -> dict[str, str]:
    return {e.name: e.type for e in article.entities}


def test_entities_are_normalised(enricher: Enricher) -> None:
    enriched = enricher.enrich([make_article("Germany pledges Patriots", WIRE)])[0]
    found = entities(enriched)
    assert found["Patriot"] == "WEAPON"
    assert found["Kyiv"] == "GPE" and "Kiev" not in found
    assert found["United States"] == "GPE" and found["United Kingdom"] == "GPE"
    assert found["Jens Stoltenberg"] == "PERSON" and "Stoltenberg" not in found
    stoltenberg = next(e for e in enriched.entities if e.name == "Jens Stoltenberg")
    text = f"Germany pledges Patriots\n\n{WIRE}"
    assert stoltenberg.mentions == 2 and text[stoltenberg.first_offset :].startswith("Jens Stoltenberg")
    assert enriched.language == "en"


def test_a_variant_named_in_the_text_is_the_variant(enricher: Enricher) -> None:
    enriched = enricher.enrich(
        [
            make_article(
                "Missiles hit Dnipro", "Russia fired two Iskander-M missiles. An older Iskander missed."
            )
        ]
    )[0]
    assert {"Iskander-M", "Iskander"} <= set(entities(enriched))
    weather = enricher.enrich(
        [make_article("La Nina returns", "La Niña follows El Niño, forecasters said.")]
    )[0]
    assert {"La Nina", "El Nino"} <= set(entities(weather))
    # A model number is a different weapon ("Leopard 1", not "Leopard 2"), a Russian name one of
    # its own ("Geran-2" beside "Shahed"), and a flower's name a drone only beside drones.
    drones = enricher.enrich(
        [
            make_article(
                "Drones and tanks",
                "Russia sent Geran-2, jet Geran-3 and Shahed drones with Gerbera decoys; Kyiv got Leopard 1 tanks.",
            ),
            make_article("Spring show", "Gerbera and tulip growers met in Aalsmeer."),
        ]
    )
    assert {"Geran-2", "Geran-3", "Shahed", "Gerbera", "Leopard 1"} <= set(entities(drones[0]))
    assert "Leopard 2" not in entities(drones[0]) and "Gerbera" not in entities(drones[1])
    # A weapon counted in the plural is the weapon.
    plural = enricher.enrich(
        [make_article("Night attack", "Russia launched 146 drones, most of them Shaheds.")]
    )[0]
    assert entities(plural).get("Shahed") == "WEAPON"


def test_without_the_model_only_known_names_and_their_topics(enricher: Enricher) -> None:
    """What early alerts carry: the gazetteer's names and the topics rules give without the model."""
    text = WIRE + " Defence analyst Tomasz Wrobel said the first battery would arrive within weeks."
    article = make_article("Germany pledges Patriots", text)
    early, why = enricher.explain([article], with_model=False)[0]
    full = enricher.enrich([article])[0]
    assert "NER not run yet" in why.ner and early.language == full.language == "en"
    assert entities(early)["Patriot"] == "WEAPON" and "Tomasz Wrobel" not in entities(early)
    assert entities(early).items() <= entities(full).items() and entities(full)["Tomasz Wrobel"] == "PERSON"
    assert early.topics and set(early.topics) <= set(full.topics)


def test_mentions_past_the_ner_window_are_counted(enricher: Enricher) -> None:
    short = Enricher(
        enricher.recognisers.values(),
        enricher.aliases,
        enricher.gazetteer,
        enricher.taxonomy,
        ner_max_chars=200,
    )
    filler = "Officials gave no further details about the meeting. " * 10
    text = (
        f"Estonian Prime Minister Kaja Kallas met ministers in Tallinn on Monday.\n\n{filler}\n\n"
        "Kallas later flew back to Tallinn."
    )
    found = {e.name: e for e in short.enrich([make_article("Talks", text)])[0].entities}
    assert found["Kaja Kallas"].mentions == 2 and found["Tallinn"].mentions == 2


@pytest.mark.parametrize(
    ("title", "content", "language", "expected"),
    [
        (
            "Росія вдарила по Києву",
            "Росія атакувала Київ дронами Шахед. "
            "Зеленський закликав партнерів надати більше систем Patriot для ППО.",
            "uk",
            {"Russia", "Kyiv", "Shahed", "Volodymyr Zelensky", "Patriot"},
        ),
        (
            "Удар по Харькову",
            "Россия нанесла удар по Харькову ракетами Искандер, сообщил Зеленский.",
            "ru",
            {"Russia", "Kharkiv", "Iskander", "Volodymyr Zelensky"},
        ),
        (
            "Deutschland liefert weitere Patriot-Systeme an die Ukraine",
            "Verteidigungsminister Pistorius sagte in Berlin, die Flugabwehr der Ukraine werde gestärkt.",
            "de",
            {"Germany", "Patriot", "Ukraine", "Boris Pistorius", "Berlin"},
        ),
    ],
)
def test_other_languages_get_gazetteer_entities_without_ner(
    enricher: Enricher, title: str, content: str, language: str, expected: set[str]
) -> None:
    enriched, why = enricher.explain([make_article(title, content)])[0]
    assert enriched.language == language
    assert set(entities(enriched)) == expected
    assert "gazetteer only" in why.ner
    assert "conflict" in {t.split("/")[0] for t in enriched.topics}


@pytest.mark.parametrize(
    ("title", "content"),
    [
        (".", ""),  # nothing to read
        ("\x00\x01\x02 \ufffe\uffff", bytes(range(256)).decode("latin-1") * 40),  # binary junk as text
        ("Kyiv Київ 基辅 كييف", "Mixed scripts: Zelensky Зеленський 泽连斯基 in Kyiv / Київ."),
        ("Tiny", "a" * MAX_CONTENT_CHARS),  # one 200,000-character "word"
    ],
)
def test_bad_input_gives_a_plain_result(enricher: Enricher, title: str, content: str) -> None:
    article = make_article(title, content)
    enriched = enricher.enrich([article])[0]
    assert enriched.id == article.id
    assert Article.from_json(enriched.to_json()) == enriched  # what the agent sends is valid


def test_a_club_by_its_short_name_only_beside_football(enricher: Enricher) -> None:
    match, district = enricher.enrich(
        [
            make_article(
                "Bayern beat Tottenham",
                "Bayern beat Tottenham 2-1 in the Champions League, the striker said.",
            ),
            make_article(
                "Flats in Tottenham", "New flats opened in Tottenham, north London, the council said."
            ),
        ]
    )
    assert entities(match).get("Bayern Munich") == entities(match).get("Tottenham Hotspur") == "ORG"
    assert "Tottenham Hotspur" not in entities(district)  # the London district, no football near


def test_largest_article_is_enriched_quickly(enricher: Enricher) -> None:
    paragraph = (
        "Russian forces shelled Kharkiv again on Sunday, regional governor Oleh Syniehubov said, "
        "as Ukraine asked for more Patriot batteries. "
    )
    content = (paragraph * (MAX_CONTENT_CHARS // len(paragraph)))[:MAX_CONTENT_CHARS]
    started = time.perf_counter()
    enriched = enricher.enrich([make_article("Kharkiv shelled", content)])[0]
    assert time.perf_counter() - started < 10
    found = {e.name: e for e in enriched.entities}
    assert found["Kharkiv"].mentions > 1_000  # counted through the whole text, not only the NER window


def test_stage_assigns_story_clusters(enricher: Enricher, tmp_path: Path) -> None:
    store = SqliteClusterStore(tmp_path / "clusters.db")
    clustered = Enricher(
        enricher.recognisers.values(), enricher.aliases, enricher.gazetteer, enricher.taxonomy, store
    )
    first = make_article("Germany pledges Patriots", WIRE, url="https://a.example/1")
    copy = make_article("Germany pledges Patriots", WIRE, url="https://b.example/1", source="Other")
    a, b = clustered.enrich([first, copy])
    assert a.cluster_id == b.cluster_id == first.id and (a.cluster_size, b.cluster_size) == (1, 2)
    assert b.story_id == first.id
    clustered.close()


def test_countries_large_cities_and_continents_past_the_ner_window_are_found(enricher: Enricher) -> None:
    lead = "Markets were calm on Monday as traders waited for the central bank's decision. " * 20
    late = (
        "In New Zealand, inflation slowed. Jordan Smith, an analyst, said Japan was next. Diplomats"
        " in Vienna agreed; Sofia Lopez of the London Metal Exchange disagreed. The Netherlands and"
        " Czechia were silent, and so was Europe."
    )
    enriched = enricher.enrich([make_article("Rates steady", lead + "\n\n" + late)])[0]
    assert len(lead) > enricher.ner_max_chars  # the model reads only the lead
    found = entities(enriched)
    assert found.get("New Zealand") == "GPE" and found.get("Japan") == "GPE" and found.get("Vienna") == "GPE"
    assert found.get("Netherlands") == "GPE" and found.get("Czech Republic") == "GPE"  # not GeoNames' names
    assert found.get("Europe") == "LOC"
    assert "Jordan" not in found  # a country name that is as often a person's is left alone
    assert "Sofia" not in found and "London" not in found  # a given name; part of a longer name


def test_countries_the_model_misses_in_its_window_are_found(enricher: Enricher) -> None:
    text = (
        "ABUJA - The death toll from the fuel tanker explosion rose to 48 on Sunday, officials said. "
        "Separately, investors in the China-Kyrgyzstan-Uzbekistan railway met on Monday."
    )
    found = entities(enricher.enrich([make_article("Nigeria mourns after fuel tanker blast", text)])[0])
    assert found.get("Nigeria") == "GPE"  # a headline the model reads no country in
    assert found.get("Uzbekistan") == "GPE" and found.get("China") == "GPE"  # in a hyphenated compound


def test_towns_and_regions_after_a_place_word_are_found(enricher: Enricher) -> None:
    text = (
        "KAMPALA - Health officials said on Monday that samples were tested at the institute in Entebbe, "
        "while traders in Frankfurt were watching. In March the port of Novorossiysk was hit, and a canopy "
        "collapsed in Novi Sad. Talks in Bath went well."
    )
    found = entities(enricher.enrich([make_article("Uganda confirms outbreak", text)])[0])
    assert found.get("Entebbe") == found.get("Frankfurt") == found.get("Novorossiysk") == "GPE"
    assert found.get("Novi Sad") == "GPE"  # the whole run of capitalised words
    assert "March" not in found and "Bath" not in found  # towns whose names are common words


def test_a_body_named_by_its_kind_keeps_a_pinned_type(enricher: Enricher) -> None:
    text = "SOFIA - The centre-right GERB party and a Russian party signed a deal with regulator Ofgem."
    found = entities(enricher.enrich([make_article("Coalition deal signed in Bulgaria", text)])[0])
    assert found.get("GERB") == found.get("Ofgem") == "ORG"
    assert found.get("Russian") == "NORP"  # the alias table's type, not the party's


def test_an_institution_named_after_a_gazetteer_name_is_one_name(enricher: Enricher) -> None:
    text = "Talks were convened by the United Nations Environment Programme and the African Union Commission."
    found = entities(enricher.enrich([make_article("Plastics talks", text)])[0])
    assert found.get("United Nations Environment Programme") == "ORG"
    assert found.get("African Union Commission") == "ORG"
    assert "United Nations" not in found and "African Union" not in found
    text = "The United Nations Office on Drugs and Crime said coca cultivation rose."  # "The" opens it
    found = entities(enricher.enrich([make_article("Coca report", text)])[0])
    assert found.get("United Nations Office on Drugs and Crime") == "ORG" and "United Nations" not in found


def test_religious_and_political_groups_are_groups(enricher: Enricher) -> None:
    text = "Clashes between Druze militias and Bedouin tribes spread, and a Peronist governor and a Spaniard spoke."
    found = entities(enricher.enrich([make_article("Clashes in Sweida", text)])[0])
    assert {name: found.get(name) for name in ("Druze", "Bedouin", "Peronist", "Spaniard")} == dict.fromkeys(
        ("Druze", "Bedouin", "Peronist", "Spaniard"), "NORP"
    )


def test_nationalities_past_the_ner_window_are_found(enricher: Enricher) -> None:
    lead = "Markets were calm on Monday as traders waited for the central bank's decision. " * 20
    late = "Former British prime minister Tony Blair met Kazakh President Tokayev and flew Turkish Airlines."
    enriched = enricher.enrich([make_article("Rates steady", lead + "\n\n" + late)])[0]
    found = entities(enriched)
    assert found.get("British") == "NORP" and found.get("Kazakh") == "NORP"  # an office may follow
    assert "Turkish" not in found  # the start of a longer name
