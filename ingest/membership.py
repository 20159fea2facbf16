"""Splitting the feeds between poller processes with a Kafka consumer group.

Each feed belongs to one partition of the `wirewatch.pollers` topic (its id modulo the partition
count). Every poller joins the consumer group `wirewatch-pollers` on that topic and polls only
the feeds of the partitions the group assigns it, so no feed is polled by two pollers; the
broker rebalances when a poller joins, leaves or stops heartbeating (after the session
timeout). The topic carries no records: the group protocol is the membership. Before giving
partitions away, a poller finishes the polls of their feeds in flight, so ownership never
overlaps. This needs nothing but the broker the pipeline already has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from wirewatch.kafka import admin_client
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.ingest")

TOPIC = "wirewatch.pollers"
GROUP = "wirewatch-pollers"
HANDOVER_TIMEOUT = 60.0  # seconds to finish in-flight polls before partitions move


def partition_of(feed_id: str, partitions: int) -> int:
    """The partition (hence the poller) a feed belongs to; feed ids are uniform hex hashes."""
    return int(feed_id[:8], 16) % partitions


def ensure_topic(settings: Settings) -> None:
    """Create the membership topic if needed (idempotent)."""
    with admin_client(settings.bootstrap) as client:
        if TOPIC in set(client.list_topics()):
            return
        with contextlib.suppress(TopicAlreadyExistsError):  # another poller created it first
            client.create_topics([NewTopic(TOPIC, settings.poller_partitions, settings.topic_replication)])


class Membership:
    """This poller's share of the feeds, kept current by a consumer-group member in a thread."""

    def __init__(self, settings: Settings, name: str) -> None:
        self.settings = settings
        self.name = name
        self.partitions = settings.poller_partitions
        self._owned: frozenset[int] = frozenset()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def owns(self, feed_id: str) -> bool:
        return partition_of(feed_id, self.partitions) in self._owned

    @property
    def owned(self) -> frozenset[int]:
        return self._owned

    def start(
        self,
        loop: asyncio.AbstractEventLoop,
        changed: Callable[[], None],
        handover: Callable[[Callable[[str], bool]], Coroutine[Any, Any, None]],
    ) -> None:
        """Join the group; `changed` runs on `loop` after each assignment, `handover(lost)` is
        awaited on `loop` before partitions are given away (`lost(feed_id)` tells which feeds)."""
        ensure_topic(self.settings)
        member = self

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
                lost = frozenset(tp.partition for tp in revoked)
                member._owned = member._owned - lost
                loop.call_soon_threadsafe(changed)
                future = asyncio.run_coroutine_threadsafe(
                    handover(lambda fid: partition_of(fid, member.partitions) in lost), loop
                )
                try:
                    future.result(HANDOVER_TIMEOUT)
                except Exception as exc:  # handing over late beats not rebalancing at all
                    log.warning("handover of %d partitions incomplete: %s", len(lost), exc)

            def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
                member._owned = frozenset(tp.partition for tp in assigned)
                log.info(
                    "poller %s owns %d of %d feed partitions", member.name, len(assigned), member.partitions
                )
                loop.call_soon_threadsafe(changed)

        consumer = KafkaConsumer(
            bootstrap_servers=self.settings.bootstrap.split(","),
            group_id=GROUP,
            client_id=self.name,
            enable_auto_commit=False,
            session_timeout_ms=int(self.settings.poller_session_timeout * 1000),
            heartbeat_interval_ms=int(self.settings.poller_session_timeout * 1000 / 3),
        )
        consumer.subscribe([TOPIC], listener=Listener())
        self._thread = threading.Thread(target=self._run, args=(consumer,), name="poller-group", daemon=True)
        self._thread.start()

    def _run(self, consumer: KafkaConsumer) -> None:
        try:
            while not self._stop.is_set():
                try:
                    consumer.poll(timeout_ms=500)  # no records: this drives joins and rebalances
                except KafkaError as exc:
                    log.warning("poller group: %s", exc)
                    self._stop.wait(1.0)
        finally:
            consumer.close()  # leaves the group: the others rebalance at once

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(15)
