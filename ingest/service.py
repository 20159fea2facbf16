"""The ingest service: `wirewatch ingest` runs one poller process until SIGTERM.

The poller joins the pollers' consumer group for its share of the feeds and, when WebSub is
enabled (`WIREWATCH_WEBSUB_PUBLIC_URL`), serves the WebSub callback with uvicorn in the same
event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator

import uvicorn

from ingest.membership import HANDOVER_TIMEOUT, Membership
from ingest.poller import Poller, load_feeds, open_store
from ingest.websub import Subscriber, callback_app
from search.backends import open_backend
from wirewatch import heartbeat
from wirewatch.kafka import check_broker, make_producer
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.ingest")


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside the ingest process, which handles its own signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _serve(poller: Poller, membership: Membership, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    poller.owns = membership.owns

    async def handover(lost: Callable[[str], bool]) -> None:
        await poller.wait_idle(lost, HANDOVER_TIMEOUT)

    background: list[asyncio.Task[None]] = []
    beating = None
    if settings.heartbeat_file is not None:
        beating = loop.create_task(heartbeat.beat(settings.heartbeat_file, settings.heartbeat_interval))
    server: _EmbeddedServer | None = None
    if settings.websub_public_url:
        subscriber = Subscriber(
            poller.store,
            poller.fetcher,
            settings.websub_public_url,
            settings.websub_lease,
            poller,
            settings.max_feed_bytes,
        )
        poller.websub = subscriber
        config = uvicorn.Config(
            callback_app(subscriber),
            host=settings.websub_host,
            port=settings.websub_port,
            log_level="warning",
            lifespan="off",
        )
        server = _EmbeddedServer(config)
        background += [loop.create_task(server.serve()), loop.create_task(subscriber.run(stop))]
        log.info(
            "WebSub callback on %s:%d as %s",
            settings.websub_host,
            settings.websub_port,
            settings.websub_public_url,
        )
    membership.start(loop, poller.reconcile, handover)
    try:
        await poller.run(stop)
    finally:
        stop.set()
        if server is not None:
            server.should_exit = True
        if beating is not None:
            beating.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await asyncio.to_thread(membership.stop)


def run_ingest(settings: Settings) -> None:
    """Check the broker, sync the feed list, then poll until stopped."""
    check_broker(settings.bootstrap)
    settings.announce(log)
    store = open_store(settings)
    load_feeds(settings, store)
    index = open_backend(settings)
    producer = make_producer(settings.bootstrap)
    try:
        poller = Poller(settings, store, index, producer)
        asyncio.run(_serve(poller, Membership(settings, poller.name), settings))
    finally:
        producer.close(timeout=10)
        index.close()
        store.close()
        log.info("poller stopped")
