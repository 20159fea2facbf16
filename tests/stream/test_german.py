"""People and places in German articles by rules, named as English-language news writes them."""

from __future__ import annotations

import re

from stream.enrich import Enricher
from stream.enrich.entities import NerModel
from stream.enrich.german import GermanNames
from tests.stream.conftest import make_article, reading_with


def test_countries_states_towns_after_a_preposition_and_cities() -> None:
    text = (
        "Die Vereinigte Staaten und Norwegen liefern Gas nach München und in Frankfurt. Bayern meldet "
        "Schnee. Das Essen war gut, das Werk in Essen schließt. FC Bayern gewann, Bayern München auch. "
        "Wadephul will Shanghai besuchen. Die GDL streikt. Forscher in Greifswald jubeln. Das Finale bei "
        "New York lief, in Berlin Mitte nicht."
    )
    [found] = GermanNames().mentions([text])
    assert [(m.surface, m.detail) for m in found] == [
        ("Vereinigte Staaten", "United States"),
        ("Norwegen", "Norway"),
        ("München", "Munich"),  # GeoNames' English name
        ("Frankfurt", "Frankfurt"),  # not "Frankfurt am Main": the name as news writes it
        ("Bayern", "Bavaria"),
        ("Essen", "Essen"),  # the town after "in", not the meal after "Das"
        ("Shanghai", "Shanghai"),  # a city of 500,000 or more people, wherever it stands
        ("Greifswald", "Greifswald"),  # not GeoNames' "Universitäts- und Hansestadt Greifswald"
        ("New York", "New York"),  # a town of two words
        ("Berlin", "Berlin"),  # a town and a word after it that makes no town with it
    ]  # nor the club, after "FC" or before "München"; nor GDL, an alternate name of Guadalajara
    assert all(text[m.start : m.end] == m.surface and m.label == "GPE" for m in found)


def test_genitives_austrian_and_swiss_regions_continents_and_towns_in_a_list() -> None:
    text = (
        "Im Westen Österreichs und in Teilen Tirols schneit es, im Tessin regnet es. Züge von Wien nach "
        "Linz, Salzburg und Zürich fallen aus. Europas Märkte und Asien reagieren. Im Mai lag im Norden "
        "kein Schnee."
    )
    [found] = GermanNames().mentions([text])
    assert [(m.detail, m.label) for m in found] == [
        ("Austria", "GPE"),  # a country's genitive
        ("Tyrol", "GPE"),  # a state's, Austria's
        ("Ticino", "GPE"),  # a Swiss canton, by its English name
        ("Vienna", "GPE"),
        ("Linz", "GPE"),
        ("Salzburg", "GPE"),  # listed after a town found after a preposition
        ("Zurich", "GPE"),
        ("Europe", "LOC"),  # continents, by CLDR's German names
        ("Asia", "LOC"),
    ]  # not "Mai" (May) nor "Norden" (the north): towns of that name, but after "im"


def test_big_cities_anywhere_and_towns_after_place_nouns() -> None:
    text = (
        "Betroffen sind die Drehkreuze Frankfurt und München. Züge fahren über Göttingen, der Landkreis "
        "Rosenheim meldet Schnee, die Standorte Bühl und Reutlingen schließen. Das Essen war gut. "
        "Borussia Dortmund gewann. Der Streik dauert bis Ende Mai, ab Mitte Juni fahren Züge."
    )
    [found] = GermanNames().mentions([text])
    assert [m.detail for m in found] == [
        "Frankfurt",
        "Munich",
        "Gottingen",
        "Rosenheim",
        "Buhl",
        "Reutlingen",
    ]
    # "Frankfurt" and "München" are as frequent as German words, but Essen is one; Dortmund is the
    # club's; "Ende" and "Mitte" after a preposition are times


def test_a_towns_adjective_before_a_noun_is_the_town() -> None:
    text = (
        "Die Hamburger Staatsanwaltschaft, das Münchner Ifo-Institut und der Bremer Konzern OHB. Die "
        "Walliser Behörden und die Moskauer Polizei. Trainer Oliver Glasner bringt einen Hammer Treffer "
        "und die Mörser Granaten. Der Hamburger ist kalt."
    )
    [found] = GermanNames().mentions([text])
    assert [(m.surface, m.detail) for m in found if m.label == "GPE"] == [
        ("Hamburger", "Hamburg"),
        ("Münchner", "Munich"),  # München drops its -en's e
        ("Bremer", "Bremen"),  # and Bremen its -en
        ("Walliser", "Valais"),  # a canton's too
        ("Moskauer", "Moscow"),  # a city of a million's German name
    ]  # not a word that only looks like an adjective (Hamm, Moers), nor one before no noun
    assert [m.surface for m in found if m.label != "GPE"] == ["OHB", "Oliver Glasner"]


