"""alerts.db in the data dir: subscriptions (embedded mode), alert records and the delivery queue.

The delivery queue is the `deliveries` table: one row per (alert, target) with its state and the
time of its next attempt, so delivery survives restarts and runs beside matching, not inside it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from wirewatch.sqlite import connect, migrate

SCHEMA = [
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
    # Subscription filters/modes, digests, rate-limit summaries and the delivery queue.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    ALTER TABLE subscriptions ADD COLUMN filters TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE subscriptions ADD COLUMN mode TEXT NOT NULL DEFAULT 'realtime';
    ALTER TABLE subscriptions ADD COLUMN schedule TEXT;
    ALTER TABLE subscriptions ADD COLUMN tz TEXT NOT NULL DEFAULT 'UTC';
    ALTER TABLE subscriptions ADD COLUMN dedup INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE alerts ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert';
    ALTER TABLE alerts ADD COLUMN digest_due REAL;
    ALTER TABLE deliveries ADD COLUMN next_attempt REAL NOT NULL DEFAULT 0;
    ALTER TABLE deliveries ADD COLUMN lease_until REAL NOT NULL DEFAULT 0;
    ALTER TABLE deliveries ADD COLUMN carrier TEXT;
    CREATE INDEX deliveries_due ON deliveries (status, next_attempt);
    CREATE INDEX deliveries_target ON deliveries (target, status, updated);
    CREATE TABLE story_sources (
        story_id TEXT NOT NULL,
        article_id TEXT NOT NULL,
        source TEXT NOT NULL,
        seen REAL NOT NULL,
        PRIMARY KEY (story_id, article_id)
    ) WITHOUT ROWID
    """,
]


class AlertsDb:
    """The alerts.db connection shared by the stores of one process (calls serialised by `lock`)."""

    def __init__(self, path: Path) -> None:
        self.conn = connect(path)
        migrate(self.conn, SCHEMA)
        self.lock = threading.Lock()

    def close(self) -> None:
        """Close once no store call is running: closing under a call in another thread (a
        delivery thread still claiming when its loop is cancelled) crashed the process."""
        with self.lock:
            self.conn.close()
