"""Alert records and the durable delivery queue, in alerts.db.

Alert records are create-only under a deterministic id (subscription + story, or + article when
per-story dedup is off), written with one queue row per target before any delivery is tried.
A delivery row moves pending -> sent | failed; rows of a digest subscription wait for their
period's digest message, and rows over a target's rate limit are folded into a summary message
(both "carried" by that message afterwards). Delivery loops claim due rows with a lease, so
several worker processes may share one alerts.db without sending anything twice.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stream.alerts.db import AlertsDb
from stream.alerts.subscriptions import Subscription
from stream.alerts.targets import redact
from wirewatch.schema import SCHEMA_VERSION, Article
from wirewatch.sqlite import transaction

PENDING, SENT, FAILED = "pending", "sent", "failed"
WAITING = "waiting"  # a digest subscription's alert, until its period's digest is made
FOLDED = "folded"  # over the target's rate limit, until a summary message carries it
CARRIED = "carried"  # went out inside a digest or summary message (`carrier` names it)
ALERT, DIGEST, SUMMARY = "alert", "digest", "summary"
MAX_SUMMARY_ITEMS = 50


def _digest_id(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class NewAlert:
    """An alert the matcher raised, to be recorded (create-only) with its queue rows."""

    id: str
    subscription: Subscription
    article_id: str
    story_id: str
    payload: dict[str, Any]
    digest_due: float | None = None  # digest mode: when the period containing it ends

    def to_json(self) -> bytes:
        """The record on the `wirewatch.alerts` topic."""
        return json.dumps(
            {
                "id": self.id,
                "subscription": self.subscription.to_dict(),
                "article_id": self.article_id,
                "story_id": self.story_id,
                "digest_due": self.digest_due,
                "payload": self.payload,
            },
            ensure_ascii=False,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> NewAlert:
        """Parse a topic record; ValueError/KeyError/TypeError for a malformed one."""
        data = json.loads(raw)
        due = data.get("digest_due")
        return cls(
            str(data["id"]),
            Subscription.from_dict(data["subscription"]),
            str(data["article_id"]),
            str(data["story_id"]),
            dict(data["payload"]),
            float(due) if due is not None else None,
        )


@dataclass(frozen=True)
class AlertRecord:
    """A stored alert (or digest or summary message) with its per-target delivery state."""

    id: str
    kind: str
    subscription_name: str
    article_id: str
    created: float
    payload: dict[str, Any]
    deliveries: dict[str, dict[str, Any]]
    seq: int = 0

    @property
    def status(self) -> str:
        states = {d["status"] for d in self.deliveries.values()}
        if FAILED in states:
            return FAILED
        for state in (PENDING, WAITING, FOLDED):
            if state in states:
                return state
        return SENT

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "kind": self.kind,
            "subscription": self.subscription_name,
            "created": datetime.fromtimestamp(self.created, UTC).isoformat(),
            "status": self.status,
            "deliveries": {redact(t): d for t, d in self.deliveries.items()},
            "payload": self.payload,
        }


@dataclass(frozen=True)
class Claim:
    """One delivery a loop has leased: send `payload` to `target`."""

    alert_id: str
    target: str
    attempts: int
    kind: str
    payload: dict[str, Any]


class AlertStore:
    """Create-only alert records, the delivery queue, digests and rate-limit summaries."""

    def __init__(self, db: AlertsDb) -> None:
        self.db = db

    # -- recording -------------------------------------------------------------------------

    def record(self, alerts: Sequence[NewAlert], now: float | None = None) -> list[str]:
        """Record alerts create-only with their queue rows, in one transaction.

        Returns the ids that were new; an id that exists (a replay, or a second article of a
        deduplicated story) is left as stored: "already exists" is success.
        """
        now = time.time() if now is None else now
        created = []
        with self.db.lock, transaction(self.db.conn) as conn:
            for a in alerts:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO alerts (id, kind, subscription_id, subscription_name,"
                    " article_id, story_id, created, payload, digest_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        a.id, ALERT, a.subscription.id, a.subscription.name, a.article_id,
                        a.story_id, now, json.dumps(a.payload), a.digest_due,
                    ),
                )  # fmt: skip
                if not cur.rowcount:
                    continue
                status = WAITING if a.digest_due is not None else PENDING
                conn.executemany(
                    "INSERT INTO deliveries (alert_id, target, status, updated, next_attempt)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [(a.id, t, status, now, now) for t in a.subscription.targets],
                )
                created.append(a.id)
        return created

    def note_stories(self, articles: Iterable[Article], now: float | None = None) -> None:
        """Remember which outlets covered which story, for "also covered by" in payloads."""
        now = time.time() if now is None else now
        rows = [(a.story_id, a.id, a.source, now) for a in articles if a.cluster_id]
        if not rows:
            return
        with self.db.lock, transaction(self.db.conn) as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO story_sources (story_id, article_id, source, seen)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )

    def covered_by(self, story_id: str, article_id: str) -> list[str]:
        """Other sources seen for a story, in the order they were seen."""
        with self.db.lock:
            rows = self.db.conn.execute(
                "SELECT source, min(seen) AS first FROM story_sources WHERE story_id = ? AND article_id != ?"
                " GROUP BY source ORDER BY first",
                (story_id, article_id),
            ).fetchall()
        return [r["source"] for r in rows]

    # -- the delivery queue ----------------------------------------------------------------

    def claim(
        self,
        now: float,
        lease: float,
        capacity: int,
        room: dict[str, int],
        per_target: int,
    ) -> list[Claim]:
        """Lease up to `capacity` due deliveries, at most `room.get(target, per_target)` per target.

        Targets with no room are skipped, so one slow target never holds back the others.
        """
        if capacity <= 0:
            return []
        claims: list[Claim] = []
        taken: dict[str, int] = {}
        with self.db.lock, transaction(self.db.conn) as conn:
            rows = conn.execute(
                "SELECT d.alert_id, d.target, d.attempts, a.kind, a.payload FROM deliveries d"
                " JOIN alerts a ON a.id = d.alert_id"
                " WHERE d.status = ? AND d.next_attempt <= ? AND d.lease_until <= ?"
                " ORDER BY d.next_attempt LIMIT ?",
                (PENDING, now, now, capacity * 4),
            ).fetchall()
            for r in rows:
                target = r["target"]
                if taken.get(target, 0) >= room.get(target, per_target):
                    continue
                taken[target] = taken.get(target, 0) + 1
                claims.append(
                    Claim(r["alert_id"], target, r["attempts"], r["kind"], json.loads(r["payload"]))
                )
                if len(claims) >= capacity:
                    break
            conn.executemany(
                "UPDATE deliveries SET lease_until = ? WHERE alert_id = ? AND target = ?",
                [(now + lease, c.alert_id, c.target) for c in claims],
            )
        return claims

    def finish(
        self,
        alert_id: str,
        target: str,
        status: str,
        attempts: int,
        error: str | None = None,
        next_attempt: float | None = None,
    ) -> None:
        """Record the outcome of an attempt (a retry stays pending until `next_attempt`)."""
        now = time.time()
        with self.db.lock:
            self.db.conn.execute(
                "UPDATE deliveries SET status = ?, attempts = ?, last_error = ?, updated = ?,"
                " next_attempt = ?, lease_until = 0 WHERE alert_id = ? AND target = ?",
                (status, attempts, error, now, next_attempt or now, alert_id, target),
            )

    def postpone(self, alert_id: str, target: str, until: float) -> None:
        """Put a leased delivery back without counting an attempt."""
        with self.db.lock:
            self.db.conn.execute(
                "UPDATE deliveries SET next_attempt = ?, lease_until = 0 WHERE alert_id = ? AND target = ?",
                (until, alert_id, target),
            )

    def sent_since(self, target: str, since: float) -> int:
        """Messages sent to a target since a time (the rate limiter's window)."""
        with self.db.lock:
            row = self.db.conn.execute(
                "SELECT count(*) FROM deliveries WHERE target = ? AND status = ? AND updated >= ?",
                (target, SENT, since),
            ).fetchone()
        return int(row[0])

    def fold(self, alert_id: str, target: str) -> None:
        """Take a delivery out of the queue because its target is over its rate limit."""
        self.finish(alert_id, target, FOLDED, 0, "over the target's rate limit; goes out in a summary")

    def folded_targets(self) -> list[str]:
        with self.db.lock:
            rows = self.db.conn.execute(
                "SELECT DISTINCT target FROM deliveries WHERE status = ?", (FOLDED,)
            ).fetchall()
        return [r[0] for r in rows]

    def _carry(self, conn: Any, message_id: str, kind: str, payload: dict[str, Any], rows: list[Any]) -> None:
        """Create a digest or summary message carrying `rows` and queue it for their targets."""
        now = time.time()
        first = rows[0]
        conn.execute(
            "INSERT OR IGNORE INTO alerts (id, kind, subscription_id, subscription_name, article_id,"
            " story_id, created, payload) VALUES (?, ?, ?, ?, '', '', ?, ?)",
            (
                message_id,
                kind,
                first["subscription_id"],
                first["subscription_name"],
                now,
                json.dumps(payload),
            ),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO deliveries (alert_id, target, status, updated, next_attempt)"
            " VALUES (?, ?, ?, ?, ?)",
            [(message_id, t, PENDING, now, now) for t in dict.fromkeys(r["target"] for r in rows)],
        )
        conn.executemany(
            "UPDATE deliveries SET status = ?, carrier = ?, updated = ? WHERE alert_id = ? AND target = ?",
            [(CARRIED, message_id, now, r["alert_id"], r["target"]) for r in rows],
        )

    def summarise(self, target: str) -> str | None:
        """One summary message for everything folded for a target; returns its id."""
        with self.db.lock, transaction(self.db.conn) as conn:
            rows = conn.execute(
                "SELECT d.alert_id, d.target, a.payload, a.subscription_id, a.subscription_name"
                " FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
                " WHERE d.target = ? AND d.status = ? ORDER BY a.created",
                (target, FOLDED),
            ).fetchall()
            if not rows:
                return None
            message_id = _digest_id("summary", target, *(r["alert_id"] for r in rows))
            alerts = [json.loads(r["payload"]) for r in rows]
            payload = {
                "schema_version": SCHEMA_VERSION,
                "id": message_id,
                "kind": SUMMARY,
                "created": datetime.now(UTC).isoformat(),
                "count": len(alerts),
                "subscriptions": sorted({a["subscription"]["name"] for a in alerts}),
                "alerts": alerts[:MAX_SUMMARY_ITEMS],
            }
            self._carry(conn, message_id, SUMMARY, payload, rows)
        return message_id

    def make_digests(self, now: float) -> list[str]:
        """Digest messages for every (subscription, period) that has ended; returns their ids.

        Alerts are ordered by story, stories by their first alert. Idempotent: a digest's id is
        derived from its subscription and period end, and its alerts are marked carried in the
        same transaction.
        """
        made = []
        with self.db.lock, transaction(self.db.conn) as conn:
            rows = conn.execute(
                "SELECT d.alert_id, d.target, a.payload, a.subscription_id, a.subscription_name,"
                " a.story_id, a.created, a.digest_due FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
                " WHERE d.status = ? AND a.digest_due <= ? ORDER BY a.created",
                (WAITING, now),
            ).fetchall()
            groups: dict[tuple[str, float], list[Any]] = {}
            for r in rows:
                groups.setdefault((r["subscription_id"], r["digest_due"]), []).append(r)
            for (sub_id, due), group in groups.items():
                first_seen: dict[str, float] = {}
                for r in group:
                    first_seen.setdefault(r["story_id"], r["created"])
                ordered = sorted(
                    group, key=lambda r: (first_seen[r["story_id"]], r["story_id"], r["created"])
                )
                alerts = list({r["alert_id"]: json.loads(r["payload"]) for r in ordered}.values())
                message_id = _digest_id("digest", sub_id, str(due))
                payload = {
                    "schema_version": SCHEMA_VERSION,
                    "id": message_id,
                    "kind": DIGEST,
                    "created": datetime.now(UTC).isoformat(),
                    "period_end": datetime.fromtimestamp(due, UTC).isoformat(),
                    "subscription": alerts[0]["subscription"],
                    "count": len(alerts),
                    "stories": len(first_seen),
                    "alerts": alerts,
                }
                self._carry(conn, message_id, DIGEST, payload, group)
                made.append(message_id)
        return made

    # -- reading ---------------------------------------------------------------------------

    def _records(
        self, where: str, params: Sequence[Any], limit: int, order: str = "DESC"
    ) -> list[AlertRecord]:
        with self.db.lock:
            rows = self.db.conn.execute(
                f"SELECT rowid, * FROM alerts WHERE {where} ORDER BY rowid {order} LIMIT ?", [*params, limit]
            ).fetchall()
            out = []
            for row in rows:
                deliveries = self.db.conn.execute(
                    "SELECT target, status, attempts, last_error, updated, next_attempt, carrier"
                    " FROM deliveries WHERE alert_id = ?",
                    (row["id"],),
                ).fetchall()
                out.append(
                    AlertRecord(
                        row["id"],
                        row["kind"],
                        row["subscription_name"],
                        row["article_id"],
                        row["created"],
                        json.loads(row["payload"]),
                        {d["target"]: dict(d) for d in deliveries},
                        row["rowid"],
                    )
                )
        return out

    def get(self, alert_id: str) -> AlertRecord | None:
        found = self._records("id = ?", [alert_id], 1)
        return found[0] if found else None

    def recent(self, limit: int = 50, failed_only: bool = False) -> list[AlertRecord]:
        """Newest first; `failed_only`: those with a delivery that failed for good."""
        return self.find(status=FAILED if failed_only else None, limit=limit)

    def find(
        self,
        *,
        subscription: str | None = None,
        status: str | None = None,
        since: float | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> list[AlertRecord]:
        """Newest first, filtered by subscription name, overall status (as `AlertRecord.status`
        derives it), creation time and sequence number."""
        where, params = ["1"], list[Any]()
        if subscription is not None:
            where.append("subscription_name = ?")
            params.append(subscription)
        if since is not None:
            where.append("created >= ?")
            params.append(since)
        if after is not None:
            where.append("rowid > ?")
            params.append(after)
        unsent = f"SELECT alert_id FROM deliveries WHERE status IN ('{PENDING}', '{WAITING}', '{FOLDED}')"
        failed = f"SELECT alert_id FROM deliveries WHERE status = '{FAILED}'"
        if status == FAILED:
            where.append(f"id IN ({failed})")
        elif status == PENDING:
            where.append(f"id IN ({unsent}) AND id NOT IN ({failed})")
        elif status == SENT:
            where.append(f"id NOT IN ({unsent}) AND id NOT IN ({failed})")
        elif status is not None:
            raise ValueError(f"unknown alert status {status!r}")
        return self._records(" AND ".join(where), params, limit)

    def after(self, seq: int, limit: int = 100) -> list[AlertRecord]:
        """Records added after sequence number `seq`, oldest first (what `alerts tail` follows)."""
        return self._records("rowid > ?", [seq], limit, order="ASC")

    def last_seq(self) -> int:
        with self.db.lock:
            row = self.db.conn.execute("SELECT max(rowid) FROM alerts").fetchone()
        return int(row[0] or 0)

    def delivery_delays(self, limit: int = 200) -> list[float]:
        """Seconds from alert creation to successful delivery, for the latest sent deliveries."""
        with self.db.lock:
            rows = self.db.conn.execute(
                "SELECT d.updated - a.created FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
                " WHERE d.status = ? ORDER BY d.updated DESC LIMIT ?",
                (SENT, limit),
            ).fetchall()
        return [max(0.0, float(r[0])) for r in rows]

    def counts(self) -> dict[str, int]:
        """Deliveries per status."""
        with self.db.lock:
            rows = self.db.conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall()
        return {PENDING: 0, SENT: 0, FAILED: 0} | {r[0]: int(r[1]) for r in rows}
