"""The wirewatch Faust app: one app object per worker process, agents from stream.agents."""

from __future__ import annotations

import logging
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_kafka
from faust.types import TransportT

from stream.agents import Agents
from stream.services import Services
from wirewatch import heartbeat
from wirewatch.kafka import CONSUMER_GROUP
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.stream")


class _PromptConsumerThread(faust_kafka.AIOKafkaConsumerThread):
    """Faust hard-codes a 1.5 s fetch wait; Tansu answers a fetch late within that wait."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # Read by AIOKafkaConsumer.start() when it builds its fetcher; there is no public knob.
        consumer._fetch_max_wait_ms = self.app.fetch_wait_ms
        return consumer


class _PromptConsumer(faust_kafka.Consumer):
    def _new_consumer_thread(self) -> faust_kafka.AIOKafkaConsumerThread:
        return _PromptConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _PromptTransport(faust_kafka.Transport):
    Consumer = _PromptConsumer


class StreamApp(faust.App):
    """A Faust app whose consumers wait at most `fetch_wait_ms` for new records per fetch."""

    def __init__(self, *args: Any, fetch_wait_ms: int, **kwargs: Any) -> None:
        self.fetch_wait_ms = fetch_wait_ms
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> TransportT:
        return _PromptTransport(self.conf.broker_consumer, self)


def create_app(settings: Settings, services: Services) -> faust.App:
    """A Faust app wired to the configured broker, consuming as group `wirewatch`."""
    app = StreamApp(
        CONSUMER_GROUP,
        fetch_wait_ms=settings.stream_fetch_wait_ms,
        broker=[f"kafka://{host}" for host in settings.bootstrap.split(",")],
        store="memory://",
        datadir=str(settings.data_dir / "faust"),
        web_enabled=False,
        processing_guarantee="at_least_once",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.stream_session_timeout,
        broker_heartbeat_interval=max(1.0, settings.stream_session_timeout / 3),
        broker_commit_interval=1.0,
        # Never wait for in-flight batches on shutdown or rebalance: they are not acked, so
        # they are simply processed again (every write is idempotent).
        stream_wait_empty=False,
        producer_max_request_size=4 * 1024 * 1024,
    )
    Agents(app, services)
    if settings.heartbeat_file is not None:
        beat_file, every = settings.heartbeat_file, settings.heartbeat_interval

        @app.task
        async def _heartbeat() -> None:
            await heartbeat.beat(beat_file, every)

    @app.on_rebalance_complete.connect
    async def _announce(sender: faust.App, **_: object) -> None:
        assigned = sender.consumer.assignment()
        log.info("stream worker ready: %d partitions assigned (group %s)", len(assigned), CONSUMER_GROUP)

    return app
