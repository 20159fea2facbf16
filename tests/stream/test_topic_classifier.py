"""The topic classifier: trained on labelled articles, it vetoes rule topics it finds unlikely,
never a topic it was not trained on; `wirewatch train-topics` builds one; bad files are one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from search.query.matcher import PreparedDoc
from stream.enrich import Enricher
from stream.enrich.topic_classifier import LabelledArticle, TopicClassifier, train
from stream.enrich.topics import Taxonomy
from tests.conftest import clean_env, cli
from tests.stream.conftest import make_article
from wirewatch.errors import ConfigError, UsageError

SPORT = [
    (
        "Rovers win the cup final",
        "Rovers beat United 2-1 in the cup final, the winning goal in the last minute.",
    ),
    ("Striker scores twice", "The striker scored twice as the club won the league match at home."),
    ("Coach praises team", "The coach said the team played its best match of the season and won the cup."),
    (
        "Fans celebrate title",
        "Fans celebrated after the club won the league title with a goal late in the match.",
    ),
]
ECONOMY = [
    (
        "Inflation eases",
        "Consumer prices rose 2% in November as inflation eased, the statistics office said.",
    ),
    (
        "Bank holds rates",
        "The central bank held interest rates as prices and wages kept rising, economists said.",
    ),
    ("Fuel prices climb", "Fuel prices climbed for a third month, pushing inflation up, the ministry said."),
    (
        "Exports fall",
        "Exports fell as prices of raw materials rose and the currency weakened, economists said.",
    ),
]
# Rules that all hold on the article below; the classifier knows sport and economy, not local-news.
USER_TOPICS = """
topics:
  sport: {title: Sport, rules: [{query: cup}]}
  economy: {title: Economy, rules: [{query: prices}]}
  local-news: {title: Local news, rules: [{query: bakery}]}
