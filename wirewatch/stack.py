"""`wirewatch run`: the whole pipeline on this machine as supervised child processes.

Order: broker (embedded Tansu unless a bootstrap is configured) -> topics -> search index ->
feed list -> stream worker -> poller -> HTTP API (unless WIREWATCH_API_ENABLED=false). Any
problem before the children start is one clear error line; afterwards the supervisor relays
their logs until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import yaml

from ingest.poller import load_feeds
from ingest.state import FeedStore
from search.backends import open_backend
from stream.alerts.db import AlertsDb
from stream.alerts.subscriptions import new_subscription, open_subscriptions
from stream.alerts.targets import CONSOLE
from wirewatch.broker import broker_argv, ensure_port_free, wait_for_port
from wirewatch.demo.server import DEMO_QUERY, DEMO_SUBSCRIPTION, DemoFeedServer
from wirewatch.errors import UnreachableError
from wirewatch.kafka import check_broker, ensure_topics
from wirewatch.settings import Settings, load_settings
from wirewatch.supervisor import Supervisor

SELF = [sys.executable, "-m", "wirewatch"]
log = logging.getLogger("wirewatch")


def prepare_demo(settings: Settings, server: DemoFeedServer) -> Path:
    """Write the demo feed list and make sure the demo subscription exists."""
    feed_file = settings.data_dir / "demo-feeds.yaml"
    feed_file.write_text(yaml.safe_dump({"feeds": server.feed_list()}, allow_unicode=True), encoding="utf-8")
    db = AlertsDb(settings.alerts_db)
    try:
        subs = open_subscriptions(settings, db)
        if not any(s.name == DEMO_SUBSCRIPTION for s in subs.list()):
            subs.create(new_subscription(DEMO_SUBSCRIPTION, DEMO_QUERY, [CONSOLE]))
    finally:
        db.close()
    return feed_file


def run_stack(settings: Settings, *, demo: bool = False) -> int:
    """Start everything, relay logs, stop everything; returns the process exit code."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sup = Supervisor()
    sup.install_signal_handlers()
    child_env: dict[str, str] = {}
    server: DemoFeedServer | None = None
    try:
        if settings.embedded_broker:
            ensure_port_free(settings.broker_port, what="the local broker (WIREWATCH_BROKER_PORT)")
            sup.start("broker", broker_argv(settings.broker_port), {"RUST_LOG": "warn"}, critical=True)
            wait_for_port(settings.broker_port)
        check_broker(settings.bootstrap)
        ensure_topics(settings)
        index = open_backend(settings)
        health = index.health()
        index.close()
        if not health.ok:
            raise UnreachableError(f"search index unavailable: {health.detail}")
        if demo:
            server = DemoFeedServer().start()
            feed_file = prepare_demo(settings, server)
            child_env |= {"WIREWATCH_FEEDS": str(feed_file), "WIREWATCH_ALLOW_PRIVATE_NETWORKS": "1"}
            settings = load_settings(feeds=feed_file)
        store = FeedStore(settings.feeds_db)
        load_feeds(settings, store)  # a broken feed list fails here, before any child starts
        feeds = len(store.list(active_only=True))
        store.close()
        if settings.api_enabled:
            ensure_port_free(settings.api_port, settings.api_host, what="the HTTP API (WIREWATCH_API_PORT)")
        settings.announce(log)  # after the checks, so a failed start stays one line
        sup.start("stream", [*SELF, "stream"], child_env)
        sup.start("ingest", [*SELF, "ingest"], child_env)
        if settings.api_enabled:
            sup.start("api", [*SELF, "api"], child_env)
        broker = "embedded Tansu" if settings.embedded_broker else "external"
        sup.say(
            "wirewatch", f"broker {settings.bootstrap} ({broker}) · index {health.detail} · {feeds} feeds"
        )
        if demo:
            sup.say(
                "wirewatch", f"demo: subscription {DEMO_QUERY!r} prints alerts here as [stream] ALERT lines"
            )
        if settings.api_enabled:
            sup.say("wirewatch", f"web console and API on http://{settings.api_host}:{settings.api_port}/")
        sup.say("wirewatch", "running; Ctrl-C stops everything")
        return sup.watch()
    finally:
        sup.stop()
        if server is not None:
            server.stop()
