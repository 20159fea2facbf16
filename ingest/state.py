"""The feed registry, per-feed poll state and poll history, durable in the data dir (feeds.db).

Feeds come from the feed list file (origin 'file', re-synced at every start), from
`wirewatch feeds add` (origin 'cli') or an OPML import (origin 'opml'). A feed's id is derived
from the URL it was first registered with and never changes: when a permanent redirect moves
the feed, its URL is updated and the old one kept as an alias, so its history, its pending items
and the ids of its GUID-only articles stay attached. The poller also records which article ids
it produced that the index has not confirmed yet, so nothing is lost if the broker forgets them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path

from ingest.feedlist import FeedSpec
from ingest.outcomes import PollStatus
from ingest.schedule import update_rate
from wirewatch.errors import ConflictError, NotFoundError, UsageError
from wirewatch.schema import canonical_url, feed_id
from wirewatch.sqlite import connect, migrate, sqlite3, transaction

HISTORY_KEEP = 100  # poll history rows kept per feed
REMOVED_FROM_LIST = "removed from the feed list"

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
    """
    ALTER TABLE feeds ADD COLUMN min_interval INTEGER;
    ALTER TABLE feeds ADD COLUMN max_interval INTEGER;
    ALTER TABLE feeds ADD COLUMN fulltext INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE feeds ADD COLUMN rate REAL;
    ALTER TABLE feeds ADD COLUMN first_poll REAL;
    ALTER TABLE feeds ADD COLUMN websub_hub TEXT;
    ALTER TABLE feeds ADD COLUMN websub_topic TEXT;
    ALTER TABLE feeds ADD COLUMN websub_secret TEXT;
    ALTER TABLE feeds ADD COLUMN websub_expires REAL;
    ALTER TABLE feeds ADD COLUMN websub_state TEXT;
    CREATE TABLE feed_aliases (
        url TEXT PRIMARY KEY,
        feed_id TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE poll_history (
        feed_id TEXT NOT NULL,
        at REAL NOT NULL,
        via TEXT NOT NULL,
        poller TEXT,
        status TEXT NOT NULL,
        http_status INTEGER,
        items INTEGER NOT NULL DEFAULT 0,
        elapsed REAL,
        error TEXT
    );
    CREATE INDEX poll_history_feed ON poll_history (feed_id, at)
    """,
]


@dataclass(frozen=True)
class Feed:
    """A feed with its current poll state."""

    id: str
    url: str
    name: str | None
    interval: int | None
    min_interval: int | None
    max_interval: int | None
    tags: tuple[str, ...]
    fulltext: bool
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
    rate: float | None
    first_poll: float | None
    websub_hub: str | None
    websub_topic: str | None
    websub_secret: str | None
    websub_expires: float | None
    websub_state: str | None
    created: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Feed:
        data = {f.name: row[f.name] for f in fields(cls)}
        data["active"] = bool(data["active"])
        data["fulltext"] = bool(data["fulltext"])
        data["tags"] = tuple(t for t in data["tags"].split("\n") if t)
        return cls(**data)

    @property
    def label(self) -> str:
        """How the feed is shown to people: its name, else its URL."""
        return self.name or self.url

    def items_per_day(self, now: float | None = None) -> float:
        """Average new items per day since the first poll (over at least one day)."""
        if self.first_poll is None:
            return 0.0
        days = max(1.0, ((now or time.time()) - self.first_poll) / 86_400)
        return self.items_total / days

    def spec(self) -> FeedSpec:
        """The feed as a user would declare it (for exports)."""
        return FeedSpec(
            url=self.url,
            name=self.name,
            interval=self.interval,
            min_interval=self.min_interval,
            max_interval=self.max_interval,
            tags=self.tags,
            fulltext=self.fulltext,
        )


@dataclass(frozen=True)
class PollOutcome:
    """What one poll (or WebSub push) did, recorded on the feed and in its history."""

    status: PollStatus
    error: str | None = None
    items: int = 0
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    validators_changed: bool = False
    retry_after: float | None = None
    moved_to: str | None = None
    rate_seed: float | None = None  # publishing rate implied by the entry dates (first polls)
    elapsed: float | None = None


@dataclass(frozen=True)
class HistoryRow:
    """One line of a feed's poll history."""

    at: float
    via: str
    poller: str | None
    status: str
    http_status: int | None
    items: int
    elapsed: float | None
    error: str | None


def _spec_values(spec: FeedSpec) -> tuple[object, ...]:
    return (
        spec.name,
        spec.interval,
        spec.min_interval,
        spec.max_interval,
        "\n".join(spec.tags),
        int(spec.fulltext),
    )


class FeedStore:
    """Access to feeds.db; one instance per process, safe across threads."""

    def __init__(self, path: Path, *, readonly: bool = False, gone_after_404s: int = 5) -> None:
        self._conn = connect(path, readonly=readonly)
        if not readonly:
            migrate(self._conn, _SCHEMA)
        self._lock = threading.Lock()
        self.gone_after_404s = gone_after_404s

    def close(self) -> None:
        self._conn.close()

    def data_version(self) -> int:
        """Changes whenever another connection commits: cheap change detection for reloads."""
        with self._lock:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    # -- the registry ----------------------------------------------------------------------

    def _resolve(self, url: str) -> sqlite3.Row | None:
        """The feed registered under `url` (its current URL, an old one, an equivalent one) or id."""
        return self._conn.execute(  # type: ignore[no-any-return]
            """SELECT * FROM feeds WHERE url = ? OR id IN (?, ?)
               OR id = (SELECT feed_id FROM feed_aliases WHERE url = ?)""",
            (url, url, feed_id(url), canonical_url(url)),
        ).fetchone()

    def _upsert(self, spec: FeedSpec, origin: str, now: float) -> tuple[str, bool]:
        """Insert or update a feed from a spec (caller holds the lock and a transaction)."""
        row = self._resolve(spec.url)
        if row is None:
            fid = feed_id(spec.url)
            self._conn.execute(
                """INSERT INTO feeds (id, url, name, interval, min_interval, max_interval, tags, fulltext,
                                      origin, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (fid, spec.url, *_spec_values(spec), origin, now),
            )
            return fid, True
        self._conn.execute(
            """UPDATE feeds SET name = ?, interval = ?, min_interval = ?, max_interval = ?, tags = ?,
                   fulltext = ?, origin = ? WHERE id = ?""",
            (*_spec_values(spec), origin, row["id"]),
        )
        return row["id"], False

    def sync_file(self, specs: Sequence[FeedSpec]) -> None:
        """Make the 'file' feeds equal the feed list: upsert listed ones, deactivate the rest."""
        now = time.time()
        with self._lock, transaction(self._conn):
            listed = [self._upsert(spec, "file", now)[0] for spec in specs]
            marks = ",".join("?" * len(listed)) or "''"
            self._conn.execute(
                f"""UPDATE feeds SET active = 1, inactive_reason = NULL
                    WHERE inactive_reason = ? AND id IN ({marks})""",
                (REMOVED_FROM_LIST, *listed),
            )
            self._conn.execute(
                f"""UPDATE feeds SET active = 0, inactive_reason = ?
                    WHERE origin = 'file' AND active = 1 AND id NOT IN ({marks})""",
                (REMOVED_FROM_LIST, *listed),
            )

    def add(self, spec: FeedSpec, origin: str = "cli") -> Feed:
        """Register a feed; re-adding an active one is an error naming it, a paused one resumes."""
        with self._lock, transaction(self._conn):
            existing = self._resolve(spec.url)
            if existing is not None and existing["active"]:
                shown = (
                    existing["url"] if existing["url"] == spec.url else f"{spec.url} (now {existing['url']})"
                )
                raise ConflictError(f"feed {shown} is already registered")
            fid, _ = self._upsert(spec, origin, time.time())
            self._conn.execute(
                "UPDATE feeds SET active = 1, inactive_reason = NULL, consecutive_failures = 0 WHERE id = ?",
                (fid,),
            )
        feed = self.get(fid)
        assert feed is not None
        return feed

    def import_specs(self, specs: Iterable[FeedSpec], origin: str) -> tuple[list[str], list[str]]:
        """Register every spec not already registered; returns (added URLs, skipped URLs)."""
        added: list[str] = []
        skipped: list[str] = []
        now = time.time()
        with self._lock, transaction(self._conn):
            for spec in specs:
                if self._resolve(spec.url) is not None:
                    skipped.append(spec.url)
                    continue
                self._upsert(spec, origin, now)
                added.append(spec.url)
        return added, skipped

    def _set_active(self, url: str, active: bool, reason: str | None) -> Feed:
        with self._lock:
            row = self._resolve(url)
            if row is None:
                raise NotFoundError(f"no feed {url}")
            self._conn.execute(
                """UPDATE feeds SET active = ?, inactive_reason = ?,
                       consecutive_failures = CASE WHEN ? THEN 0 ELSE consecutive_failures END
                   WHERE id = ?""",
                (int(active), reason, int(active), row["id"]),
            )
        feed = self.get(row["id"])
        assert feed is not None
        return feed

    def remove(self, url: str) -> Feed:
        """Stop polling a feed (kept, inactive, so its history stays visible)."""
        return self._set_active(url, False, "removed by user")

    def resume(self, url: str) -> Feed:
        """Poll a paused or removed feed again, from a clean failure count."""
        return self._set_active(url, True, None)

    def get(self, url_or_id: str) -> Feed | None:
        with self._lock:
            row = self._resolve(url_or_id)
        return Feed.from_row(row) if row else None

    def list(self, *, active_only: bool = False) -> list[Feed]:
        query = "SELECT * FROM feeds" + (" WHERE active = 1" if active_only else "") + " ORDER BY url"
        with self._lock:
            return [Feed.from_row(r) for r in self._conn.execute(query)]

    # -- poll results ----------------------------------------------------------------------

    def record_poll(
        self,
        feed: Feed,
        outcome: PollOutcome,
        *,
        poller: str | None = None,
        plan: Callable[[Feed], float] | None = None,
    ) -> Feed:
        """Store one poll's result: state, history, rate; validators only when their items were produced.

        A 410, or `gone_after_404s` 404s in a row, pauses the feed with the reason; a permanent
        redirect moves it to its new URL. `plan(feed as updated)` gives the seconds to the next
        poll, stored in the same transaction. Returns the feed as it now stands.
        """
        now = time.time()
        ok = outcome.status.succeeded
        with self._lock, transaction(self._conn):
            row = self._conn.execute("SELECT * FROM feeds WHERE id = ?", (feed.id,)).fetchone()
            if row is None:
                raise UsageError(f"no feed {feed.url}")
            current = Feed.from_row(row)
            rate = current.rate
            if ok:
                if current.last_success is None:
                    rate = outcome.rate_seed if outcome.rate_seed is not None else rate
                else:
                    rate = update_rate(rate, outcome.items, now - current.last_success)
            failures = 0 if ok else current.consecutive_failures + 1
            next_poll = current.next_poll
            if plan is not None:
                next_poll = now + plan(replace(current, rate=rate, consecutive_failures=failures))
            self._conn.execute(
                """
                UPDATE feeds SET
                    last_poll = ?, last_status = ?, rate = ?, next_poll = ?,
                    first_poll = COALESCE(first_poll, ?),
                    last_success = CASE WHEN ? THEN ? ELSE last_success END,
                    last_error = CASE WHEN ? THEN last_error ELSE ? END,
                    consecutive_failures = ?,
                    items_total = items_total + ?,
                    etag = CASE WHEN ? THEN ? ELSE etag END,
                    last_modified = CASE WHEN ? THEN ? ELSE last_modified END
                WHERE id = ?
                """,
                (
                    now, outcome.status.value, rate, next_poll,
                    now,
                    ok, now,
                    ok, outcome.error,
                    failures,
                    outcome.items,
                    outcome.validators_changed, outcome.etag,
                    outcome.validators_changed, outcome.last_modified,
                    feed.id,
                ),
            )  # fmt: skip
            self._conn.execute(
                """INSERT INTO poll_history
                       (feed_id, at, via, poller, status, http_status, items, elapsed, error)
                   VALUES (?, ?, 'poll', ?, ?, ?, ?, ?, ?)""",
                (
                    feed.id, now, poller, outcome.status.value, outcome.http_status, outcome.items,
                    outcome.elapsed, outcome.error,
                ),
            )  # fmt: skip
            self._conn.execute(
                """DELETE FROM poll_history WHERE feed_id = ? AND at <
                   (SELECT at FROM poll_history WHERE feed_id = ? ORDER BY at DESC LIMIT 1 OFFSET ?)""",
                (feed.id, feed.id, HISTORY_KEEP - 1),
            )
            reason = self._gone_reason(feed.id, outcome, now)
            if reason:
                self._conn.execute(
                    "UPDATE feeds SET active = 0, inactive_reason = ? WHERE id = ?", (reason, feed.id)
                )
            elif outcome.moved_to:
                self._move(current, outcome.moved_to)
        updated = self.get(feed.id)
        assert updated is not None
        return updated

    def _gone_reason(self, fid: str, outcome: PollOutcome, now: float) -> str | None:
        day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
        if outcome.status is PollStatus.GONE:
            return f"gone: {outcome.error} (paused {day})"
        if outcome.http_status != 404:
            return None
        recent = [
            r[0]
            for r in self._conn.execute(
                """SELECT http_status FROM poll_history WHERE feed_id = ? AND via = 'poll'
                   ORDER BY at DESC LIMIT ?""",
                (fid, self.gone_after_404s),
            )
        ]
        if len(recent) >= self.gone_after_404s and all(s == 404 for s in recent):
            return f"gone: HTTP 404 {self.gone_after_404s} times in a row (paused {day})"
        return None

    def _move(self, feed: Feed, new_url: str) -> None:
        """Follow a permanent redirect: same feed id, new URL, the old one kept as an alias."""
        if new_url == feed.url:
            return
        other = self._resolve(new_url)
        if other is not None and other["id"] != feed.id:
            self._conn.execute(
                "UPDATE feeds SET active = 0, inactive_reason = ? WHERE id = ?",
                (f"moved permanently to {new_url}, which is already registered", feed.id),
            )
            return
        self._conn.execute(
            "INSERT OR REPLACE INTO feed_aliases (url, feed_id) VALUES (?, ?)",
            (canonical_url(feed.url), feed.id),
        )
        self._conn.execute("DELETE FROM feed_aliases WHERE url = ?", (canonical_url(new_url),))
        self._conn.execute("UPDATE feeds SET url = ? WHERE id = ?", (new_url, feed.id))

    def record_push(self, feed: Feed, outcome: PollOutcome) -> None:
        """Store a WebSub push in the history (the feed's poll health is not affected by pushes)."""
        with self._lock, transaction(self._conn):
            self._conn.execute(
                """INSERT INTO poll_history (feed_id, at, via, status, items, error)
                   VALUES (?, ?, 'push', ?, ?, ?)""",
                (feed.id, time.time(), outcome.status.value, outcome.items, outcome.error),
            )
            self._conn.execute(
                "UPDATE feeds SET items_total = items_total + ? WHERE id = ?", (outcome.items, feed.id)
            )

    def set_websub(
        self,
        fid: str,
        *,
        state: str | None,
        hub: str | None = None,
        topic: str | None = None,
        secret: str | None = None,
        expires: float | None = None,
    ) -> None:
        """Record a WebSub subscription's state (hub, topic and secret kept unless given)."""
        with self._lock:
            self._conn.execute(
                """UPDATE feeds SET websub_state = ?, websub_hub = COALESCE(?, websub_hub),
                       websub_topic = COALESCE(?, websub_topic), websub_secret = COALESCE(?, websub_secret),
                       websub_expires = ? WHERE id = ?""",
                (state, hub, topic, secret, expires, fid),
            )

    def set_next_poll(self, fid: str, when: float) -> None:
        with self._lock:
            self._conn.execute("UPDATE feeds SET next_poll = ? WHERE id = ?", (when, fid))

    def history(self, feed: Feed, limit: int = 20) -> list[HistoryRow]:
        """The latest polls of a feed, newest first."""
        with self._lock:
            rows = self._conn.execute(
                """SELECT at, via, poller, status, http_status, items, elapsed, error FROM poll_history
                   WHERE feed_id = ? ORDER BY at DESC LIMIT ?""",
                (feed.id, limit),
            ).fetchall()
        return [HistoryRow(*r) for r in rows]

    def poll_counts(self, since: float) -> dict[str, int]:
        """Polls (and pushes) of every feed since a time, per outcome status (metrics)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT status, count(*) FROM poll_history WHERE at >= ? GROUP BY status", (since,)
            ).fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def aliases(self, feed: Feed) -> list[str]:
        """Earlier URLs of a feed (canonical form), from permanent redirects."""
        with self._lock:
            return [
                r[0] for r in self._conn.execute("SELECT url FROM feed_aliases WHERE feed_id = ?", (feed.id,))
            ]

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
