"""Subscriptions and alerts: `wirewatch subscribe`, `unsubscribe`, `subscriptions ...`, `alerts ...`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from wirewatch.cli.common import JsonFlag, cli_settings
from wirewatch.cli.output import ago, console, json_line

subscriptions_app = typer.Typer(help="Inspect keyword subscriptions.", no_args_is_help=True)
alerts_app = typer.Typer(help="Inspect alerts that were raised.", no_args_is_help=True)


def _alerts_db() -> Any:
    from stream.alerts.store import AlertsDb

    return AlertsDb(cli_settings().alerts_db)


def subscribe(
    name: str,
    query: str,
    webhook: Annotated[list[str] | None, typer.Option(help="POST alerts as JSON to this URL.")] = None,
    target: Annotated[list[str] | None, typer.Option(help="Delivery target ('console' or a URL).")] = None,
) -> None:
    """Save a keyword subscription; matching articles raise alerts (console when no target)."""
    from stream.alerts.store import SubscriptionStore

    targets = [*(webhook or []), *(target or [])] or ["console"]
    sub = SubscriptionStore(_alerts_db()).create(name, query, targets)
    console.print(f"subscribed {sub.name!r}: {sub.query} -> {', '.join(sub.targets)}", markup=False)


def unsubscribe(name: str) -> None:
    """Delete a subscription (its past alerts are kept)."""
    from stream.alerts.store import SubscriptionStore

    SubscriptionStore(_alerts_db()).delete(name)
    console.print(f"unsubscribed {name!r}", markup=False)


@subscriptions_app.command("list")
def subscriptions_list(as_json: JsonFlag = False) -> None:
    """Every subscription with its query and targets."""
    from stream.alerts.store import SubscriptionStore

    for sub in SubscriptionStore(_alerts_db()).list():
        if as_json:
            json_line(sub.to_dict())
        else:
            muted = " (muted)" if sub.muted else ""
            console.print(f"{sub.name}{muted}: {sub.query} -> {', '.join(sub.targets)}", markup=False)


@alerts_app.command("list")
def alerts_list(
    as_json: JsonFlag = False,
    failed: Annotated[bool, typer.Option(help="Only alerts with a failed delivery.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
) -> None:
    """Recent alerts, newest first, with their delivery state."""
    from stream.alerts.store import AlertStore

    for alert in AlertStore(_alerts_db()).recent(limit, failed_only=failed):
        if as_json:
            json_line(
                {
                    "id": alert.id,
                    "subscription": alert.subscription_name,
                    "created": alert.created,
                    "status": alert.status,
                    "deliveries": alert.deliveries,
                    "article": alert.payload["article"],
                    "highlight": alert.payload.get("highlight"),
                }
            )
        else:
            art = alert.payload["article"]
            console.print(
                f"{ago(alert.created):>8}  [{alert.subscription_name}] {alert.status:<7} "
                f"{art['title']} — {art['source']}",
                markup=False,
            )


def register(app: typer.Typer) -> None:
    """Add the subscription and alert commands to the main app."""
    app.command()(subscribe)
    app.command()(unsubscribe)
    app.add_typer(subscriptions_app, name="subscriptions")
    app.add_typer(alerts_app, name="alerts")
