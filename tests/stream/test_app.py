"""The stream app's Kafka consumers: how long a fetch may wait for new records."""

from __future__ import annotations

import asyncio

from stream.app import StreamApp


def test_consumers_use_the_configured_fetch_wait() -> None:
    """Faust hard-codes a 1.5 s wait; on Tansu that wait showed up on every hop of an alert."""

    async def built_wait() -> int:
        app = StreamApp("wait-check", fetch_wait_ms=123, broker="kafka://127.0.0.1:1", web_enabled=False)
        consumer = app.consumer._thread._create_worker_consumer(app.transport)
        try:
            return int(consumer._fetch_max_wait_ms)
        finally:
            await consumer.stop()

    assert asyncio.run(built_wait()) == 123