"""
ARTICLE = make_article(
    "Bakery team wins the cup",
    "The bakery's team won the cup final with a late goal, and fans celebrated the club's first title. "
    "Ticket prices were kept low.",
)


@pytest.fixture(scope="module")
def classifier() -> TopicClassifier:
    labelled = [(t, x, ["sport"]) for t, x in SPORT] + [(t, x, ["economy"]) for t, x in ECONOMY]
    return train([LabelledArticle(title=t, text=x, topics=topics) for t, x, topics in labelled])


def test_it_learns_which_topic_an_article_is_about(classifier: TopicClassifier) -> None:
    p = classifier.probabilities(PreparedDoc.of(ARTICLE))
    assert set(p) == {"sport", "economy"}
    assert p["sport"] > 0.5 > p["economy"]


def test_a_saved_classifier_loads_with_the_same_probabilities(
    classifier: TopicClassifier, tmp_path: Path
) -> None:
    classifier.save(tmp_path / "model.npz")
    loaded = TopicClassifier.load(tmp_path / "model.npz")
    doc = PreparedDoc.of(ARTICLE)
    assert loaded.probabilities(doc) == pytest.approx(classifier.probabilities(doc), abs=0.01)


def test_unlikely_rule_topics_are_not_kept_and_unknown_topics_always_are(
    classifier: TopicClassifier, enricher: Enricher, tmp_path: Path
) -> None:
    user = tmp_path / "topics.yaml"
    user.write_text(USER_TOPICS)
    vetoing = Enricher([], enricher.aliases, enricher.gazetteer, Taxonomy.load(user, classifier, 0.5))
    article, why = vetoing.explain([ARTICLE])[0]
    assert set(article.topics) == {"sport", "local-news"}
    assert set(article.topic_evidence) == {"sport", "local-news"}
    verdicts = {m.topic: (m.kept, m.probability is not None) for m in why.topics}
    assert verdicts == {"sport": (True, True), "economy": (False, True), "local-news": (True, False)}
    rules_only = Enricher([], enricher.aliases, enricher.gazetteer, Taxonomy.load(user))
    assert set(rules_only.enrich([ARTICLE])[0].topics) == {"sport", "economy", "local-news"}


def test_a_topic_s_own_floor_overrides_the_setting(
    classifier: TopicClassifier, enricher: Enricher, tmp_path: Path
) -> None:
    user = tmp_path / "topics.yaml"
    user.write_text(USER_TOPICS.replace("title: Economy,", "title: Economy, min_probability: 0.0,"))
    lenient = Enricher([], enricher.aliases, enricher.gazetteer, Taxonomy.load(user, classifier, 0.5))
    assert set(lenient.enrich([ARTICLE])[0].topics) == {"sport", "economy", "local-news"}


def test_training_needs_topics_and_shared_words() -> None:
    with pytest.raises(UsageError, match="training needs"):
        train([LabelledArticle(title="One", text="Alone.", topics=[])])


def test_an_unreadable_classifier_file_is_one_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "model.npz"
    junk.write_bytes(b"not a numpy archive")
    with pytest.raises(ConfigError, match="cannot read the topic classifier"):
        TopicClassifier.load(junk)
    misfit = tmp_path / "misfit.npz"  # an archive whose weights have a row too few
    np.savez(
        misfit,
        topics=np.array(["sport"]),
        vocabulary=np.array(["a", "b"]),
        weights=np.zeros((1, 1)),
        bias=np.zeros(1),
    )
    with pytest.raises(ConfigError, match="do not fit together"):
        TopicClassifier.load(misfit)


def test_train_topics_then_enrich_with_it(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.yaml"
    labelled.write_text(
        labelled_yaml(SPORT, ["sport"]) + labelled_yaml(ECONOMY, ["economy"])[len("articles:\n") :]
    )
    model = tmp_path / "model.npz"
    env = clean_env(WIREWATCH_DATA_DIR=str(tmp_path / "data"))
    done = cli(env, "train-topics", str(labelled), "--out", str(model))
    assert done.returncode == 0, done.stderr
    assert "2 topics learnt from 8 articles" in done.stdout and model.exists()
    env |= {"WIREWATCH_TOPIC_CLASSIFIER_FILE": str(model), "WIREWATCH_NER": "0"}
    article = {
        "title": "Rovers win the cup final",
        "content": "The striker scored as Rovers won the league match.",
    }
    done = cli(env, "enrich", "--explain", stdin=json.dumps(article).encode())
    assert done.returncode == 0, done.stderr
    assert "sport  <- rule" in done.stdout and "classifier: probability" in done.stdout


def labelled_yaml(items: list[tuple[str, str]], topics: list[str]) -> str:
    return yaml.safe_dump({"articles": [{"title": t, "text": x, "topics": list(topics)} for t, x in items]})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.yaml"], "cannot read"),
        (["bad.yaml"], "articles.0.topics"),
        (["good.yaml", "--out", "no/such/dir/model.npz"], "cannot write"),
    ],
)
def test_train_topics_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"articles": [{"title": "x", "text": "y"}]}))
    (tmp_path / "good.yaml").write_text(labelled_yaml(SPORT, ["sport"]))
    done = cli(clean_env(), "train-topics", *[a if a.startswith("-") else str(tmp_path / a) for a in args])
    assert done.returncode == 2
    assert done.stderr.startswith("wirewatch: error: ") and len(done.stderr.strip().splitlines()) == 1
    assert message in done.stderr


def test_a_bad_classifier_setting_stops_enrich_with_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "model.npz"
    junk.write_text("junk")
    env = clean_env(WIREWATCH_DATA_DIR=str(tmp_path / "data"), WIREWATCH_TOPIC_CLASSIFIER_FILE=str(junk))
    done = cli(env, "enrich", stdin=b"Some text about the economy.")
    assert done.returncode == 2
    assert done.stderr.startswith("wirewatch: error: cannot read the topic classifier")
