"""The wirewatch Faust app: one app object per worker process, agents from stream.agents."""

from __future__ import annotations

import logging

import faust

from stream.agents import Agents
from stream.services import Services
from wirewatch import heartbeat
from wirewatch.kafka import CONSUMER_GROUP
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.stream")


def create_app(settings: Settings, services: Services) -> faust.App:
    """A Faust app wired to the configured broker, consuming as group `wirewatch`."""
    app = faust.App(
        CONSUMER_GROUP,
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
