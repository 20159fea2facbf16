"""The ingest service: `wirewatch ingest` runs one poller process until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

from ingest.poller import Poller, load_feeds
from ingest.state import FeedStore
from search.backends import open_backend
from wirewatch import heartbeat
from wirewatch.kafka import check_broker, make_producer
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.ingest")


async def _serve(poller: Poller, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    beating = None
    if settings.heartbeat_file is not None:
        beating = asyncio.create_task(heartbeat.beat(settings.heartbeat_file, settings.heartbeat_interval))
    try:
        await poller.run(stop)
    finally:
        if beating is not None:
            beating.cancel()


def run_ingest(settings: Settings) -> None:
    """Check the broker, sync the feed list, then poll until stopped."""
    check_broker(settings.bootstrap)
    store = FeedStore(settings.feeds_db)
    load_feeds(settings, store)
    index = open_backend(settings)
    producer = make_producer(settings.bootstrap)
    try:
        asyncio.run(_serve(Poller(settings, store, index, producer), settings))
    finally:
        producer.close(timeout=10)
        index.close()
        store.close()
        log.info("poller stopped")
