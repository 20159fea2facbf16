"""End to end on real parts: feed server -> poller -> Tansu -> Faust worker -> SQLite -> webhook."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from search.backends.base import IndexNotMadeYet
from search.backends.sqlite import SqliteBackend
from tests.conftest import Processes, cli, settings_for, wait_for
from tests.feeds import ATOM_ITEMS, MATCHING_SLUGS, PATRIOT_QUERY, WIRE_ITEMS, feed
from tests.servers import FeedServer, Response, WebhookReceiver
from wirewatch.schema import article_id

pytestmark = pytest.mark.integration


def write_feed_list(env: dict[str, str], *urls: str, interval: int = 10) -> None:
    lines = ["feeds:"] + [f"  - url: {u}\n    interval: {interval}" for u in urls]
    Path(env["WIREWATCH_FEEDS"]).write_text("\n".join(lines) + "\n")


def indexed_ids(env: dict[str, str]) -> set[str]:
    path = settings_for(env).index_db
    if not path.exists():
        return set()
    try:
        backend = SqliteBackend(path, readonly=True)
    except IndexNotMadeYet:
        return set()  # the worker created the file but has not committed its schema yet
    try:
        return backend.matching_ids(None)
    finally:
        backend.close()


def test_feeds_become_searchable_and_alert_once(
    env: dict[str, str], procs: Processes, feed_server: FeedServer, webhook: WebhookReceiver
) -> None:
    feed_server.routes["/wire.xml"] = Response(
        feed(WIRE_ITEMS), headers={"Content-Type": "application/rss+xml"}
    )
    feed_server.routes["/atom.xml"] = Response(feed(ATOM_ITEMS, "atom", name="Atom Daily"))
    feed_server.routes["/broken.xml"] = Response(b"<html><body>this is not a feed</body></html>")
    feed_server.routes["/gone.xml"] = Response(b"gone", 404)
    write_feed_list(
        env,
        feed_server.url("/wire.xml"),
        feed_server.url("/atom.xml"),
        feed_server.url("/broken.xml"),
        feed_server.url("/gone.xml"),
    )
    created = cli(env, "subscribe", "air defense", PATRIOT_QUERY, "--webhook", webhook.url("/hook"))
    assert created.returncode == 0, created.stderr
    assert cli(env, "setup").returncode == 0

    procs.start("stream", "stream")
    procs.start("ingest", "ingest")

    expected = {article_id(i.url, "") for i in (*WIRE_ITEMS, *ATOM_ITEMS)}
    wait_for(lambda: indexed_ids(env) >= expected, 90, "all sample articles to be indexed")
    assert indexed_ids(env) == expected

    matching = {
        article_id(i.url, "") for i in (*WIRE_ITEMS, *ATOM_ITEMS) if i.url.rsplit("/", 1)[1] in MATCHING_SLUGS
    }
    wait_for(lambda: len(webhook.delivered()) >= len(matching), 60, "one webhook per matching article")

    # Searchable through the CLI, with highlights.
    found = cli(env, "search", '"air defense"', "--json")
    assert found.returncode == 0, found.stderr
    assert "<mark>air</mark> <mark>defense</mark>" in found.stdout

    # The unchanged feeds are polled again: 304s, nothing new produced, no duplicate alerts.
    polls_before = {path: len(feed_server.hits(path)) for path in ("/wire.xml", "/atom.xml")}
    wait_for(
        lambda: all(len(feed_server.hits(p)) > n for p, n in polls_before.items()),
        30,
        "a second poll of each feed",
    )
    for path in ("/wire.xml", "/atom.xml"):
        later = feed_server.hits(path)[polls_before[path] :]
        assert all(r.status == 304 and r.headers.get("If-None-Match") for r in later)
    time.sleep(2)
    delivered = webhook.delivered()
    assert sorted(a["article"]["id"] for a in delivered) == sorted(matching)
    assert len({a["id"] for a in delivered}) == len(delivered)
    assert all(r.headers.get("X-Wirewatch-Alert-Id") for r in webhook.received)

    # Bad feeds are reported, one line each, and did not stop the others.
    status = cli(env, "status")
    assert status.returncode == 0, status.stderr
    assert "not_a_feed: not an RSS/Atom/JSON feed" in status.stdout
    assert "http_error: HTTP 404" in status.stdout
    assert "alerts   4 sent, 0 pending, 0 failed" in status.stdout
