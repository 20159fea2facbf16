"""Adaptive intervals, backoff, Retry-After and jitter (pure functions)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from ingest.schedule import BACKOFF_CAP, RETRY_AFTER_CAP, Cadence, next_delay, rate_from_dates, update_rate

CADENCE = Cadence(floor=60, ceiling=3_600, default=300)


@pytest.mark.parametrize(
    ("per_day", "interval"),
    [(None, 300), (0, 300), (2, 3_600), (24, 1_800), (100, 432), (10_000, 60)],
)
def test_interval_follows_the_publishing_rate(per_day: float | None, interval: float) -> None:
    rate = None if per_day is None else per_day / 86_400
    assert CADENCE.interval(rate) == pytest.approx(interval)


def test_fixed_interval_wins() -> None:
    assert Cadence(60, 3_600, 300, fixed=15).interval(1.0) == 15


def test_rate_average_moves_towards_what_is_observed() -> None:
    rate = 10 / 86_400
    for _ in range(100):  # a quiet day of 15-minute polls
        rate = update_rate(rate, 0, 900) or 0.0
    assert rate < 10 / 86_400 / 2
    busy = update_rate(None, 5, 600)
    assert busy == pytest.approx(5 / 600)
    assert update_rate(None, 0, 600) is None
    assert update_rate(0.1, 3, 0) == 0.1


def test_rate_from_entry_dates() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    dates = [start + timedelta(hours=h) for h in range(0, 25)]
    assert rate_from_dates(dates) == pytest.approx(24 / 86_400)
    assert rate_from_dates(dates[:1]) is None
    assert rate_from_dates([start, start]) is None


def test_jitter_spreads_polls() -> None:
    rng = random.Random(1)
    delays = [next_delay(CADENCE, None, 0, rng=rng) for _ in range(500)]
    assert 270 <= min(delays) < 280 and 320 < max(delays) <= 330
    assert len({round(d) for d in delays}) > 40


def test_the_first_delay_of_a_run_spreads_over_the_interval() -> None:
    """Feeds polled together at start-up fall out of step at once, not after dozens of polls."""
    rng = random.Random(3)
    delays = [next_delay(CADENCE, None, 0, rng=rng, first=True) for _ in range(500)]
    assert 150 <= min(delays) < 165 and 435 < max(delays) <= 450


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    rng = random.Random(2)
    for failures in range(1, 12):
        delay = next_delay(CADENCE, None, failures, rng=rng)
        full = min(BACKOFF_CAP, 300 * 2 ** (failures - 1))
        assert full / 2 <= delay <= full


def test_retry_after_is_honoured_but_capped() -> None:
    assert next_delay(CADENCE, None, 1, retry_after=1_200) >= 1_200
    assert next_delay(CADENCE, None, 1, retry_after=10 * 86_400) == RETRY_AFTER_CAP
