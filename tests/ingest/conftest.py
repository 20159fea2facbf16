"""Fixtures for ingest tests: an in-process poller on a real broker, index and feeds.db."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from ingest.poller import Poller, open_store
from search.backends import open_backend
from wirewatch.kafka import ensure_topics, make_producer
from wirewatch.settings import Settings


def read_topic(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every record of a topic so far, as JSON values."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=1_500)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return [json.loads(record.value) for record in consumer]
    finally:
        consumer.close()


@pytest.fixture
def ingest_settings(tmp_path: Path, broker: str) -> Settings:
    """Settings of an in-process poller: loopback feeds allowed (127.0.0.1 only), short limits."""
    settings = Settings(
        data_dir=tmp_path / "data",
        feeds=tmp_path / "feeds.yaml",
        kafka_bootstrap=broker,
        topic_partitions=1,
        allow_private_networks=True,
        private_network_allowlist="127.0.0.1/32",
        http_timeout=1.0,
        max_feed_bytes=1_000_000,
        parse_workers=1,
        parse_timeout=5.0,
    )
    ensure_topics(settings)
    return settings


@pytest.fixture
def make_poller(ingest_settings: Settings) -> Iterator[Any]:
    """poller(**setting overrides) -> a Poller on the test broker; everything closed at teardown."""
    opened: list[Poller] = []

    def make(**overrides: Any) -> Poller:
        settings = ingest_settings.model_copy(update=overrides)
        poller = Poller(
            settings, open_store(settings), open_backend(settings), make_producer(settings.bootstrap)
        )
        opened.append(poller)
        return poller

    yield make
    for poller in opened:
        poller.workers.close()
        poller.producer.close(timeout=5)
        poller.index.close()
        poller.store.close()
