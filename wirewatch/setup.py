"""`wirewatch setup`: prepare Kafka, Elasticsearch and Kibana for a deployment, idempotently.

The search backend installs its index template (monthly indices behind one alias), the alert
store its own (`<prefix>-alerts`); topics get the configured partitions (= the most stream
workers that can share the work) and their configs; Kibana gets the data views, saved search
and dashboard. Rerunning changes nothing that is already right, and says what it did in one
line per step.
"""

from __future__ import annotations

from collections.abc import Iterator

from search.backends import open_backend
from stream.alerts.elasticsearch import ElasticsearchAlerts
from wirewatch import topics
from wirewatch.kafka import ensure_topics, partition_counts
from wirewatch.kibana import import_saved_objects, objects_file
from wirewatch.settings import Settings


def run_setup(settings: Settings) -> Iterator[str]:
    """Do every step the settings call for; yields one line per step (or warning) as it is done."""
    kibana = settings.kibana_url
    dashboards = objects_file(settings) if kibana else None  # a missing file fails before any change
    if settings.elasticsearch_url:  # credentials are the likeliest mistake: check them first
        yield search_index(settings)
        yield alerts_index(settings)
    yield from kafka_topics(settings)
    if kibana and dashboards:
        count = import_saved_objects(settings, kibana, dashboards)
        yield f"kibana: {count} saved objects imported from {dashboards.name} into {kibana}"


def kafka_topics(settings: Settings) -> Iterator[str]:
    """Create missing topics; warn about existing ones with fewer partitions than configured."""
    created = ensure_topics(settings)
    shape = f"{settings.topic_partitions} partitions, replication {settings.topic_replication}"
    yield f"kafka: created {', '.join(created)} ({shape})" if created else "kafka: topics already exist"
    older = [name for name in topics.ALL if name not in created]
    for name, count in sorted(partition_counts(settings.bootstrap, older).items()):
        if count < settings.topic_partitions:
            yield (
                f"warning: {name} has {count} partitions, fewer than WIREWATCH_TOPIC_PARTITIONS="
                f"{settings.topic_partitions}, so at most {count} stream workers share it; grow it with"
                f" kafka-topics.sh --alter --topic {name} --partitions {settings.topic_partitions}"
            )


def search_index(settings: Settings) -> str:
    """Let the Elasticsearch backend install its index template (monthly indices, one alias)."""
    backend = open_backend(settings)  # opening it for writing installs the template (idempotent)
    try:
        health = backend.health()
    finally:
        backend.close()
    return f"elasticsearch: index template installed; {health.detail}"


def alerts_index(settings: Settings) -> str:
    """Install the alerts index template and create the alerts index Kibana's alerts view reads."""
    alerts = ElasticsearchAlerts.from_settings(settings)  # opening it installs both (idempotent)
    alerts.close()
    return f"elasticsearch: alerts index template installed; alerts go to {alerts.index}"
