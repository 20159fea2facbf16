"""`wirewatch setup` on real parts: Tansu for Kafka, the noida-db stand-in for Elasticsearch, our fake
Kibana; and against a real Kafka, Elasticsearch and Kibana when their URLs are given."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from kafka.admin import ConfigResource, ConfigResourceType

from tests.conftest import cli, free_port
from tests.deploy.kibana_objects import ROOT, load
from tests.deploy.kibana_server import KibanaServer
from tests.test_cli import assert_one_line_error
from wirewatch import topics
from wirewatch.kafka import admin_client, partition_counts, topic_configs

ES_TEMPLATE = ROOT / "search" / "backends" / "elasticsearch" / "template.json"
NO_ES_BACKEND = "the Elasticsearch backend and its template.json (issue 3) are not in this tree yet"
REAL = {
    "kafka": "WIREWATCH_TEST_KAFKA_BOOTSTRAP",
    "elasticsearch": "WIREWATCH_TEST_ELASTICSEARCH_URL",
    "kibana": "WIREWATCH_TEST_KIBANA_URL",
}


@pytest.fixture
def kibana() -> Iterator[KibanaServer]:
    server = KibanaServer(password="s3cret")
    yield server
    server.close()


def test_topics_are_created_once(env: dict[str, str]) -> None:
    first = cli(env, "setup")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"kafka: created {', '.join(topics.ALL)} (2 partitions, replication 1)"
    again = cli(env, "setup")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "kafka: topics already exist"
    assert partition_counts(env["WIREWATCH_KAFKA_BOOTSTRAP"], topics.ALL) == dict.fromkeys(topics.ALL, 2)


def test_fewer_partitions_than_configured_is_a_warning(env: dict[str, str]) -> None:
    assert cli(env, "setup").returncode == 0
    more = cli(env | {"WIREWATCH_TOPIC_PARTITIONS": "12"}, "setup")
    assert more.returncode == 0, more.stderr
    warnings = [line for line in more.stdout.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == len(topics.ALL)
    assert "wirewatch.articles.raw has 2 partitions, fewer than WIREWATCH_TOPIC_PARTITIONS=12" in more.stdout
    assert "--topic wirewatch.articles.raw --partitions 12" in more.stdout


def test_dashboards_are_imported_by_setup(env: dict[str, str], kibana: KibanaServer) -> None:
    env = env | {"WIREWATCH_KIBANA_URL": kibana.url(""), "WIREWATCH_ELASTICSEARCH_PASSWORD": "s3cret"}
    for _ in range(2):
        done = cli(env, "setup")
        assert done.returncode == 0, done.stderr
        assert f"kibana: {len(load())} saved objects imported from wirewatch.ndjson" in done.stdout
    assert set(kibana.saved) == {(o["type"], o["id"]) for o in load()}


def test_a_missing_dashboards_file_fails_before_any_change(env: dict[str, str], tmp_path: Path) -> None:
    env = env | {
        "WIREWATCH_KIBANA_URL": "http://127.0.0.1:9",
        "WIREWATCH_KIBANA_OBJECTS": str(tmp_path / "x"),
    }
    assert_one_line_error(cli(env, "setup"), 2, "does not exist (set WIREWATCH_KIBANA_OBJECTS)")
    assert partition_counts(env["WIREWATCH_KAFKA_BOOTSTRAP"], topics.ALL) == {}


@pytest.mark.skipif(not ES_TEMPLATE.exists(), reason=NO_ES_BACKEND)
def test_unreachable_elasticsearch_is_one_line(env: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = cli(env | {"WIREWATCH_ELASTICSEARCH_URL": url}, "setup")
    assert_one_line_error(result, 1, "unreachable")
    assert url in result.stderr


@pytest.mark.integration
@pytest.mark.skipif(not ES_TEMPLATE.exists(), reason=NO_ES_BACKEND)
def test_whole_setup_on_stand_ins(env: dict[str, str], elasticsearch_url: str) -> None:
    """Tansu, noida-db (or the Elasticsearch the fixture was given) and the fake Kibana, twice."""
    password = os.environ.get("WIREWATCH_TEST_ELASTICSEARCH_PASSWORD", "s3cret")
    kibana = KibanaServer(password=password)
    env = env | {
        "WIREWATCH_ELASTICSEARCH_URL": elasticsearch_url,
        "WIREWATCH_ELASTICSEARCH_USERNAME": "elastic",
        "WIREWATCH_ELASTICSEARCH_PASSWORD": password,
        "WIREWATCH_KIBANA_URL": kibana.url(""),
    }
    try:
        for _ in range(2):
            done = cli(env, "setup")
            assert done.returncode == 0, done.stderr
            assert "elasticsearch: index template installed" in done.stdout
            assert "elasticsearch: alerts index template installed" in done.stdout
        for name in ("wirewatch-articles", "wirewatch-alerts"):
            template = httpx.get(
                f"{elasticsearch_url}/_index_template/{name}", auth=("elastic", password), timeout=10
            )
            assert template.status_code == 200, template.text
        mapping = httpx.get(f"{elasticsearch_url}/wirewatch-alerts/_mapping", auth=("elastic", password))
        assert mapping.status_code == 200, mapping.text
        assert "subscription" in mapping.text
        assert set(kibana.saved) == {(o["type"], o["id"]) for o in load()}
    finally:
        kibana.close()


@pytest.mark.integration
@pytest.mark.skipif(
    not all(os.environ.get(v) for v in REAL.values()),
    reason="real Kafka, Elasticsearch and Kibana not given: set " + ", ".join(REAL.values()),
)
def test_whole_setup_on_a_real_stack(tmp_path: Path) -> None:
    """Run against real servers (e.g. `docker compose up -d kafka elasticsearch kibana`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")} | {
        "WIREWATCH_DATA_DIR": str(tmp_path),
        "WIREWATCH_KAFKA_BOOTSTRAP": os.environ[REAL["kafka"]],
        "WIREWATCH_ELASTICSEARCH_URL": os.environ[REAL["elasticsearch"]],
        "WIREWATCH_KIBANA_URL": os.environ[REAL["kibana"]],
        "WIREWATCH_ELASTICSEARCH_USERNAME": os.environ.get(
            "WIREWATCH_TEST_ELASTICSEARCH_USERNAME", "elastic"
        ),
        "WIREWATCH_ELASTICSEARCH_PASSWORD": os.environ.get("WIREWATCH_TEST_ELASTICSEARCH_PASSWORD", ""),
        "WIREWATCH_TOPIC_PARTITIONS": "12",
    }
    for _ in range(2):
        done = cli(env, "setup")
        assert done.returncode == 0, done.stderr
        assert "warning" not in done.stdout, done.stdout
    with admin_client(env["WIREWATCH_KAFKA_BOOTSTRAP"]) as client:
        described = {t["name"]: t for t in client.describe_topics(list(topics.ALL))}
        configs = client.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t) for t in topics.ALL])
    assert {name: len(t["partitions"]) for name, t in described.items()} == dict.fromkeys(topics.ALL, 12)
    for name in topics.ALL:
        replication = len(described[name]["partitions"][0]["replica_nodes"])
        given = {key: entry["value"] for key, entry in configs["topic"][name].items()}
        assert topic_configs(name, replication).items() <= given.items(), (name, given)
    auth = (env["WIREWATCH_ELASTICSEARCH_USERNAME"], env["WIREWATCH_ELASTICSEARCH_PASSWORD"])
    es = httpx.get(f"{env['WIREWATCH_ELASTICSEARCH_URL']}/_index_template/wirewatch-articles", auth=auth)
    assert es.status_code == 200, es.text
    kibana = env["WIREWATCH_KIBANA_URL"].rstrip("/")
    board = httpx.get(f"{kibana}/api/saved_objects/dashboard/wirewatch-news-monitor", auth=auth)
    assert board.status_code == 200 and board.json()["attributes"]["title"] == "News monitor", board.text


def test_topic_configs_keep_writes_safe_on_a_cluster() -> None:
    single, cluster = topic_configs(topics.RAW, 1), topic_configs(topics.RAW, 3)
    assert single["min.insync.replicas"] == "1" and cluster["min.insync.replicas"] == "2"
    assert int(single["retention.ms"]) == 7 * 86_400_000
    assert int(topic_configs(topics.DEADLETTER, 1)["retention.ms"]) == 30 * 86_400_000
    assert int(single["max.message.bytes"]) >= 4 * 1024 * 1024
