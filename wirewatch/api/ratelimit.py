"""Per-client token buckets: `rate` requests per second on average, `burst` at once."""

from __future__ import annotations

import math
import threading
import time

MAX_CLIENTS = 10_000  # buckets kept; beyond that, full (idle) buckets are forgotten


class RateLimiter:
    """Token buckets keyed by client (a token's id, else the client address); rate 0 disables."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated)
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one request for `key`: 0 if allowed, else the seconds until one is allowed."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, updated = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - updated) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_CLIENTS:
                self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop buckets that have refilled: forgetting them changes nothing."""
        full = self.burst / self.rate
        for key, (_, updated) in list(self._buckets.items()):
            if now - updated >= full:
                del self._buckets[key]

    @staticmethod
    def retry_after(wait: float) -> str:
        """The Retry-After header value (whole seconds, at least 1)."""
        return str(max(1, math.ceil(wait)))
