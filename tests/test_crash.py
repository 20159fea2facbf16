"""Crash safety: SIGKILL the stream worker mid-stream; nothing is lost, and the index holds each
article once. Delivery is at-least-once: a send in flight at the kill is repeated after the
restart, with the idempotency key (X-Wirewatch-Alert-Id) of its first delivery."""

from __future__ import annotations

import json
import signal

import pytest

from stream.alerts.db import AlertsDb
from stream.alerts.store import AlertStore
from tests.conftest import Processes, cli, settings_for, wait_for
from tests.feeds import distinct_story, feed, item
from tests.servers import FeedServer, Response, WebhookReceiver
from tests.test_pipeline import indexed_ids, write_feed_list
from wirewatch.schema import article_id

pytestmark = pytest.mark.integration

FEEDS = 4
PER_FEED = 250
ALERT_ID = "x-wirewatch-alert-id"  # the idempotency key receivers drop repeats by


def delivery_counts(env: dict[str, str]) -> dict[str, int]:
    """Deliveries per status in the worker's alerts.db."""
    db = AlertsDb(settings_for(env).alerts_db)
    try:
        return AlertStore(db).counts()
    finally:
        db.close()


def test_sigkill_mid_stream_loses_nothing_and_repeats_idempotently(
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
    # each alert is its own message with its own key.
    env["WIREWATCH_DELIVERY_RATE_LIMIT"] = "100000"
    # A send in flight at the kill stays leased (3 timeouts + 30 s) before the restarted worker
    # repeats it: keep that wait short.
    env["WIREWATCH_DELIVERY_TIMEOUT"] = "2"
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
    # Sent as the worker records it: every repeat of a send in flight at the kill is done by then.
    want = {"pending": 0, "sent": len(matching), "failed": 0}
    wait_for(lambda: delivery_counts(env) == want, 120, f"alerts.db to record {want} deliveries")

    keys: dict[str, set[str]] = {}  # alert (its article) -> idempotency keys it was delivered with
    with webhook.lock:
        received = [r for r in webhook.received if 200 <= r.status < 300]
    for request in received:
        headers = {k.lower(): v for k, v in request.headers.items()}
        payload = json.loads(request.body)
        assert headers[ALERT_ID] == payload["id"], "the idempotency key is not the alert's id"
        keys.setdefault(payload["article"]["id"], set()).add(headers[ALERT_ID])
    assert set(keys) == matching, "an alert was lost, or one no subscription matched was sent"
    assert all(len(k) == 1 for k in keys.values()), "a repeat carried a new idempotency key"
    assert len(set().union(*keys.values())) == len(matching), "two alerts shared an idempotency key"
    assert len(indexed_ids(env)) == len(expected)
    print(f"killed at {at_kill}/{len(expected)} indexed; {len(received) - len(matching)} repeats")
