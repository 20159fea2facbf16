"""Keyword subscriptions: the record, its validation, and the embedded store (alerts.db).

Every field is validated before anything is saved (query, targets, schedule, time zone, name),
so a bad subscription never reaches the matcher. Stores bump a revision on every change; the
matcher polls it and reloads only what changed, so edits apply within seconds while running.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from search.backends.base import SearchFilters
from search.query import Node, QueryError, parse
from search.query.ast import And
from stream.alerts.db import AlertsDb
from stream.alerts.schedule import Schedule, zone
from stream.alerts.targets import validate_target
from wirewatch.errors import ConflictError, NotFoundError, UsageError
from wirewatch.settings import Settings
from wirewatch.sqlite import transaction

REALTIME, DIGEST = "realtime", "digest"
MAX_NAME_CHARS = 100


@dataclass(frozen=True)
class Filters:
    """Structured filters ANDed with the query: values of one field ORed (as in search)."""

    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Filters:
        return cls(**{k: tuple(str(v) for v in data.get(k, ())) for k in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in asdict(self).items() if v}

    def nodes(self) -> list[Node]:
        search = SearchFilters(
            sources=self.sources, entities=self.entities, topics=self.topics, languages=self.languages
        )
        return search.nodes()


@dataclass(frozen=True)
class Subscription:
    """A saved query, its filters, where its alerts go and how (realtime or digest)."""

    id: str
    name: str
    query: str
    targets: tuple[str, ...]
    filters: Filters = field(default_factory=Filters)
    mode: str = REALTIME
    schedule: str | None = None  # digest mode: "hourly" or "daily@HH:MM"
    tz: str = "UTC"
    dedup: bool = True  # one alert per story (cluster) instead of one per article
    muted: bool = False
    created: float = 0.0
    updated: float = 0.0

    def node(self) -> Node:
        """The query with the filters ANDed in: what an article must match."""
        parts = [parse(self.query), *self.filters.nodes()]
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def digest_schedule(self) -> Schedule | None:
        return Schedule.parse(self.schedule, self.tz) if self.mode == DIGEST and self.schedule else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["targets"] = list(self.targets)
        data["filters"] = self.filters.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subscription:
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            query=str(data["query"]),
            targets=tuple(data["targets"]),
            filters=Filters.from_dict(data.get("filters") or {}),
            mode=str(data.get("mode") or REALTIME),
            schedule=data.get("schedule"),
            tz=str(data.get("tz") or "UTC"),
            dedup=bool(data.get("dedup", True)),
            muted=bool(data.get("muted", False)),
            created=float(data.get("created", 0.0)),
            updated=float(data.get("updated", 0.0)),
        )


def validated(sub: Subscription) -> Subscription:
    """The subscription with normalised fields, or UsageError naming the first problem."""
    name = sub.name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise UsageError(f"a subscription name must be 1 to {MAX_NAME_CHARS} characters")
    try:
        parse(sub.query)
    except QueryError as exc:
        raise UsageError(f"invalid query: {exc}") from None
    targets = tuple(dict.fromkeys(validate_target(t) for t in sub.targets))
    if not targets:
        raise UsageError("a subscription needs at least one target (e.g. --target URL or --webhook URL)")
    zone(sub.tz)
    schedule = None
    if sub.mode == DIGEST:
        schedule = str(Schedule.parse(sub.schedule or "", sub.tz))
    elif sub.mode != REALTIME:
        raise UsageError(f"mode must be {REALTIME} or {DIGEST}, not {sub.mode!r}")
    filters = Filters(
        *(tuple(v.strip() for v in values if v.strip()) for values in asdict(sub.filters).values())
    )
    return replace(sub, name=name, targets=targets, schedule=schedule, filters=filters)


def stamp() -> float:
    """Now, to the millisecond: subscription times survive a JSON round trip through any store
    (a stand-in Elasticsearch re-prints floats with fewer digits than Python writes)."""
    return round(time.time(), 3)


def new_subscription(
    name: str,
    query: str,
    targets: list[str] | tuple[str, ...],
    *,
    filters: Filters | None = None,
    digest: str | None = None,
    tz: str = "UTC",
    dedup: bool = True,
) -> Subscription:
    """A new, validated subscription (not saved yet)."""
    now = stamp()
    return validated(
        Subscription(
            id=uuid.uuid4().hex,
            name=name,
            query=query,
            targets=tuple(targets),
            filters=filters or Filters(),
            mode=DIGEST if digest else REALTIME,
            schedule=digest,
            tz=tz,
            dedup=dedup,
            created=now,
            updated=now,
        )
    )


class SubscriptionStore(Protocol):
    """Where subscriptions live: alerts.db (embedded) or Elasticsearch (production)."""

    def create(self, sub: Subscription) -> Subscription:
        """Save a new subscription; UsageError if the name is taken."""

    def get(self, name: str) -> Subscription:
        """One subscription by name; UsageError if there is none."""

    def list(self) -> list[Subscription]:
        """Every subscription, by name."""

    def save(self, sub: Subscription) -> Subscription:
        """Replace an existing subscription (same id); UsageError on a name clash."""

    def delete(self, name: str) -> None:
        """Remove a subscription; UsageError if there is none."""

    def revision(self) -> str:
        """Changes whenever any subscription changes (what the matcher polls)."""

    def close(self) -> None:
        """Release connections."""


def edit(store: SubscriptionStore, current_name: str, /, **changes: Any) -> Subscription:
    """Apply changes (any field, `name` renames) to a saved subscription after validating the result."""
    current = store.get(current_name)
    updated = validated(replace(current, **changes, updated=stamp()))
    return store.save(updated)


class SqliteSubscriptions:
    """Subscriptions in alerts.db, sharing the connection of an AlertsDb."""

    def __init__(self, db: AlertsDb) -> None:
        self.db = db

    _COLUMNS = "id, name, query, targets, filters, mode, schedule, tz, dedup, muted, created, updated"

    @staticmethod
    def _row(sub: Subscription) -> tuple[Any, ...]:
        return (
            sub.id, sub.name, sub.query, json.dumps(list(sub.targets)), json.dumps(sub.filters.to_dict()),
            sub.mode, sub.schedule, sub.tz, int(sub.dedup), int(sub.muted), sub.created, sub.updated,
        )  # fmt: skip

    @staticmethod
    def _from_row(r: Any) -> Subscription:
        return Subscription(
            r["id"], r["name"], r["query"], tuple(json.loads(r["targets"])),
            Filters.from_dict(json.loads(r["filters"])), r["mode"], r["schedule"], r["tz"],
            bool(r["dedup"]), bool(r["muted"]), r["created"], r["updated"],
        )  # fmt: skip

    def _bump(self, conn: Any) -> None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('subscriptions_revision', '1')"
            " ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def _name_taken(self, conn: Any, sub: Subscription) -> None:
        if conn.execute(
            "SELECT 1 FROM subscriptions WHERE name = ? AND id != ?", (sub.name, sub.id)
        ).fetchone():
            raise ConflictError(f"a subscription named {sub.name!r} already exists")

    def create(self, sub: Subscription) -> Subscription:
        with self.db.lock, transaction(self.db.conn) as conn:
            self._name_taken(conn, sub)
            conn.execute(
                f"INSERT INTO subscriptions ({self._COLUMNS}) VALUES ({', '.join('?' * 12)})", self._row(sub)
            )
            self._bump(conn)
        return sub

    def save(self, sub: Subscription) -> Subscription:
        with self.db.lock, transaction(self.db.conn) as conn:
            self._name_taken(conn, sub)
            conn.execute("DELETE FROM subscriptions WHERE id = ?", (sub.id,))
            conn.execute(
                f"INSERT INTO subscriptions ({self._COLUMNS}) VALUES ({', '.join('?' * 12)})", self._row(sub)
            )
            self._bump(conn)
        return sub

    def get(self, name: str) -> Subscription:
        with self.db.lock:
            row = self.db.conn.execute("SELECT * FROM subscriptions WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"no subscription named {name!r}")
        return self._from_row(row)

    def list(self) -> list[Subscription]:
        with self.db.lock:
            rows = self.db.conn.execute("SELECT * FROM subscriptions ORDER BY name").fetchall()
        return [self._from_row(r) for r in rows]

    def delete(self, name: str) -> None:
        with self.db.lock, transaction(self.db.conn) as conn:
            if conn.execute("DELETE FROM subscriptions WHERE name = ?", (name,)).rowcount == 0:
                raise NotFoundError(f"no subscription named {name!r}")
            self._bump(conn)

    def revision(self) -> str:
        with self.db.lock:
            row = self.db.conn.execute(
                "SELECT value FROM meta WHERE key = 'subscriptions_revision'"
            ).fetchone()
        return str(row[0]) if row else "0"

    def close(self) -> None:
        self.db.close()


def open_subscriptions(settings: Settings, db: AlertsDb) -> SubscriptionStore:
    """Elasticsearch when WIREWATCH_ELASTICSEARCH_URL is set (production), else alerts.db."""
    if settings.elasticsearch_url:
        from stream.alerts.elasticsearch import ElasticsearchSubscriptions

        return ElasticsearchSubscriptions.from_settings(settings)
    return SqliteSubscriptions(db)
