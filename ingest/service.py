"""The ingest service: `wirewatch ingest` runs one poller process until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from ingest.membership import HANDOVER_TIMEOUT, Membership
from ingest.poller import Poller, load_feeds, open_store
from search.backends import open_backend
from wirewatch.kafka import check_broker, make_producer
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.ingest")


async def _serve(poller: Poller, membership: Membership) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    poller.owns = membership.owns

    async def handover(lost: Callable[[str], bool]) -> None:
        await poller.wait_idle(lost, HANDOVER_TIMEOUT)

    membership.start(loop, poller.reconcile, handover)
    try:
        await poller.run(stop)
    finally:
        await asyncio.to_thread(membership.stop)


def run_ingest(settings: Settings) -> None:
    """Check the broker, sync the feed list, then poll until stopped."""
    check_broker(settings.bootstrap)
    store = open_store(settings)
    load_feeds(settings, store)
    index = open_backend(settings)
    producer = make_producer(settings.bootstrap)
    try:
        poller = Poller(settings, store, index, producer)
        asyncio.run(_serve(poller, Membership(settings, poller.name)))
    finally:
        producer.close(timeout=10)
        index.close()
        store.close()
        log.info("poller stopped")
