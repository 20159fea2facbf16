"""The enrich agent in a real worker: hostile records never stop it, and each gets an outcome."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaConsumer, TopicPartition

from tests.conftest import Processes, cli, settings_for, wait_for
from tests.stream.conftest import make_article
from wirewatch import topics
from wirewatch.kafka import make_producer
from wirewatch.schema import MAX_CONTENT_CHARS

pytestmark = pytest.mark.integration


def read_all(bootstrap: str, topic: str) -> list[bytes]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        records: list[bytes] = []
        while batch := consumer.poll(timeout_ms=1_000):
            records.extend(r.value for rs in batch.values() for r in rs)
        return records
    finally:
        consumer.close()


def test_bad_records_are_enriched_or_dead_lettered_and_the_worker_lives(
    env: dict[str, str], procs: Processes
) -> None:
    assert cli(env, "setup").returncode == 0
    bootstrap = settings_for(env).bootstrap
    good = [
        make_article(
            "Patriot battery reaches Kiev", "Germany sent a Patriot air defense battery to Ukraine."
        ),
        make_article("\x01\x02", bytes(range(32, 256)).decode("latin-1") * 50),  # junk that is valid text
        make_article("Київ Kyiv 基辅", "Mixed scripts: Зеленський, Zelensky, 泽连斯基."),
        make_article("Huge", "Kharkiv shelled. " * (MAX_CONTENT_CHARS // 17)),
        make_article(".", ""),
    ]
    producer = make_producer(bootstrap)
    for article in good:
        producer.send(topics.RAW, key=article.id.encode(), value=article.to_json())
    producer.send(topics.RAW, key=b"junk", value=b"\x00\xff not json at all")
    producer.flush()
    producer.close()

    worker = procs.start("stream", "stream")
    enriched = wait_for(
        lambda: (found := read_all(bootstrap, topics.ENRICHED)) and len(found) >= len(good) and found,
        120,
        "every valid record to be enriched",
    )
    by_id = {a["id"]: a for a in map(json.loads, enriched)}
    assert set(by_id) == {a.id for a in good}
    assert {"name": "Kyiv", "type": "GPE"}.items() <= next(
        e for e in by_id[good[0].id]["entities"] if e["name"] == "Kyiv"
    ).items()
    assert by_id[good[3].id]["cluster_size"] == 1 and by_id[good[4].id]["entities"] == []

    dead = wait_for(lambda: read_all(bootstrap, topics.DEADLETTER), 60, "the junk record to be dead-lettered")
    assert [json.loads(d)["stage"] for d in dead] == ["enrich"]
    assert "invalid article" in json.loads(dead[0])["reason"]
    assert worker.poll() is None, procs.log_text("stream")
