"""The poller's own guarantees on real parts: moves, backoff, pausing, re-emission after a restart.

A poller lives in one event loop (as in `wirewatch ingest`), so each test runs one coroutine.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from ingest.feedlist import FeedSpec
from ingest.outcomes import PollStatus
from tests.feeds import WIRE_ITEMS, feed, item
from tests.ingest.conftest import read_topic
from tests.servers import FeedServer, Response
from wirewatch import topics
from wirewatch.schema import Article

pytestmark = pytest.mark.integration


def only_feed(poller):
    return poller.store.list()[0]


def test_a_moved_feed_is_polled_at_its_new_url(feed_server: FeedServer, make_poller) -> None:
    feed_server.routes["/old.xml"] = Response(b"", 301, {"Location": "/new.xml"})
    feed_server.routes["/new.xml"] = Response(feed(WIRE_ITEMS))
    poller = make_poller()
    poller.store.sync_file([FeedSpec(url=feed_server.url("/old.xml"))])
    first = only_feed(poller)

    async def scenario() -> None:
        assert (await poller.poll(first)).status is PollStatus.OK
        moved = only_feed(poller)
        assert (moved.id, moved.url) == (first.id, feed_server.url("/new.xml"))
        assert (await poller.poll(moved)).status is PollStatus.NOT_MODIFIED

    asyncio.run(scenario())
    assert len(feed_server.hits("/old.xml")) == 1 and len(feed_server.hits("/new.xml")) == 2
    assert [h.status for h in poller.store.history(only_feed(poller))] == ["not_modified", "ok"]


def test_rate_limits_and_errors_back_off(feed_server: FeedServer, make_poller) -> None:
    feed_server.routes["/busy.xml"] = Response(b"", 429, {"Retry-After": "900"})
    feed_server.routes["/down.xml"] = Response(b"", 500)
    poller = make_poller()
    poller.store.sync_file([FeedSpec(url=feed_server.url(p)) for p in ("/busy.xml", "/down.xml")])
    busy, down = sorted(poller.store.list(), key=lambda f: f.url)

    async def scenario() -> list[float]:
        await poller.poll(busy)
        delays = []
        for _ in range(3):
            before = time.time()
            await poller.poll(poller.store.get(down.id))
            delays.append(poller.store.get(down.id).next_poll - before)
        return delays

    delays = asyncio.run(scenario())
    assert poller.store.get(busy.id).next_poll >= time.time() + 890  # type: ignore[union-attr]
    # 300 s default interval, doubled per failure, times a jitter in [0.5, 1]
    assert 150 <= delays[0] <= 300 and 300 <= delays[1] <= 600 and 600 <= delays[2] <= 1200
    assert poller.store.get(down.id).consecutive_failures == 3  # type: ignore[union-attr]


def test_gone_feeds_are_paused(feed_server: FeedServer, make_poller) -> None:
    feed_server.routes["/gone.xml"] = Response(b"", 410)
    poller = make_poller()
    poller.store.sync_file([FeedSpec(url=feed_server.url("/gone.xml"))])
    asyncio.run(poller.poll(only_feed(poller)))
    gone = only_feed(poller)
    assert not gone.active and gone.last_status == "gone"
    assert gone.inactive_reason and gone.inactive_reason.startswith("gone: HTTP 410 Gone")


def test_the_interval_follows_the_feed_dates(feed_server: FeedServer, make_poller) -> None:
    hourly = [item(f"h{n}", f"Hour {n}", "Text.", minutes_ago=60 * n) for n in range(12)]  # 24 a day
    feed_server.routes["/hourly.xml"] = Response(feed(hourly))
    poller = make_poller()
    poller.store.sync_file([FeedSpec(url=feed_server.url("/hourly.xml"))])

    async def planned_after_a_poll() -> float:
        now = datetime.now(UTC).timestamp()
        await poller.poll(only_feed(poller))
        return only_feed(poller).next_poll - now

    async def two_polls() -> tuple[float, float]:  # one event loop: the client keeps its connections
        return await planned_after_a_poll(), await planned_after_a_poll()

    first, second = asyncio.run(two_polls())
    assert 1_800 * 0.49 <= first <= 1_800 * 1.51  # half the one-hour gap; a run's first delay ±50%
    assert 1_800 * 0.89 <= second <= 1_800 * 1.11  # then ±10%


def test_unconfirmed_items_are_produced_again_after_a_restart(
    feed_server: FeedServer, make_poller, ingest_settings
) -> None:
    """The embedded broker forgets on restart: items the index never confirmed are emitted again."""
    feed_server.routes["/f.xml"] = Response(feed(WIRE_ITEMS))
    before = make_poller()
    before.store.sync_file([FeedSpec(url=feed_server.url("/f.xml"))])

    async def first_run() -> None:
        assert (await before.poll(only_feed(before))).items == len(WIRE_ITEMS)
        # Same run, not yet indexed: the next poll is conditional and produces nothing twice.
        assert (await before.poll(only_feed(before))).status is PollStatus.NOT_MODIFIED

    asyncio.run(first_run())
    after = make_poller()  # a restarted poller (new run id); nothing reached the index
    outcome = asyncio.run(after.poll(only_feed(after)))
    assert outcome.items == len(WIRE_ITEMS)
    assert "If-None-Match" not in feed_server.hits("/f.xml")[-1].headers
    produced = read_topic(ingest_settings.bootstrap, topics.RAW)
    assert len(produced) == 2 * len(WIRE_ITEMS)

    # Once the index has them, they are confirmed and never produced again.
    after.index.index([Article.model_validate(a) for a in produced[: len(WIRE_ITEMS)]])
    third = make_poller()
    assert asyncio.run(third.poll(only_feed(third))).items == 0
    assert third.store.pending(only_feed(third)) == []
