"""Subscriptions and alert records, durable in alerts.db in the data dir.

Alert records are create-only under a deterministic id (subscription + story), written before
any delivery is attempted; per-target delivery state makes a replay resume instead of resend.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.query import Node, QueryError, parse
from stream.alerts.targets import validate_target
from wirewatch.errors import UsageError
from wirewatch.schema import Article
from wirewatch.sqlite import connect, migrate, transaction

_SCHEMA = [
    """
    CREATE TABLE subscriptions (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        query TEXT NOT NULL,
        targets TEXT NOT NULL,
        muted INTEGER NOT NULL DEFAULT 0,
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        subscription_id TEXT NOT NULL,
        subscription_name TEXT NOT NULL,
        article_id TEXT NOT NULL,
        story_id TEXT NOT NULL,
        created REAL NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE INDEX alerts_created ON alerts (created);
    CREATE TABLE deliveries (
        alert_id TEXT NOT NULL REFERENCES alerts (id),
        target TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        updated REAL NOT NULL,
        PRIMARY KEY (alert_id, target)
    ) WITHOUT ROWID
    """,
]

PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True)
class Subscription:
    """A saved query and where its alerts go."""

    id: str
    name: str
    query: str
    targets: tuple[str, ...]
    muted: bool
    created: float
    updated: float

    def node(self) -> Node:
        return parse(self.query)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "query": self.query,
            "targets": list(self.targets),
            "muted": self.muted,
            "created": self.created,
            "updated": self.updated,
        }


@dataclass(frozen=True)
class AlertRecord:
    """A stored alert with its per-target delivery state."""

    id: str
    subscription_name: str
    article_id: str
    created: float
    payload: dict[str, Any]
    deliveries: dict[str, dict[str, Any]]

    @property
    def status(self) -> str:
        states = {d["status"] for d in self.deliveries.values()}
        if FAILED in states:
            return FAILED
        return PENDING if PENDING in states else SENT


class AlertsDb:
    """The alerts.db connection shared by the subscription and alert stores of one process."""

    def __init__(self, path: Path) -> None:
        self.conn = connect(path)
        migrate(self.conn, _SCHEMA)
        self.lock = threading.Lock()

    def data_version(self) -> int:
        with self.lock:
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self.conn.close()


def validate_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise UsageError("a subscription name must be 1 to 100 characters")
    return name


class SubscriptionStore:
    """Create, list and remove subscriptions; every input is validated before anything is saved."""

    def __init__(self, db: AlertsDb) -> None:
        self.db = db

    def create(self, name: str, query: str, targets: Sequence[str]) -> Subscription:
        name = validate_name(name)
        try:
            parse(query)
        except QueryError as exc:
            raise UsageError(f"invalid query: {exc}") from None
        clean = tuple(dict.fromkeys(validate_target(t) for t in targets))
        if not clean:
            raise UsageError("a subscription needs at least one target (e.g. --webhook URL)")
        now = time.time()
        sub = Subscription(uuid.uuid4().hex, name, query, clean, False, now, now)
        with self.db.lock, transaction(self.db.conn) as conn:
            if conn.execute("SELECT 1 FROM subscriptions WHERE name = ?", (name,)).fetchone():
                raise UsageError(f"a subscription named {name!r} already exists")
            conn.execute(
                "INSERT INTO subscriptions (id, name, query, targets, muted, created, updated)"
                " VALUES (?, ?, ?, ?, 0, ?, ?)",
                (sub.id, name, query, json.dumps(list(clean)), now, now),
            )
        return sub

    def delete(self, name: str) -> None:
        with self.db.lock:
            cur = self.db.conn.execute("DELETE FROM subscriptions WHERE name = ?", (name,))
        if cur.rowcount == 0:
            raise UsageError(f"no subscription named {name!r}")

    def list(self) -> list[Subscription]:
        with self.db.lock:
            rows = self.db.conn.execute("SELECT * FROM subscriptions ORDER BY name").fetchall()
        return [
            Subscription(
                r["id"], r["name"], r["query"], tuple(json.loads(r["targets"])), bool(r["muted"]),
                r["created"], r["updated"],
            )
            for r in rows
        ]  # fmt: skip


class AlertStore:
    """Create-only alert records and their delivery state."""

    def __init__(self, db: AlertsDb) -> None:
        self.db = db

    def create(
        self, alert_id: str, subscription: Subscription, article: Article, payload: dict[str, Any]
    ) -> AlertRecord:
        """Record an alert create-only and return the stored record.

        An alert that already exists (a replay) is returned as stored: "already exists" is
        success, and its delivery state tells the caller whether anything is left to send.
        """
        now = time.time()
        with self.db.lock, transaction(self.db.conn) as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO alerts"
                " (id, subscription_id, subscription_name, article_id, story_id, created, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    alert_id, subscription.id, subscription.name, article.id, article.story_id, now,
                    json.dumps(payload),
                ),
            )  # fmt: skip
            if cur.rowcount:
                conn.executemany(
                    "INSERT INTO deliveries (alert_id, target, status, updated) VALUES (?, ?, ?, ?)",
                    [(alert_id, t, PENDING, now) for t in subscription.targets],
                )
        record = self.get(alert_id)
        assert record is not None
        return record

    def get(self, alert_id: str) -> AlertRecord | None:
        with self.db.lock:
            row = self.db.conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None:
                return None
            deliveries = self.db.conn.execute(
                "SELECT target, status, attempts, last_error, updated FROM deliveries WHERE alert_id = ?",
                (alert_id,),
            ).fetchall()
        return AlertRecord(
            row["id"],
            row["subscription_name"],
            row["article_id"],
            row["created"],
            json.loads(row["payload"]),
            {d["target"]: dict(d) for d in deliveries},
        )

    def mark(self, alert_id: str, target: str, status: str, attempts: int, error: str | None = None) -> None:
        with self.db.lock:
            self.db.conn.execute(
                "UPDATE deliveries SET status = ?, attempts = ?, last_error = ?, updated = ?"
                " WHERE alert_id = ? AND target = ?",
                (status, attempts, error, time.time(), alert_id, target),
            )

    def recent(self, limit: int = 50, failed_only: bool = False) -> list[AlertRecord]:
        query = "SELECT id FROM alerts"
        if failed_only:
            query += f" WHERE id IN (SELECT alert_id FROM deliveries WHERE status = '{FAILED}')"
        with self.db.lock:
            ids = [r[0] for r in self.db.conn.execute(query + " ORDER BY created DESC LIMIT ?", (limit,))]
        return [a for a in (self.get(i) for i in ids) if a is not None]

    def counts(self) -> dict[str, int]:
        """Deliveries per status (pending, sent, failed)."""
        with self.db.lock:
            rows = self.db.conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall()
        return {PENDING: 0, SENT: 0, FAILED: 0} | {r[0]: int(r[1]) for r in rows}
