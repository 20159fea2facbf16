"""When to poll a feed next: adaptive to its publishing rate, backing off on errors, jittered.

Pure functions over plain numbers (docs/ingest.md has the rules with examples):
- A feed's publishing rate (items per second) is an exponentially weighted average over about a
  day of polls, seeded from the dates of the entries in its first document.
- Its interval is half its mean gap between items, clamped to [floor, ceiling] (per-feed
  overrides, else the settings); a fixed per-feed interval wins; with no rate yet, the default.
- After a failure the delay doubles per consecutive failure from the interval, up to
  `BACKOFF_CAP`; a Retry-After is honoured (at most `RETRY_AFTER_CAP`).
- Every delay is jittered (±10%, or half-to-full for backoff) so polls spread instead of
  marching in lockstep; the first delay of a run by ±50%, as feeds polled together at start-up
  would otherwise stay in step for dozens of polls (their items arriving as one burst).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

RATE_HORIZON = 86_400.0  # seconds of history the rate average mostly reflects
BACKOFF_CAP = 6 * 3_600.0
RETRY_AFTER_CAP = 24 * 3_600.0
JITTER = 0.1
FIRST_JITTER = 0.5


@dataclass(frozen=True)
class Cadence:
    """The bounds a feed's interval moves in, in seconds."""

    floor: float
    ceiling: float
    default: float
    fixed: float | None = None

    def interval(self, rate: float | None) -> float:
        """Seconds between polls for a feed publishing `rate` items per second."""
        if self.fixed:
            return self.fixed
        if not rate or rate <= 0:
            return min(max(self.default, self.floor), self.ceiling)
        return min(max(0.5 / rate, self.floor), self.ceiling)


def update_rate(rate: float | None, new_items: int, elapsed: float) -> float | None:
    """Fold one poll's new items over `elapsed` seconds into the running rate."""
    if elapsed <= 0:
        return rate
    observed = new_items / elapsed
    if rate is None:
        return observed if new_items else None
    weight = 1.0 - math.exp(-elapsed / RATE_HORIZON)
    return rate + weight * (observed - rate)


def rate_from_dates(dates: Sequence[datetime]) -> float | None:
    """Items per second implied by the publication dates in one feed document (None if unclear)."""
    if len(dates) < 2:
        return None
    span = (max(dates) - min(dates)).total_seconds()
    return (len(dates) - 1) / span if span >= 60 else None


def next_delay(
    cadence: Cadence,
    rate: float | None,
    failures: int,
    retry_after: float | None = None,
    rng: random.Random | None = None,
    *,
    first: bool = False,
) -> float:
    """Seconds until the next poll, jittered (more widely after a feed's `first` poll of a run)."""
    rng = rng or random.Random()
    interval = cadence.interval(rate)
    if failures <= 0:
        jitter = FIRST_JITTER if first else JITTER
        return interval * rng.uniform(1 - jitter, 1 + jitter)
    backoff = min(BACKOFF_CAP, max(interval, cadence.floor) * 2 ** min(failures - 1, 30))
    delay = backoff * rng.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
    return delay
