"""Subscription routes: list, create, read, edit (rename, mute), delete, and test-send."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpcore
from anyio.from_thread import run as run_async
from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from ingest.fetch import address_policy
from ingest.netguard import resolve
from stream.alerts.deliver import Sender, send_samples
from stream.alerts.subscriptions import DIGEST, REALTIME, Filters, Subscription, edit, new_subscription
from stream.alerts.targets import redact
from wirewatch.api.models import (
    FiltersBody,
    SubscriptionCreate,
    SubscriptionList,
    SubscriptionOut,
    SubscriptionPatch,
    TestResults,
)
from wirewatch.api.security import Read, Write
from wirewatch.api.state import Api
from wirewatch.errors import UsageError
from wirewatch.settings import Settings

router = APIRouter(prefix="/api/subscriptions", tags=["subscriptions"])


def out(sub: Subscription) -> dict[str, Any]:
    """A subscription as the API shows it: secrets in targets redacted, times in ISO 8601."""
    return sub.to_dict() | {
        "targets": [redact(t) for t in sub.targets],
        "created": datetime.fromtimestamp(sub.created, UTC),
        "updated": datetime.fromtimestamp(sub.updated, UTC),
    }


def _filters(body: FiltersBody | None) -> Filters:
    if body is None:
        return Filters()
    return Filters(
        sources=tuple(body.sources),
        languages=tuple(body.languages),
        topics=tuple(body.topics),
        entities=tuple(body.entities),
    )


async def guard_targets(settings: Settings, targets: Iterable[str]) -> None:
    """Refuse a target whose host resolves to an address the feed SSRF guard forbids, so that no
    API call can make the server POST to an internal service unless the settings allow it."""
    policy = address_policy(settings)
    for target in targets:
        parts = urlsplit(target)
        try:
            host, port = parts.hostname, parts.port or 443
        except ValueError:
            continue  # a bad port: validation of the target reports it
        if not host:
            continue  # console, or a channel addressed by tokens alone
        try:
            addresses = await resolve(host, port)
        except httpcore.ConnectError:
            continue  # an apprise token or an unknown host: nothing to reach
        for ip in addresses:
            refusal = policy.refusal(ip)
            if refusal:
                raise UsageError(f"target {redact(target)}: {refusal}")


@router.get("", response_model=SubscriptionList, dependencies=[Read])
def list_subscriptions(api: Api) -> dict[str, Any]:
    """Every subscription, by name."""
    return {"subscriptions": [out(s) for s in api.subscriptions.list()]}


@router.post("", response_model=SubscriptionOut, status_code=201, dependencies=[Write])
def create_subscription(api: Api, body: SubscriptionCreate) -> dict[str, Any]:
    """Save a subscription; a running pipeline starts matching it within seconds."""
    if body.tz and not body.digest:
        raise UsageError("tz sets the time zone of a digest schedule; give digest too")
    run_async(guard_targets, api.settings, body.targets)
    sub = new_subscription(
        body.name,
        body.query,
        body.targets,
        filters=_filters(body.filters),
        digest=body.digest,
        tz=body.tz or "UTC",
        dedup=body.dedup,
    )
    if body.muted:
        sub = replace(sub, muted=True)
    return out(api.subscriptions.create(sub))


@router.get("/{name}", response_model=SubscriptionOut, dependencies=[Read])
def get_subscription(api: Api, name: str) -> dict[str, Any]:
    """One subscription."""
    return out(api.subscriptions.get(name))


@router.patch("/{name}", response_model=SubscriptionOut, dependencies=[Write])
def edit_subscription(api: Api, name: str, body: SubscriptionPatch) -> dict[str, Any]:
    """Change any field (`name` renames; `digest: null` switches to realtime); the rest stays."""
    given = body.model_fields_set
    changes: dict[str, Any] = {}
    for field in ("name", "query", "tz", "dedup", "muted"):
        if field in given and getattr(body, field) is not None:
            changes[field] = getattr(body, field)
    if "targets" in given and body.targets is not None:
        run_async(guard_targets, api.settings, body.targets)
        changes["targets"] = tuple(body.targets)
    if "filters" in given:
        changes["filters"] = _filters(body.filters)
    if "digest" in given:
        changes |= {"mode": DIGEST if body.digest else REALTIME, "schedule": body.digest}
    return out(edit(api.subscriptions, name, **changes))


@router.delete("/{name}", status_code=204, response_class=Response, dependencies=[Write])
def delete_subscription(api: Api, name: str) -> Response:
    """Delete a subscription (its past alerts are kept)."""
    api.subscriptions.delete(name)
    return Response(status_code=204)


@router.post("/{name}/test", response_model=TestResults, dependencies=[Write])
async def test_subscription(api: Api, name: str) -> dict[str, Any]:
    """Send a sample alert to every target of the subscription now; report each outcome."""
    sub = await run_in_threadpool(api.subscriptions.get, name)
    await guard_targets(api.settings, sub.targets)  # it may have been saved by the CLI
    client = Sender.from_settings(api.settings)
    try:
        results = await send_samples(client, sub)
    finally:
        await client.aclose()
    return {"results": [{"target": t, "ok": e is None, "error": e} for t, e in results]}
