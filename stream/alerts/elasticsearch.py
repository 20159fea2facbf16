"""Subscriptions and alert records in Elasticsearch (production, WIREWATCH_ELASTICSEARCH_URL set).

`<prefix>-subscriptions` holds one document per subscription (id = subscription id), one
create-only "name claim" per name (so two concurrent creates of one name cannot both win), and
a revision document rewritten on every change: the matcher polls it with a realtime GET.
`<prefix>-alerts` holds the alert records Kibana reads, created with op_type=create: 409 means
"already exists" and counts as success. Each record names the worker that created it, so after
a rebalance only that worker queues its delivery (the queue itself stays in the worker's alerts.db).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import socket
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from elasticsearch.helpers import scan

from stream.alerts.store import NewAlert
from stream.alerts.subscriptions import Subscription
from stream.alerts.targets import redact
from wirewatch.elastic import elasticsearch_client
from wirewatch.errors import ConflictError, UnreachableError
from wirewatch.errors import NotFoundError as MissingError
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.alerts")

REVISION_ID = "revision"
SUBSCRIPTION_MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "doc": {"type": "keyword"},  # subscription | name | revision
        "name": {"type": "keyword"},
        "query": {"type": "text"},
        "mode": {"type": "keyword"},
        "muted": {"type": "boolean"},
        "updated": {"type": "date", "format": "epoch_second"},
    },
}
ALERTS_TEMPLATE_FILE = Path(__file__).with_name("template.json")


@cache
def _alerts_template() -> dict[str, Any]:
    return json.loads(ALERTS_TEMPLATE_FILE.read_text())


def alerts_template(prefix: str) -> dict[str, Any]:
    """The alerts index template (template.json, also read by the Kibana checks) for one prefix."""
    body = copy.deepcopy(_alerts_template())
    body["index_patterns"] = [f"{prefix}-alerts"]
    return body


def ensure_index(client: Elasticsearch, index: str, mapping: dict[str, Any]) -> None:
    """Create an index with its mapping unless it exists; UnreachableError if the cluster is not there."""
    try:
        if not client.indices.exists(index=index):
            client.indices.create(index=index, mappings=mapping)
    except ApiError as exc:
        if exc.meta.status != 400 or "already_exists" not in str(exc):
            raise UnreachableError(f"Elasticsearch refused to create index {index}: {exc}") from None
    except TransportError as exc:
        raise UnreachableError(f"Elasticsearch is unreachable: {exc}") from None


def _name_id(name: str) -> str:
    return "name-" + hashlib.sha256(name.encode()).hexdigest()[:32]


class ElasticsearchSubscriptions:
    """The SubscriptionStore on Elasticsearch."""

    def __init__(self, client: Elasticsearch, prefix: str) -> None:
        self.client = client
        self.index = f"{prefix}-subscriptions"
        ensure_index(client, self.index, SUBSCRIPTION_MAPPING)

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticsearchSubscriptions:
        return cls(elasticsearch_client(settings), settings.elasticsearch_index_prefix)

    def _claim(self, sub: Subscription) -> bool:
        """Claim a name create-only; False if another subscription holds it."""
        try:
            self.client.create(
                index=self.index,
                id=_name_id(sub.name),
                document={"doc": "name", "owner": sub.id},
                refresh=True,
            )
            return True
        except ApiError as exc:
            if exc.meta.status != 409:
                raise
        held = self.client.get(index=self.index, id=_name_id(sub.name))["_source"]
        return bool(held.get("owner") == sub.id)

    def _write(self, sub: Subscription) -> None:
        document = {"doc": "subscription"} | sub.to_dict()
        self.client.index(index=self.index, id=sub.id, document=document, refresh=True)
        self.client.index(
            index=self.index,
            id=REVISION_ID,
            document={"doc": "revision", "value": uuid.uuid4().hex},
            refresh=True,
        )

    def create(self, sub: Subscription) -> Subscription:
        if not self._claim(sub):
            raise ConflictError(f"a subscription named {sub.name!r} already exists")
        self._write(sub)
        return sub

    def save(self, sub: Subscription) -> Subscription:
        old = self.client.get(index=self.index, id=sub.id)["_source"]
        if old["name"] != sub.name and not self._claim(sub):
            raise ConflictError(f"a subscription named {sub.name!r} already exists")
        self._write(sub)
        if old["name"] != sub.name:
            self.client.delete(index=self.index, id=_name_id(old["name"]), refresh=True)
        return sub

    def get(self, name: str) -> Subscription:
        try:
            held = self.client.get(index=self.index, id=_name_id(name))["_source"]
            source = self.client.get(index=self.index, id=held["owner"])["_source"]
        except NotFoundError:
            raise MissingError(f"no subscription named {name!r}") from None
        return Subscription.from_dict(source)

    def list(self) -> list[Subscription]:
        hits = scan(self.client, index=self.index, query={"query": {"term": {"doc": "subscription"}}})
        return sorted((Subscription.from_dict(h["_source"]) for h in hits), key=lambda s: s.name)

    def delete(self, name: str) -> None:
        sub = self.get(name)
        self.client.delete(index=self.index, id=sub.id, refresh=True)
        self.client.delete(index=self.index, id=_name_id(name), refresh=True)
        self.client.index(
            index=self.index,
            id=REVISION_ID,
            document={"doc": "revision", "value": uuid.uuid4().hex},
            refresh=True,
        )

    def revision(self) -> str:
        try:
            return str(self.client.get(index=self.index, id=REVISION_ID)["_source"]["value"])
        except NotFoundError:
            return "0"

    def close(self) -> None:
        self.client.close()


def worker_identity(settings: Settings) -> str:
    """Stable across restarts of one worker: its host and data dir."""
    return f"{socket.gethostname()}:{settings.data_dir.resolve()}"


class ElasticsearchAlerts:
    """Create-only alert records in `<prefix>-alerts`, the index dashboards read."""

    def __init__(self, client: Elasticsearch, prefix: str, owner: str) -> None:
        self.client = client
        self.index = f"{prefix}-alerts"
        self.owner = owner
        template = alerts_template(prefix)
        try:  # the template gives the index its mapping whoever creates it first (idempotent)
            client.indices.put_index_template(name=self.index, body=template)
        except ApiError as exc:
            raise UnreachableError(f"Elasticsearch refused the index template {self.index}: {exc}") from None
        except TransportError as exc:
            raise UnreachableError(f"Elasticsearch is unreachable: {exc}") from None
        ensure_index(client, self.index, template["template"]["mappings"])

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticsearchAlerts:
        return cls(
            elasticsearch_client(settings), settings.elasticsearch_index_prefix, worker_identity(settings)
        )

    def _document(self, alert: NewAlert) -> dict[str, Any]:
        payload = alert.payload
        return {
            "id": alert.id,
            "created": payload.get("created") or datetime.now(UTC).isoformat(),
            "owner": self.owner,
            "subscription": payload["subscription"],
            "article": payload["article"],
            "highlight": payload.get("highlight"),
            "targets": [redact(t) for t in alert.subscription.targets],
            "digest_due": (
                datetime.fromtimestamp(alert.digest_due, UTC).isoformat() if alert.digest_due else None
            ),
        }

    def create(self, alerts: Sequence[NewAlert]) -> list[NewAlert]:
        """Create records create-only; returns the alerts this worker owns (and so delivers).

        201 means ours; 409 means it existed: ours only if this worker created it before (a
        replay after a crash), else another worker delivers it.
        """
        if not alerts:
            return []
        operations: list[dict[str, Any]] = []
        for alert in alerts:
            operations += [{"create": {"_index": self.index, "_id": alert.id}}, self._document(alert)]
        try:
            response = self.client.bulk(operations=operations, refresh=False)
        except TransportError as exc:  # the agent retries: offsets are held until it succeeds
            raise UnreachableError(f"Elasticsearch is unreachable: {exc}") from None
        mine, existing = [], []
        for alert, item in zip(alerts, response["items"], strict=True):
            status = item["create"]["status"]
            if status in {200, 201}:
                mine.append(alert)
            elif status == 409:
                existing.append(alert)
            else:
                raise UnreachableError(
                    f"Elasticsearch refused alert {alert.id}: {item['create'].get('error')}"
                )
        if existing:
            docs = self.client.mget(index=self.index, ids=[a.id for a in existing])["docs"]
            owners = {d["_id"]: d.get("_source", {}).get("owner") for d in docs}
            mine += [a for a in existing if owners.get(a.id) == self.owner]
        return mine

    def close(self) -> None:
        self.client.close()
