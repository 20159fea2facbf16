"""Topic rules: queries in the query language, entity conditions, evidence, user taxonomies."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.analysis import topic_keys
from stream.enrich import Enricher
from stream.enrich.topics import Taxonomy
from tests.stream.conftest import make_article
from wirewatch.errors import ConfigError


def test_sub_topics_with_quoted_evidence(enricher: Enricher) -> None:
    article = make_article(
        "Ukraine's air defenses shot down 30 drones overnight",
        "Air defense units intercepted most of the Shahed drones over Kyiv, the air force said.",
    )
    enriched = enricher.enrich([article])[0]
    assert {"conflict", "conflict/air-defense", "conflict/drone-warfare"} <= set(enriched.topics)
    evidence = enriched.topic_evidence["conflict/air-defense"]
    assert "shot down" in evidence and "air defenses" in evidence
    assert "conflict" in topic_keys(["conflict/air-defense"])


def test_entity_conditions_give_topics_without_keywords(enricher: Enricher) -> None:
    enriched = enricher.enrich(
        [make_article("IRIS-T batteries arrive", "Two IRIS-T systems arrived this week.")]
    )[0]
    assert "conflict/air-defense" in enriched.topics
    assert enriched.topic_evidence["conflict/air-defense"] == ["entity:IRIS-T"]


def test_min_evidence_keeps_single_words_from_tagging(enricher: Enricher) -> None:
    enriched = enricher.enrich(
        [make_article("Local bakery wins award", "The bakery won a regional cup for bread.")]
    )[0]
    assert "sport" not in enriched.topics
    assert enriched.topics == []


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Leader keeps two-shot lead",
            "She made four birdies and one bogey to sit nine under par before the final round.",
        ),
        (
            "Stuttgart im Finale",
            "Im Halbfinale verwandelte der Spieler einen Foulelfmeter, die Mannschaft steht im Pokalfinale.",
        ),
    ],
)
def test_golf_and_german_football_words_are_sport(enricher: Enricher, title: str, text: str) -> None:
    assert "sport" in enricher.enrich([make_article(title, text)])[0].topics


def test_min_mentions_keeps_a_passing_mention_from_tagging(enricher: Enricher) -> None:
    once = make_article("Oil prices slip", "Brent fell 1% after a drone attack on a refinery, traders said.")
    twice = make_article(
        "Drones hit refinery", "Drones struck the refinery overnight, and one drone was shot down."
    )
    passing, about = enricher.enrich([once, twice])
    assert "conflict/drone-warfare" not in passing.topics  # drone-warfare needs two mentions
    assert about.topic_evidence["conflict/drone-warfare"] == ["Drones"]  # one word, said three times


def test_a_lead_rule_needs_its_evidence_in_the_title_or_lead(tmp_path: Path, enricher: Enricher) -> None:
    user = tmp_path / "topics.yaml"
    user.write_text(
        "topics:\n  politics/diplomacy:\n    title: Diplomacy\n    rules:\n      - lead: true\n        query: talks\n"
        "      - lead: true\n        entities: {names: [Kremlin]}\n"
    )
    custom = Enricher([], enricher.aliases, enricher.gazetteer, Taxonomy.load(user))
    filler = " ".join(["Rescuers searched the rubble of the building through the night."] * 12)
    about = make_article("Talks resume in Geneva", filler)
    early = make_article("Rescuers search rubble", "Talks on a truce were due to resume. " + filler)
    passing = make_article("Rescuers search rubble", filler + " Talks on a truce were due to resume.")
    tagged = [a.topic_evidence.get("politics/diplomacy") for a in custom.enrich([about, early, passing])]
    assert tagged == [["Talks"], ["Talks"], None]
    kremlin = [
        make_article("Kremlin speaks", filler),
        make_article("Rescuers search", filler + " The Kremlin spoke."),
    ]
    assert [a.topic_evidence.get("politics/diplomacy") for a in custom.enrich(kremlin)] == [
        ["entity:Kremlin"],
        None,
    ]


def test_user_taxonomy_adds_and_replaces_topics(tmp_path: Path, enricher: Enricher) -> None:
    user = tmp_path / "topics.yaml"
    user.write_text(
        "topics:\n"
        "  conflict/naval:\n    title: Naval warfare\n    rules:\n"
        "      - query: '\"Black Sea Fleet\" OR warship*'\n"
        "  sport:\n    title: Sport (only football)\n    rules:\n      - query: football\n"
    )
    taxonomy = Taxonomy.load(user)
    custom = Enricher([], enricher.aliases, enricher.gazetteer, taxonomy)
    enriched = custom.enrich(
        [make_article("Drone hits warships", "A drone hit warships of the Black Sea Fleet.")]
    )[0]
    assert enriched.topic_evidence["conflict/naval"] == ["Black Sea Fleet", "warships"]
    assert taxonomy.topics["sport"][0] == "Sport (only football)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("topics:\n  x:\n    title: X\n    rules:\n      - query: 'a AND ('\n", "bad query"),
        ("topics:\n  Bad Name:\n    title: X\n    rules:\n      - query: a\n", "lower-case"),
        ("topics:\n  x:\n    title: X\n    rules:\n      - min_evidence: 2\n", "needs a query or an entity"),
        ("topics: [\n", "not valid YAML"),
    ],
)
def test_bad_taxonomy_files_are_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    user = tmp_path / "topics.yaml"
    user.write_text(text)
    with pytest.raises(ConfigError, match=message) as err:
        Taxonomy.load(user)
    assert str(user) in str(err.value)
