"""Kafka plumbing shared by the CLI, the poller and the stream: reachability, topics, producer, lag."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from wirewatch import topics
from wirewatch.errors import UnreachableError, WirewatchError
from wirewatch.settings import Settings

log = logging.getLogger(__name__)

# Articles may carry up to ~200k characters of text; leave room for UTF-8 and enrichment.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
CONSUMER_GROUP = "wirewatch"
RETENTION_DAYS = {topics.RAW: 7, topics.ENRICHED: 7, topics.ALERTS: 30, topics.DEADLETTER: 30}


def _unreachable(bootstrap: str, exc: Exception) -> UnreachableError:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return UnreachableError(f"Kafka broker at {bootstrap} is unreachable ({reason})")


@contextmanager
def _library_quiet() -> Iterator[None]:
    """Silence kafka-python's per-attempt connection errors; we report the outcome in one line."""
    library = logging.getLogger("kafka")
    was = library.level
    library.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        library.setLevel(was)


@contextmanager
def admin_client(bootstrap: str, timeout: float = 5.0) -> Iterator[KafkaAdminClient]:
    """An admin client, closed after use; UnreachableError when no broker answers in time."""
    try:
        with _library_quiet():
            client = KafkaAdminClient(
                bootstrap_servers=bootstrap.split(","),
                client_id="wirewatch-admin",
                request_timeout_ms=int(timeout * 1000),
                bootstrap_timeout_ms=int(timeout * 1000),
            )
    except (KafkaError, OSError) as exc:
        raise _unreachable(bootstrap, exc) from None
    try:
        yield client
    finally:
        client.close()


def check_broker(bootstrap: str, timeout: float = 5.0) -> int:
    """Raise UnreachableError unless a broker answers; returns the number of brokers seen."""
    with admin_client(bootstrap, timeout) as client:
        try:
            return len(client.describe_cluster().get("brokers", []))
        except (KafkaError, OSError) as exc:
            raise _unreachable(bootstrap, exc) from None


def topic_configs(name: str, replication: int) -> dict[str, str]:
    """Configs a wirewatch topic is created with: message size, retention, in-sync replicas.

    Retention is how far back the stream can replay after an outage; with three replicas,
    acks=all writes wait for two of them, so one broker may fail without losing a record.
    """
    return {
        "max.message.bytes": str(MAX_MESSAGE_BYTES),
        "retention.ms": str(RETENTION_DAYS[name] * 86_400_000),
        "min.insync.replicas": "2" if replication >= 3 else "1",
    }


def ensure_topics(settings: Settings) -> list[str]:
    """Create the wirewatch topics that do not exist yet; returns the names created."""
    with admin_client(settings.bootstrap) as client:
        existing = set(client.list_topics())
        missing = [name for name in topics.ALL if name not in existing]
        if missing:
            answer = client.create_topics(
                {
                    name: {
                        "num_partitions": settings.topic_partitions,
                        "replication_factor": settings.topic_replication,
                        "configs": topic_configs(name, settings.topic_replication),
                    }
                    for name in missing
                },
                raise_errors=False,
            )
            for result in answer.get("topics", []):
                # Created meanwhile by another process: as good as created by us.
                if result.get("error_code") not in (0, TopicAlreadyExistsError.errno):
                    reason = result.get("error_message") or for_code(result["error_code"]).__name__
                    raise WirewatchError(f"cannot create topic {result.get('name')}: {reason}")
            log.info("created topics %s", ", ".join(missing))
        return missing


def partition_counts(bootstrap: str, names: Iterable[str]) -> dict[str, int]:
    """How many partitions each named topic has (absent topics are left out)."""
    with admin_client(bootstrap) as client:
        try:
            described = client.describe_topics(list(names))
        except (KafkaError, OSError) as exc:
            raise _unreachable(bootstrap, exc) from None
    return {t["name"]: len(t["partitions"]) for t in described if not t.get("error_code")}


def topic_records(bootstrap: str, names: Iterable[str] = topics.ALL) -> dict[str, int]:
    """Records written to each topic since the broker started (sum of partition end offsets)."""
    counts = partition_counts(bootstrap, names)
    wanted = [TopicPartition(name, p) for name, n in counts.items() for p in range(n)]
    if not wanted:
        return {}
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False)
    try:
        ends = consumer.end_offsets(wanted)
    except (KafkaError, OSError) as exc:
        raise _unreachable(bootstrap, exc) from None
    finally:
        consumer.close()
    out = dict.fromkeys(counts, 0)
    for tp, end in ends.items():
        out[tp.topic] += int(end)
    return out


def make_producer(bootstrap: str) -> KafkaProducer:
    """An idempotent, acks=all producer: a record counts as sent only once the broker has it."""
    try:
        return KafkaProducer(
            bootstrap_servers=bootstrap.split(","),
            client_id="wirewatch-ingest",
            acks="all",
            enable_idempotence=True,
            compression_type="gzip",
            linger_ms=20,
            max_request_size=MAX_MESSAGE_BYTES,
            request_timeout_ms=15_000,
            bootstrap_timeout_ms=10_000,
            retries=5,
        )
    except (KafkaError, OSError) as exc:
        raise _unreachable(bootstrap, exc) from None


def consumer_lag(bootstrap: str, group: str = CONSUMER_GROUP) -> dict[str, int]:
    """Uncommitted records per topic for the stream's consumer group (approximate).

    Some brokers report the base offset of the last batch as the end, so this can read a
    little low; it is a gauge, never a proof that everything was consumed.
    """
    with admin_client(bootstrap) as client:
        try:
            committed = client.list_group_offsets({group: None}).get(group, {})
        except (KafkaError, OSError) as exc:
            raise _unreachable(bootstrap, exc) from None
    wanted = [tp for tp in committed if tp.topic in topics.ALL]
    if not wanted:
        return {}
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False)
    try:
        ends = consumer.end_offsets(wanted)
    finally:
        consumer.close()
    lag: dict[str, int] = {}
    for tp in wanted:
        offset = committed[tp].offset if hasattr(committed[tp], "offset") else int(committed[tp])
        lag[tp.topic] = lag.get(tp.topic, 0) + max(0, ends.get(tp, 0) - offset)
    return lag


__all__ = [
    "CONSUMER_GROUP",
    "TopicPartition",
    "admin_client",
    "check_broker",
    "consumer_lag",
    "ensure_topics",
    "make_producer",
    "partition_counts",
    "topic_configs",
]
