"""The feed registry and per-feed poll state, durable in the data dir (feeds.db).

Feeds come from the feed list file (origin 'file', re-synced at every start) or from
`wirewatch feeds add` (origin 'cli'). The poller also records which article ids it produced
that the index has not confirmed yet, so nothing is lost if the broker forgets them.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.feedlist import FeedSpec
from wirewatch.errors import UsageError
from wirewatch.schema import feed_id
from wirewatch.sqlite import connect, migrate, transaction

_SCHEMA = [
    """
    CREATE TABLE feeds (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT,
        interval INTEGER,
        tags TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        inactive_reason TEXT,
        etag TEXT,
        last_modified TEXT,
        last_poll REAL,
        last_success REAL,
        last_status TEXT,
        last_error TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        items_total INTEGER NOT NULL DEFAULT 0,
        next_poll REAL,
        created REAL NOT NULL
    );
    CREATE TABLE pending_items (
        feed_id TEXT NOT NULL,
        article_id TEXT NOT NULL,
        produced REAL NOT NULL,
        run_id TEXT NOT NULL,
        PRIMARY KEY (feed_id, article_id)
    ) WITHOUT ROWID
    """,
]


@dataclass(frozen=True)
class Feed:
    """A feed with its current poll state."""

    id: str
    url: str
    name: str | None
    interval: int | None
    tags: tuple[str, ...]
    origin: str
    active: bool
    inactive_reason: str | None
    etag: str | None
    last_modified: str | None
    last_poll: float | None
    last_success: float | None
    last_status: str | None
    last_error: str | None
    consecutive_failures: int
    items_total: int
    next_poll: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Feed:
        data = dict(row)
        data.pop("created")
        data["active"] = bool(data["active"])
        data["tags"] = tuple(t for t in data["tags"].split("\n") if t)
        return cls(**data)

    @property
    def label(self) -> str:
        """How the feed is shown to people: its name, else its URL."""
        return self.name or self.url


@dataclass(frozen=True)
class PollOutcome:
    """What one poll did, recorded on the feed."""

    status: str  # a fetch/parse status label, e.g. ok, not_modified, http_error
    error: str | None = None
    items: int = 0
    etag: str | None = None
    last_modified: str | None = None
    validators_changed: bool = False


class FeedStore:
    """Access to feeds.db; one instance per process, safe across threads."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self._conn = connect(path, readonly=readonly)
        if not readonly:
            migrate(self._conn, _SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def data_version(self) -> int:
        """Changes whenever another connection commits: cheap change detection for reloads."""
        with self._lock:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def sync_file(self, specs: Sequence[FeedSpec]) -> None:
        """Make the 'file' feeds equal the feed list: upsert listed ones, deactivate the rest."""
        now = time.time()
        urls = [s.url for s in specs]
        with self._lock, transaction(self._conn):
            for spec in specs:
                self._conn.execute(
                    """
                    INSERT INTO feeds (id, url, name, interval, tags, origin, created)
                    VALUES (?, ?, ?, ?, ?, 'file', ?)
                    ON CONFLICT (url) DO UPDATE SET
                        name = excluded.name, interval = excluded.interval, tags = excluded.tags,
                        origin = 'file',
                        active = CASE WHEN inactive_reason = 'removed from the feed list'
                                      THEN 1 ELSE active END,
                        inactive_reason = CASE WHEN inactive_reason = 'removed from the feed list'
                                      THEN NULL ELSE inactive_reason END
                    """,
                    (feed_id(spec.url), spec.url, spec.name, spec.interval, "\n".join(spec.tags), now),
                )
            marks = ",".join("?" * len(urls)) or "''"
            self._conn.execute(
                f"""UPDATE feeds SET active = 0, inactive_reason = 'removed from the feed list'
                    WHERE origin = 'file' AND active = 1 AND url NOT IN ({marks})""",
                urls,
            )

    def add(self, spec: FeedSpec) -> Feed:
        """Register a feed from the CLI/API; re-adding a known URL is an error naming it."""
        with self._lock:
            existing = self._conn.execute("SELECT * FROM feeds WHERE url = ?", (spec.url,)).fetchone()
            if existing is not None and existing["active"]:
                raise UsageError(f"feed {spec.url} is already registered")
            self._conn.execute(
                """
                INSERT INTO feeds (id, url, name, interval, tags, origin, created)
                VALUES (?, ?, ?, ?, ?, 'cli', ?)
                ON CONFLICT (url) DO UPDATE SET name = excluded.name, interval = excluded.interval,
                    tags = excluded.tags, active = 1, inactive_reason = NULL
                """,
                (feed_id(spec.url), spec.url, spec.name, spec.interval, "\n".join(spec.tags), time.time()),
            )
        feed = self.get(spec.url)
        assert feed is not None
        return feed

    def remove(self, url: str) -> None:
        """Stop polling a feed (kept, inactive, so its history stays visible)."""
        with self._lock:
            cur = self._conn.execute(
                "UPDATE feeds SET active = 0, inactive_reason = 'removed by user' WHERE url = ?", (url,)
            )
        if cur.rowcount == 0:
            raise UsageError(f"no feed {url}")

    def get(self, url_or_id: str) -> Feed | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM feeds WHERE url = ? OR id = ?", (url_or_id, url_or_id)
            ).fetchone()
        return Feed.from_row(row) if row else None

    def list(self, *, active_only: bool = False) -> list[Feed]:
        query = "SELECT * FROM feeds" + (" WHERE active = 1" if active_only else "") + " ORDER BY url"
        with self._lock:
            return [Feed.from_row(r) for r in self._conn.execute(query)]

    def record_poll(self, feed: Feed, outcome: PollOutcome, next_poll: float | None) -> None:
        """Store the result of one poll: validators only when the items they cover were produced."""
        now = time.time()
        ok = outcome.status in {"ok", "not_modified"}
        with self._lock:
            self._conn.execute(
                """
                UPDATE feeds SET
                    last_poll = ?, last_status = ?, next_poll = ?,
                    last_success = CASE WHEN ? THEN ? ELSE last_success END,
                    last_error = CASE WHEN ? THEN last_error ELSE ? END,
                    consecutive_failures = CASE WHEN ? THEN 0 ELSE consecutive_failures + 1 END,
                    items_total = items_total + ?,
                    etag = CASE WHEN ? THEN ? ELSE etag END,
                    last_modified = CASE WHEN ? THEN ? ELSE last_modified END
                WHERE id = ?
                """,
                (
                    now, outcome.status, next_poll,
                    ok, now,
                    ok, outcome.error,
                    ok,
                    outcome.items,
                    outcome.validators_changed, outcome.etag,
                    outcome.validators_changed, outcome.last_modified,
                    feed.id,
                ),
            )  # fmt: skip

    # -- produced but not yet indexed ------------------------------------------------------

    def pending(self, feed: Feed) -> list[tuple[str, float, str]]:
        """(article id, produced at, run id) of items produced but not confirmed indexed."""
        with self._lock:
            return [
                (r[0], r[1], r[2])
                for r in self._conn.execute(
                    "SELECT article_id, produced, run_id FROM pending_items WHERE feed_id = ?", (feed.id,)
                )
            ]

    def add_pending(self, feed: Feed, article_ids: Iterable[str], run_id: str) -> None:
        now = time.time()
        with self._lock:
            self._conn.executemany(
                "INSERT OR REPLACE INTO pending_items (feed_id, article_id, produced, run_id)"
                " VALUES (?, ?, ?, ?)",
                [(feed.id, a, now, run_id) for a in article_ids],
            )

    def clear_pending(self, feed: Feed, article_ids: Iterable[str]) -> None:
        with self._lock:
            self._conn.executemany(
                "DELETE FROM pending_items WHERE feed_id = ? AND article_id = ?",
                [(feed.id, a) for a in article_ids],
            )
