"""Subscriptions and alerts: `wirewatch subscribe`, `unsubscribe`, `subscriptions ...`, `alerts ...`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wirewatch.cli.common import JsonFlag, cli_settings
from wirewatch.cli.output import ago, console, json_line, marked
from wirewatch.errors import UsageError

if TYPE_CHECKING:
    from stream.alerts.store import AlertRecord, AlertStore
    from stream.alerts.subscriptions import Filters, Subscription, SubscriptionStore

subscriptions_app = typer.Typer(help="Manage keyword subscriptions.", no_args_is_help=True)
alerts_app = typer.Typer(help="Inspect, follow and test alerts.", no_args_is_help=True)

Targets = Annotated[
    list[str] | None,
    typer.Option(
        "--target", help="Where alerts go: 'console', a webhook URL or an apprise URL (repeatable)."
    ),
]
Webhooks = Annotated[
    list[str] | None, typer.Option("--webhook", help="POST signed alert JSON to this URL (repeatable).")
]
Digest = Annotated[
    str | None, typer.Option(help="Send one digest per period instead of each alert: hourly or daily@08:00.")
]
Tz = Annotated[str | None, typer.Option("--tz", help="Time zone of the digest schedule, e.g. Europe/Kyiv.")]
Sources = Annotated[list[str] | None, typer.Option("--source", help="Only articles from this source.")]
Languages = Annotated[list[str] | None, typer.Option("--lang", help="Only articles in this language.")]
Topics = Annotated[list[str] | None, typer.Option("--topic", help="Only articles with this topic.")]
Entities = Annotated[list[str] | None, typer.Option("--entity", help="Only articles naming this entity.")]


@contextmanager
def _stores() -> Iterator[tuple[SubscriptionStore, AlertStore]]:
    from stream.alerts.db import AlertsDb
    from stream.alerts.store import AlertStore
    from stream.alerts.subscriptions import open_subscriptions

    settings = cli_settings()
    db = AlertsDb(settings.alerts_db)
    subscriptions = open_subscriptions(settings, db)
    try:
        yield subscriptions, AlertStore(db)
    finally:
        subscriptions.close()
        db.close()


def _filters(
    sources: list[str] | None,
    languages: list[str] | None,
    topics: list[str] | None,
    entities: list[str] | None,
) -> Filters:
    from stream.alerts.subscriptions import Filters

    return Filters(tuple(sources or ()), tuple(languages or ()), tuple(topics or ()), tuple(entities or ()))


def _describe(sub: Subscription) -> str:
    from stream.alerts.targets import redact

    mode = f"digest {sub.schedule} {sub.tz}" if sub.mode == "digest" else "realtime"
    flags = [mode] + (["no dedup"] if not sub.dedup else []) + (["muted"] if sub.muted else [])
    filters = "".join(f" {k}={','.join(v)}" for k, v in sub.filters.to_dict().items())
    targets = ", ".join(redact(t) for t in sub.targets)
    return f"{sub.name}: {sub.query}{filters} -> {targets} ({', '.join(flags)})"


def _sub_json(sub: Subscription) -> dict[str, Any]:
    from stream.alerts.targets import redact

    return sub.to_dict() | {"targets": [redact(t) for t in sub.targets]}


def subscribe(
    name: str,
    query: str,
    target: Targets = None,
    webhook: Webhooks = None,
    digest: Digest = None,
    tz: Tz = None,
    backfill: Annotated[
        str | None, typer.Option(help="Also alert on what already matches, published within e.g. 24h.")
    ] = None,
    no_dedup: Annotated[
        bool, typer.Option("--no-dedup", help="Alert on every matching article, not once per story.")
    ] = False,
    source: Sources = None,
    lang: Languages = None,
    topic: Topics = None,
    entity: Entities = None,
) -> None:
    """Save a keyword subscription; matching articles raise alerts (to the console when no target)."""
    from stream.alerts.subscriptions import new_subscription
    from wirewatch.durations import parse_duration

    try:
        window = parse_duration(backfill) if backfill else None
    except ValueError as exc:
        raise UsageError(f"--backfill: {exc}") from None
    if tz and not digest:
        raise UsageError("--tz sets the time zone of a --digest schedule; give --digest too")
    sub = new_subscription(
        name,
        query,
        [*(webhook or []), *(target or [])] or ["console"],
        filters=_filters(source, lang, topic, entity),
        digest=digest,
        tz=tz or "UTC",
        dedup=not no_dedup,
    )
    with _stores() as (subscriptions, alerts):
        subscriptions.create(sub)
        console.print(f"subscribed {_describe(sub)}", markup=False)
        if window is not None:
            _backfill(sub, alerts, window.total_seconds())


def _backfill(sub: Subscription, alerts: AlertStore, seconds: float) -> None:
    """Queue alerts for what already matches (a running pipeline delivers them) and list them."""
    from datetime import timedelta

    from search.backends import open_backend
    from search.backends.base import SearchFilters
    from stream.alerts.match import Match, alert_key, new_alert
    from wirewatch.schema import utcnow

    backend = open_backend(cli_settings(), readonly=True)
    node, now = sub.node(), utcnow()
    found, page = [], 1
    try:
        while True:
            result = backend.search(
                node, SearchFilters(since=timedelta(seconds=seconds)), sort="newest", page=page, size=100
            )
            found.extend(hit.article for hit in result.hits)
            if page * 100 >= result.total or not result.hits:
                break
            page += 1
    finally:
        backend.close()
    news = [
        new_alert(Match(alert_key(sub, a), sub, node), a, alerts.covered_by(a.story_id, a.id), now)
        for a in reversed(found)  # oldest first, so per-story dedup keeps each story's first article
    ]
    created = set(alerts.record(news))
    for alert in news:
        if alert.id in created:
            art = alert.payload["article"]
            console.print(f"backfill: {art['title']} — {art['source']} ({art['published']})", markup=False)
    console.print(f"backfill: {len(created)} alerts queued from {len(found)} matching articles", markup=False)


def unsubscribe(name: str) -> None:
    """Delete a subscription (its past alerts are kept)."""
    with _stores() as (subscriptions, _):
        subscriptions.delete(name)
    console.print(f"unsubscribed {name!r}", markup=False)


@subscriptions_app.command("list")
def subscriptions_list(as_json: JsonFlag = False) -> None:
    """Every subscription with its query, filters, targets and mode."""
    with _stores() as (subscriptions, _):
        for sub in subscriptions.list():
            if as_json:
                json_line(_sub_json(sub))
            else:
                console.print(_describe(sub), markup=False)


@subscriptions_app.command("show")
def subscriptions_show(name: str, as_json: JsonFlag = False) -> None:
    """One subscription in full."""
    with _stores() as (subscriptions, _):
        sub = subscriptions.get(name)
    if as_json:
        json_line(_sub_json(sub))
        return
    from datetime import UTC, datetime

    for key, value in _sub_json(sub).items():
        shown = datetime.fromtimestamp(value, UTC).isoformat() if key in {"created", "updated"} else value
        console.print(f"{key:<9} {shown}", markup=False)


@subscriptions_app.command("edit")
def subscriptions_edit(
    name: str,
    query: Annotated[str | None, typer.Option(help="New query.")] = None,
    rename: Annotated[str | None, typer.Option(help="New name.")] = None,
    target: Targets = None,
    webhook: Webhooks = None,
    digest: Digest = None,
    realtime: Annotated[bool, typer.Option("--realtime", help="Send each alert as it comes.")] = False,
    tz: Tz = None,
    dedup: Annotated[
        bool | None, typer.Option("--dedup/--no-dedup", help="One alert per story, or per article.")
    ] = None,
    source: Sources = None,
    lang: Languages = None,
    topic: Topics = None,
    entity: Entities = None,
    clear_filters: Annotated[
        bool, typer.Option(help="Remove every source/lang/topic/entity filter.")
    ] = False,
) -> None:
    """Change a subscription; a running pipeline applies it within seconds. Targets given replace all."""
    from stream.alerts.subscriptions import DIGEST, REALTIME, edit

    if digest and realtime:
        raise UsageError("--digest and --realtime exclude each other")
    changes: dict[str, Any] = {}
    if query is not None:
        changes["query"] = query
    if rename is not None:
        changes["name"] = rename
    if target or webhook:
        changes["targets"] = (*(webhook or []), *(target or []))
    if digest:
        changes |= {"mode": DIGEST, "schedule": digest}
    if realtime:
        changes |= {"mode": REALTIME, "schedule": None}
    if tz is not None:
        changes["tz"] = tz
    if dedup is not None:
        changes["dedup"] = dedup
    filters = _filters(source, lang, topic, entity)
    if clear_filters or filters.to_dict():
        changes["filters"] = filters
    if not changes:
        raise UsageError("nothing to change: give at least one option (see --help)")
    with _stores() as (subscriptions, _):
        sub = edit(subscriptions, name, **changes)
    console.print(f"updated {_describe(sub)}", markup=False)


def _set_muted(name: str, muted: bool) -> None:
    from stream.alerts.subscriptions import edit

    with _stores() as (subscriptions, _):
        sub = edit(subscriptions, name, muted=muted)
    console.print(f"{'muted' if muted else 'unmuted'} {sub.name!r}", markup=False)


@subscriptions_app.command("mute")
def subscriptions_mute(name: str) -> None:
    """Stop alerting for a subscription without deleting it."""
    _set_muted(name, True)


@subscriptions_app.command("unmute")
def subscriptions_unmute(name: str) -> None:
    """Resume alerting for a muted subscription."""
    _set_muted(name, False)


@subscriptions_app.command("delete")
def subscriptions_delete(name: str) -> None:
    """Delete a subscription (its past alerts are kept)."""
    unsubscribe(name)


def _alert_json(alert: AlertRecord) -> dict[str, Any]:
    return alert.to_dict()


def _alert_line(alert: AlertRecord) -> str:
    from stream.alerts.render import render

    failed = [d for d in alert.deliveries.values() if d["status"] == "failed"]
    reason = f"  ({failed[0]['last_error']})" if failed else ""
    return f"{ago(alert.created):>8}  {alert.status:<7} {render(alert.payload).title}{reason}"


@alerts_app.command("list")
def alerts_list(
    as_json: JsonFlag = False,
    failed: Annotated[
        bool, typer.Option("--failed", help="Only alerts whose delivery failed for good.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="How many, newest first.")] = 50,
) -> None:
    """Recent alerts, digests and summaries, newest first, with their delivery state."""
    with _stores() as (_, alerts):
        records = alerts.recent(limit, failed_only=failed)
    for alert in records:
        if as_json:
            json_line(_alert_json(alert))
        else:
            console.print(_alert_line(alert), markup=False)


@alerts_app.command("tail")
def alerts_tail(
    as_json: JsonFlag = False,
    last: Annotated[int, typer.Option(min=0, max=1000, help="First show this many recent alerts.")] = 0,
    count: Annotated[int | None, typer.Option(min=1, help="Stop after showing this many alerts.")] = None,
    every: Annotated[float, typer.Option(min=0.1, max=60, help="Seconds between checks.")] = 0.5,
) -> None:
    """Follow new alerts as they are raised (Ctrl-C stops)."""
    import sys

    shown = 0
    with _stores() as (_, alerts):
        recent = alerts.recent(last) if last else []
        seq = min(r.seq for r in recent) - 1 if recent else alerts.last_seq()
        print("following alerts (Ctrl-C stops)", file=sys.stderr, flush=True)
        while count is None or shown < count:
            for alert in alerts.after(seq):
                seq = alert.seq
                if as_json:
                    json_line(_alert_json(alert))
                else:
                    console.print(_alert_line(alert), markup=False)
                    if alert.payload.get("highlight"):
                        console.print("          " + marked(alert.payload["highlight"]))
                shown += 1
                if count is not None and shown >= count:
                    return
            time.sleep(every)


@alerts_app.command("test")
def alerts_test(name: str) -> None:
    """Send a sample alert to every target of a subscription now, and report each outcome."""
    import asyncio

    from stream.alerts.deliver import Sender, send_samples

    with _stores() as (subscriptions, _):
        sub = subscriptions.get(name)
    client = Sender.from_settings(cli_settings())

    async def send_all() -> list[tuple[str, str | None]]:
        try:
            return await send_samples(client, sub)
        finally:
            await client.aclose()

    results = asyncio.run(send_all())
    for target, error in results:
        console.print(f"{target}: {'sent' if error is None else 'FAILED: ' + error}", markup=False)
    if any(error for _, error in results):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the subscription and alert commands to the main app."""
    app.command()(subscribe)
    app.command()(unsubscribe)
    app.add_typer(subscriptions_app, name="subscriptions")
    app.add_typer(alerts_app, name="alerts")
