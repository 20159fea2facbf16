"""WebSub end to end: a poller process subscribes at a real loopback hub, receives signed pushes,
ignores forged ones, renews its lease, and keeps polling slowly as a fallback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.state import FeedStore
from ingest.websub import signature_ok
from tests.conftest import Processes, free_port, settings_for, wait_for
from tests.feeds import WIRE_ITEMS, feed
from tests.ingest.conftest import read_topic
from tests.ingest.websub_hub import WebSubHub
from tests.servers import FeedServer, Response
from wirewatch import topics
from wirewatch.schema import article_id

pytestmark = pytest.mark.integration


def with_hub(document: bytes, hub: str, self_url: str) -> bytes:
    links = f'<atom:link rel="hub" href="{hub}"/><atom:link rel="self" href="{self_url}"/>'
    return document.replace(
        b'<rss version="2.0"', b'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
    ).replace(b"<channel>", b"<channel>" + links.encode(), 1)


def test_signature_check() -> None:
    import hashlib
    import hmac

    good = "sha1=" + hmac.new(b"k", b"body", hashlib.sha1).hexdigest()
    assert signature_ok("k", b"body", good)
    assert not signature_ok("k", b"body!", good)
    assert not signature_ok("other", b"body", good)
    assert not signature_ok("k", b"body", None)
    assert not signature_ok("k", b"body", "md5=abc")


def test_subscribe_push_renew(env: dict[str, str], procs: Processes, feed_server: FeedServer) -> None:
    hub = WebSubHub()
    try:
        port = free_port()
        topic = feed_server.url("/wire.xml")
        feed_server.routes["/wire.xml"] = Response(with_hub(feed(WIRE_ITEMS[:2]), hub.url("/"), topic))
        Path(env["WIREWATCH_FEEDS"]).write_text(f"feeds:\n  - url: {topic}\n")
        env = env | {
            "WIREWATCH_WEBSUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "WIREWATCH_WEBSUB_PORT": str(port),
            "WIREWATCH_WEBSUB_LEASE": "4",
            "WIREWATCH_WEBSUB_FALLBACK_INTERVAL": "600",
        }
        procs.start("ingest", "ingest", env=env)
        wait_for(lambda: hub.active(topic), 40, "the poller's subscription to be verified by the hub")
        first = hub.requests[0]
        assert first["hub.mode"] == "subscribe" and first["hub.topic"] == topic
        assert first["hub.callback"].startswith(f"http://127.0.0.1:{port}/websub/")
        assert len(first["hub.secret"]) == 64 and first["hub.lease_seconds"] == "4"
        store = FeedStore(settings_for(env).feeds_db)
        subscribed = wait_for(
            lambda: (f := store.get(topic)) and f.websub_state == "active" and f, 10, "active"
        )

        # A push with new content becomes an article at once, without waiting for a poll.
        pushed_items = WIRE_ITEMS[2:4]
        assert hub.publish(topic, feed(pushed_items)) == [202]
        wanted = {article_id(i.url, "") for i in pushed_items}
        produced = lambda: {a["id"] for a in read_topic(env["WIREWATCH_KAFKA_BOOTSTRAP"], topics.RAW)}  # noqa: E731
        wait_for(lambda: wanted <= produced(), 20, "pushed items to be produced")

        # A forged push (wrong HMAC) is acknowledged but ignored.
        forged = WIRE_ITEMS[4:]
        assert hub.publish(topic, feed(forged), forge=True) == [202]
        wait_for(
            lambda: any(r.status == "bad_signature" for r in store.history(subscribed)), 10, "the forged push"
        )
        assert article_id(forged[0].url, "") not in produced()

        # The 4 s lease is renewed before it ends, with the same callback and secret.
        wait_for(lambda: len([r for r in hub.requests if r["hub.mode"] == "subscribe"]) >= 2, 15, "a renewal")
        renewal = [r for r in hub.requests if r["hub.mode"] == "subscribe"][1]
        assert (renewal["hub.callback"], renewal["hub.secret"]) == (
            first["hub.callback"],
            first["hub.secret"],
        )
        assert all(status == 200 and echoed for _mode, status, echoed in hub.verifications)

        # Polling goes on as a slow fallback; the history shows polls and pushes.
        now = store.get(topic)
        assert now is not None and now.next_poll and now.next_poll - time.time() > 400
        vias = {(r.via, r.status) for r in store.history(now)}
        assert {("poll", "ok"), ("push", "ok"), ("push", "bad_signature")} <= vias

        # Removing the feed cancels its subscription (the hub verifies the unsubscription too).
        store.remove(topic)
        wait_for(lambda: not hub.active(topic), 15, "the subscription to be cancelled")
        assert hub.requests[-1]["hub.mode"] == "unsubscribe"
        wait_for(lambda: store.get(topic).websub_state is None, 10, "the subscription state to be cleared")  # type: ignore[union-attr]
        store.close()
    finally:
        hub.close()
