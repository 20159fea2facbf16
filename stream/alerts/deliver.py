"""Delivering alerts to their targets with bounded retries: signed webhooks and the console.

A webhook receives the alert JSON by POST with `X-Wirewatch-Alert-Id` (receivers can drop
repeats by it) and, when WIREWATCH_WEBHOOK_SECRET is set, `X-Wirewatch-Signature:
sha256=<hex HMAC of the body>`. 2xx is success; 408, 429 and 5xx are retried (honouring
Retry-After); other 4xx fail at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import sys
from dataclasses import dataclass
from typing import Any

import httpx

from ingest.fetch import parse_retry_after
from stream.alerts.store import FAILED, PENDING, SENT, AlertRecord, AlertStore
from stream.alerts.targets import CONSOLE

log = logging.getLogger("wirewatch.notify")

MAX_BACKOFF = 30.0


class DeliveryError(Exception):
    """A failed attempt; `retry` says whether another attempt may succeed."""

    def __init__(self, message: str, *, retry: bool, after: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.after = after


def signature(secret: str, body: bytes) -> str:
    """Value of the X-Wirewatch-Signature header for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def console_line(payload: dict[str, Any]) -> str:
    """One readable line per alert for the console target."""
    art = payload["article"]
    where = f"{art['source']} ({art['published']})"
    return f"ALERT [{payload['subscription']['name']}] {art['title']} — {where} {art['url'] or ''}".rstrip()


@dataclass(frozen=True)
class DeliveryResult:
    """Final state of one target after all attempts."""

    target: str
    status: str
    attempts: int
    error: str | None = None


class Deliverer:
    """Sends alert payloads; one shared HTTP client per process."""

    def __init__(self, *, attempts: int, timeout: float, secret: str | None, user_agent: str) -> None:
        self.attempts = attempts
        self.secret = secret
        self._client = httpx.AsyncClient(timeout=timeout, headers={"User-Agent": user_agent})

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, target: str, payload: dict[str, Any]) -> None:
        """One attempt; raises DeliveryError."""
        if target == CONSOLE:
            print(console_line(payload), file=sys.stdout, flush=True)
            return
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "X-Wirewatch-Alert-Id": payload["id"]}
        if self.secret:
            headers["X-Wirewatch-Signature"] = signature(self.secret, body)
        try:
            response = await self._client.post(target, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}".rstrip(": "), retry=True) from None
        if response.is_success:
            return
        code = response.status_code
        retry = code in {408, 429} or code >= 500
        after = parse_retry_after(response.headers.get("retry-after"))
        raise DeliveryError(f"HTTP {code}", retry=retry, after=after)

    async def deliver_target(self, target: str, payload: dict[str, Any], done: int) -> DeliveryResult:
        """Try a target until success, a permanent error, or the attempt budget runs out."""
        attempt = done
        while True:
            attempt += 1
            try:
                await self.send(target, payload)
            except DeliveryError as exc:
                if not exc.retry or attempt >= self.attempts:
                    return DeliveryResult(target, FAILED, attempt, str(exc))
                delay = exc.after if exc.after is not None else 0.5 * 2 ** (attempt - 1)
                await asyncio.sleep(min(MAX_BACKOFF, delay) * random.uniform(0.8, 1.2))
            else:
                return DeliveryResult(target, SENT, attempt)

    async def deliver(self, record: AlertRecord, store: AlertStore) -> list[DeliveryResult]:
        """Deliver an alert to every target still pending, concurrently; record each outcome."""
        pending = {t: d for t, d in record.deliveries.items() if d["status"] == PENDING}
        results = await asyncio.gather(
            *(self.deliver_target(t, record.payload, int(d["attempts"])) for t, d in pending.items())
        )
        for result in results:
            await asyncio.to_thread(
                store.mark, record.id, result.target, result.status, result.attempts, result.error
            )
            if result.status == FAILED:
                log.warning(
                    "alert %s to %s failed after %d attempts: %s",
                    record.id,
                    result.target,
                    result.attempts,
                    result.error,
                )
        return list(results)
