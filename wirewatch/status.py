"""The facts `wirewatch status` (and the API) report: broker, index, lag, alerts, feed health."""

from __future__ import annotations

from typing import Any

from ingest.registry import feed_health
from ingest.state import FeedStore
from search.backends import open_backend
from stream.alerts.db import AlertsDb
from stream.alerts.store import AlertStore
from wirewatch.cli.output import ago
from wirewatch.errors import WirewatchError
from wirewatch.kafka import check_broker, consumer_lag
from wirewatch.settings import Settings


def collect_status(settings: Settings) -> dict[str, Any]:
    """Everything worth knowing about a running (or stopped) pipeline; never raises."""
    out: dict[str, Any] = {}
    try:
        brokers = check_broker(settings.bootstrap, timeout=3.0)
        out["broker"] = {"ok": True, "bootstrap": settings.bootstrap, "brokers": brokers}
    except WirewatchError as exc:
        out["broker"] = {"ok": False, "bootstrap": settings.bootstrap, "error": str(exc)}
    try:
        out["lag"] = consumer_lag(settings.bootstrap) if out["broker"]["ok"] else None
    except WirewatchError:
        out["lag"] = None
    try:
        index = open_backend(settings, readonly=True)
        health = index.health()
        index.close()
        out["index"] = {"ok": health.ok, "detail": health.detail, "articles": health.articles}
    except WirewatchError as exc:
        out["index"] = {"ok": False, "detail": str(exc), "articles": None}
    out["alerts"] = _alert_counts(settings)
    out["feeds"] = feeds_status(settings)
    return out


def _alert_counts(settings: Settings) -> dict[str, int] | None:
    if not settings.alerts_db.exists():
        return None
    db = AlertsDb(settings.alerts_db)
    try:
        return AlertStore(db).counts()
    finally:
        db.close()


def feeds_status(settings: Settings) -> list[dict[str, Any]]:
    """Health of every registered feed."""
    if not settings.feeds_db.exists():
        return []
    store = FeedStore(settings.feeds_db)
    try:
        return [feed_health(f) for f in store.list()]
    finally:
        store.close()


def feed_line(f: dict[str, Any]) -> str:
    """One line of feed health for people."""
    if not f["active"]:
        state = f"inactive: {f['inactive_reason']}"
    elif f["status"] is None:
        state = "not polled yet"
    elif f["status"] in {"ok", "not_modified"}:
        state = f"ok, last success {ago(f['last_success'])}, {f['items_total']} items"
    else:
        state = f"{f['status']}: {f['last_error']} ({f['consecutive_failures']} failures in a row)"
    return f"{f['name'][:40]:<40}  {state}"


def status_lines(facts: dict[str, Any]) -> list[str]:
    """The status report for people, one fact per line."""
    broker, index, lag = facts["broker"], facts["index"], facts["lag"]
    alerts = facts["alerts"] or {}
    feeds = facts["feeds"]
    articles = f", {index['articles']} articles" if index["articles"] is not None else ""
    lag_text = "unknown" if lag is None else ", ".join(f"{t} {n}" for t, n in sorted(lag.items())) or "0"
    lines = [
        f"broker   {'ok' if broker['ok'] else 'DOWN'}  {broker.get('error') or broker['bootstrap']}",
        f"index    {'ok' if index['ok'] else 'DOWN'}  {index['detail']}{articles}",
        f"lag      {lag_text}",
        "alerts   {sent} sent, {pending} pending, {failed} failed".format(
            sent=alerts.get("sent", 0), pending=alerts.get("pending", 0), failed=alerts.get("failed", 0)
        ),
        f"feeds    {sum(f['active'] for f in feeds)} active of {len(feeds)}",
    ]
    return lines + ["  " + feed_line(f) for f in feeds]
