"""Crash safety: SIGKILL the stream worker mid-stream; nothing is lost and nothing is repeated."""

from __future__ import annotations

import signal
import time

import pytest

from tests.conftest import Processes, cli, wait_for
from tests.feeds import distinct_story, feed, item
from tests.servers import FeedServer, Response, WebhookReceiver
from tests.test_pipeline import indexed_ids, write_feed_list
from wirewatch.schema import article_id

pytestmark = pytest.mark.integration

FEEDS = 4
PER_FEED = 250


def test_sigkill_mid_stream_loses_and_repeats_nothing(
    env: dict[str, str], procs: Processes, feed_server: FeedServer, webhook: WebhookReceiver
) -> None:
    items = {}
    for f in range(FEEDS):
        batch = []
        for n in range(PER_FEED):
            mention = "Patriot battery" if n % 10 == 0 else "budget talks"
            batch.append(
                item(f"f{f}-{n}", f"Story {f}-{n} on the {mention}", f"Report {n} about the {mention}. {distinct_story(f * 1000 + n)}",
                     minutes_ago=n % 600, site=f"https://outlet{f}.example")
            )  # fmt: skip
        items[f"/feed{f}.xml"] = batch
        feed_server.routes[f"/feed{f}.xml"] = Response(feed(batch, name=f"Outlet {f}", slug=f"o{f}"))
    write_feed_list(env, *(feed_server.url(path) for path in items))
    expected = {article_id(i.url, "") for batch in items.values() for i in batch}
    matching = {article_id(i.url, "") for batch in items.values() for i in batch if "Patriot" in i.title}
    assert len(expected) == FEEDS * PER_FEED and len(matching) == FEEDS * PER_FEED // 10
    # One receiver gets every alert here: lift the per-target rate limit (tested on its own), so
    # each alert is its own message and duplicates would show.
    env["WIREWATCH_DELIVERY_RATE_LIMIT"] = "100000"
    assert cli(env, "subscribe", "patriot", "Patriot", "--webhook", webhook.url("/hook")).returncode == 0
    assert cli(env, "setup").returncode == 0

    worker = procs.start("stream", "stream")
    procs.start("ingest", "ingest")
    wait_for(lambda: len(indexed_ids(env)) >= 150, 120, "the stream to be under way")
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    at_kill = len(indexed_ids(env))
    assert at_kill < len(expected), f"the worker finished ({at_kill}) before it could be killed mid-stream"

    procs.start("stream", "stream")
    wait_for(lambda: indexed_ids(env) == expected, 180, "every article to be indexed after the restart")
    wait_for(lambda: len(webhook.delivered()) >= len(matching), 60, "every alert to be delivered")
    time.sleep(3)  # anything duplicated would arrive now

    delivered = webhook.delivered()
    alert_ids = [a["id"] for a in delivered]
    assert len(alert_ids) == len(set(alert_ids)), "an alert was delivered twice"
    assert {a["article"]["id"] for a in delivered} == matching
    assert len(indexed_ids(env)) == len(expected)
    print(f"killed at {at_kill}/{len(expected)} indexed")
