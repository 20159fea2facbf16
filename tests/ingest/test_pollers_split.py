"""Two poller processes on one broker split the feeds without double polling; one dies, one takes over."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import pytest

from ingest.state import FeedStore
from tests.conftest import Processes, settings_for, wait_for
from tests.feeds import WIRE_ITEMS, feed
from tests.servers import FeedServer, Response

pytestmark = pytest.mark.integration
FEEDS = 16


def polls_since(store: FeedStore, since: float) -> dict[str, list[str]]:
    """feed id -> the poller of each poll of it since `since`."""
    seen: dict[str, list[str]] = {}
    for registered in store.list():
        for row in store.history(registered, 100):
            if row.at >= since and row.via == "poll":
                seen.setdefault(registered.id, []).append(row.poller or "?")
    return seen


def pollers_since(store: FeedStore, since: float) -> dict[str, set[str]]:
    """feed id -> the pollers that polled it since `since`."""
    return {feed_id: set(pollers) for feed_id, pollers in polls_since(store, since).items()}


def test_two_pollers_split_the_feeds_and_take_over(
    env: dict[str, str], procs: Processes, feed_server: FeedServer
) -> None:
    paths = [f"/feed{n}.xml" for n in range(FEEDS)]
    for path in paths:
        feed_server.routes[path] = Response(feed(WIRE_ITEMS[:1]))
    lines = ["feeds:"] + [f"  - url: {feed_server.url(p)}\n    interval: 10" for p in paths]
    Path(env["WIREWATCH_FEEDS"]).write_text("\n".join(lines) + "\n")
    env = env | {"WIREWATCH_POLLER_PARTITIONS": "8"}
    first = procs.start("ingest-a", "ingest", env=env)
    second = procs.start("ingest-b", "ingest", env=env)
    names = {f"{socket.gethostname()}:{p.pid}" for p in (first, second)}

    def split() -> bool:
        text = procs.log_text("ingest-a") + procs.log_text("ingest-b")
        return sum("owns 4 of 8 feed partitions" in line for line in text.splitlines()) >= 2

    wait_for(split, 60, "both pollers to own half of the partitions")
    since = time.time()
    store = FeedStore(settings_for(env).feeds_db)

    # Twice, so that a feed both pollers own would show. Waited for, not slept: the delay after a
    # feed's first poll of a run is jittered by half (5-15 s for a 10 s interval), later ones by 10%.
    def polled_twice() -> bool:
        polls = polls_since(store, since)
        return len(polls) == FEEDS and all(len(p) >= 2 for p in polls.values())

    wait_for(polled_twice, 45, "every feed to be polled twice after the split")
    seen = pollers_since(store, since)
    assert all(len(p) == 1 for p in seen.values()), seen
    assert {next(iter(p)) for p in seen.values()} == names  # both pollers have feeds

    first.send_signal(signal.SIGKILL)  # no goodbye: the group notices after the session timeout
    first.wait(10)
    killed = time.time()
    survivor = f"{socket.gethostname()}:{second.pid}"
    wait_for(
        lambda: "owns 8 of 8 feed partitions" in procs.log_text("ingest-b"),
        40,
        "the survivor to take every partition",
    )
    wait_for(
        lambda: (
            len(pollers_since(store, killed)) == FEEDS
            and all(survivor in p for p in pollers_since(store, killed).values())
        ),
        40,
        "the survivor to poll every feed",
    )
    store.close()