def test_people_are_a_given_name_and_the_name_after_it() -> None:
    text = (
        "Bundeskanzler Friedrich Merz und Trainer Vincent Kompany trafen Markus Söder und Mario Reiß. "
        "Das Robert Koch-Institut warnt. Paul sagte, die Bank Austria zahlt. Annegret Kramp-Karrenbauer kam. "
        "Bundesrat Ignazio Cassis reiste ab. Vorstandschef Markus Braun schwieg."
    )
    [found] = GermanNames().mentions([text])
    assert [(m.detail, m.label) for m in found if m.label == "PERSON"] == [
        ("Friedrich Merz", "PERSON"),  # not the office before it
        ("Vincent Kompany", "PERSON"),  # "Trainer" is no given name
        ("Markus Soder", "PERSON"),
        ("Mario Reiss", "PERSON"),
        ("Annegret Kramp-Karrenbauer", "PERSON"),
        ("Ignazio Cassis", "PERSON"),  # a foreign given name
        ("Markus Braun", "PERSON"),  # "braun" (brown) is a word, but not so common a one
    ]  # not "Robert Koch-Institut" (a compound noun), nor "Paul sagte" (no capital: no name)


def test_courts_are_named_by_their_kind_and_town() -> None:
    text = (
        "Das Landgericht Hamburg verurteilte ihn; das Urteil des Landgerichts München bestätigte das "
        "Oberlandesgericht in Dresden. Das Amtsgericht Tiergarten schwieg."
    )
    [found] = GermanNames().mentions([text])
    assert [(m.detail, m.label) for m in found] == [
        ("Hamburg Regional Court", "ORG"),  # not also the city of Hamburg
        ("Munich Regional Court", "ORG"),
        ("Dresden Higher Regional Court", "ORG"),
    ]  # not "Tiergarten", which is no town in GeoNames' list


def test_organisations_are_named_after_their_kind() -> None:
    text = (
        "Die Pilotengewerkschaft Vereinigung Cockpit rief zum Streik. Der Hersteller Sandoz teilte mit, "
        "die Konkurrenten Proxima Fusion und Gauss Fusion warben um Geld, so das Auktionshaus Ketterer Kunst. "
        "Der Konzern Deutschland blieb."
    )
    [found] = GermanNames().mentions([text])
    assert [(m.detail, m.label) for m in found] == [
        ("Vereinigung Cockpit", "ORG"),
        ("Sandoz", "ORG"),
        ("Proxima Fusion", "ORG"),  # both names of a list
        ("Gauss Fusion", "ORG"),
        ("Ketterer", "ORG"),  # a common noun ends the name
        ("Germany", "GPE"),  # a country, not an organisation
    ]


def test_the_enricher_runs_the_rules_on_german_articles(ner_model: NerModel, enricher: Enricher) -> None:
    both = reading_with(enricher, [ner_model, GermanNames()])
    german = make_article(
        "Stahlwerk in Duisburg schließt",
        "Der Konzern schließt sein Werk in Duisburg, teilte er in Essen mit.",
    )
    enriched, why = both.explain([german])[0]
    assert enriched.language == "de"
    assert {("Duisburg", "GPE"), ("Essen", "GPE")} <= {(e.name, e.type) for e in enriched.entities}
    assert why.ner.startswith("NER rules (German")


def test_the_rules_read_past_the_ner_window(ner_model: NerModel, enricher: Enricher) -> None:
    both = reading_with(enricher, [ner_model, GermanNames()], ner_max_chars=200)
    body = "Der Konzern schließt sein Werk in Duisburg. " + "Die Gewerkschaft protestiert. " * 20
    article = make_article("Stahlwerk schließt", body + "Auch das Werk in Bochum leidet.")
    [(enriched, why)] = both.explain([article])
    assert {"Duisburg", "Bochum"} <= {e.name for e in enriched.entities}  # Bochum stands past 200 characters
    window = re.search(r"on the first (\d+) of (\d+) characters", why.ner)
    assert window is not None and window[1] == window[2]
