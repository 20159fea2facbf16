"""The feed registry: sync, add/resume, gone feeds paused, permanent moves, poll history."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.feedlist import FeedSpec
from ingest.outcomes import PollStatus
from ingest.state import HISTORY_KEEP, FeedStore, PollOutcome
from wirewatch.errors import UsageError
from wirewatch.schema import feed_id

A = "https://a.example/feed.xml"
B = "https://b.example/rss"


@pytest.fixture
def store(tmp_path: Path) -> FeedStore:
    return FeedStore(tmp_path / "feeds.db", gone_after_404s=3)


def test_sync_add_remove_resume(store: FeedStore) -> None:
    store.sync_file([FeedSpec(url=A, tags=("ukraine", "war")), FeedSpec(url=B, min_interval=120)])
    a = store.get(A)
    assert a is not None and a.tags == ("ukraine", "war") and a.origin == "file"
    store.sync_file([FeedSpec(url=A)])
    b = store.get(B)
    assert b is not None and not b.active and b.inactive_reason == "removed from the feed list"
    store.sync_file([FeedSpec(url=A), FeedSpec(url=B)])
    assert store.get(B).active  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="already registered"):
        store.add(FeedSpec(url=A))
    store.remove(A)
    assert store.add(FeedSpec(url=A, fulltext=True)).fulltext
    with pytest.raises(UsageError, match="no feed"):
        store.resume("https://nowhere.example/")


def test_410_pauses_at_once_and_404s_after_a_streak(store: FeedStore) -> None:
    store.sync_file([FeedSpec(url=A), FeedSpec(url=B)])
    a = store.get(A)
    assert a is not None
    a = store.record_poll(a, PollOutcome(PollStatus.GONE, "HTTP 410 Gone", http_status=410))
    assert not a.active and a.inactive_reason and a.inactive_reason.startswith("gone: HTTP 410 Gone (paused ")
    b = store.get(B)
    assert b is not None
    for n in range(3):
        assert b.active, n
        b = store.record_poll(b, PollOutcome(PollStatus.HTTP_ERROR, "HTTP 404 Not Found", http_status=404))
    assert not b.active and "HTTP 404 3 times in a row" in (b.inactive_reason or "")
    assert b.consecutive_failures == 3
    # Paused feeds stay paused across restarts (feed list re-sync), until resumed.
    store.sync_file([FeedSpec(url=A), FeedSpec(url=B)])
    assert not store.get(B).active  # type: ignore[union-attr]
    assert store.resume(B).active and store.get(B).consecutive_failures == 0  # type: ignore[union-attr]


def test_a_404_streak_broken_by_a_success_does_not_pause(store: FeedStore) -> None:
    store.sync_file([FeedSpec(url=A)])
    a = store.get(A)
    not_found = PollOutcome(PollStatus.HTTP_ERROR, "HTTP 404", http_status=404)
    for outcome in (not_found, not_found, PollOutcome(PollStatus.NOT_MODIFIED, http_status=304), not_found):
        a = store.record_poll(a, outcome)  # type: ignore[arg-type]
    assert a is not None and a.active


def test_permanent_redirect_moves_the_feed_keeping_its_id(store: FeedStore) -> None:
    store.sync_file([FeedSpec(url=A, name="A")])
    a = store.get(A)
    assert a is not None
    store.add_pending(a, ["x" * 32], "run")
    moved = store.record_poll(a, PollOutcome(PollStatus.OK, items=1, http_status=200, moved_to=B))
    assert (moved.id, moved.url) == (feed_id(A), B)
    assert store.get(A) == store.get(B) == moved
    assert store.pending(moved) == store.pending(a)
    assert [h.status for h in store.history(moved)] == ["ok"]
    # The feed list still names the old URL: it stays the same feed, at its new URL, active.
    store.sync_file([FeedSpec(url=A, name="renamed")])
    again = store.get(B)
    assert again is not None and again.url == B and again.name == "renamed" and again.active
    assert len(store.list()) == 1
    with pytest.raises(UsageError, match=f"feed {A} \\(now {B}\\) is already registered"):
        store.add(FeedSpec(url=A))


def test_a_move_onto_another_registered_feed_pauses_the_duplicate(store: FeedStore) -> None:
    store.sync_file([FeedSpec(url=A), FeedSpec(url=B)])
    a = store.record_poll(store.get(A), PollOutcome(PollStatus.OK, moved_to=B))  # type: ignore[arg-type]
    assert not a.active and a.inactive_reason == f"moved permanently to {B}, which is already registered"
    assert a.url == A and store.get(B).active  # type: ignore[union-attr]


def test_history_is_bounded_and_counts_items(store: FeedStore) -> None:
    store.sync_file([FeedSpec(url=A)])
    a = store.get(A)
    for n in range(HISTORY_KEEP + 10):
        a = store.record_poll(a, PollOutcome(PollStatus.OK, items=n % 3), poller="p1")  # type: ignore[arg-type]
    history = store.history(a, limit=1_000)  # type: ignore[arg-type]
    assert len(history) == HISTORY_KEEP
    assert history[0].poller == "p1" and history[0].via == "poll"
    assert a is not None and a.items_total == sum(n % 3 for n in range(HISTORY_KEEP + 10))
    assert a.items_per_day() == a.items_total  # less than a day old: per one day


def test_import_skips_known_feeds(store: FeedStore) -> None:
    store.sync_file([FeedSpec(url=A)])
    added, skipped = store.import_specs([FeedSpec(url=A), FeedSpec(url=B, tags=("x",))], "opml")
    assert (added, skipped) == ([B], [A])
    assert store.get(B).origin == "opml"  # type: ignore[union-attr]
