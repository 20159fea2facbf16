"""Delivering queued alerts: the channels (signed webhook, apprise, console) and the delivery loop.

A webhook receives the payload JSON by POST with `X-Wirewatch-Alert-Id` (receivers can drop
repeats by it) and, when WIREWATCH_WEBHOOK_SECRET is set, `X-Wirewatch-Signature:
sha256=<hex HMAC of the body>`. 2xx is success; 408, 429 and 5xx are retried (honouring
Retry-After); other 4xx fail at once. Webhooks connect through the feeds' SSRF guard, checked
at every send after DNS resolution, so neither a subscription saved from the CLI nor a DNS
answer changed later can point delivery at an internal service (WIREWATCH_ALLOW_PRIVATE_NETWORKS
opens it). Apprise targets get the rendered message.

The loop runs beside the stream's agents in every worker: it leases due rows of the queue in
alerts.db, sends each as its own task (bounded per target and overall), and records the outcome,
so a failing or slow target only ever delays its own messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from ingest.fetch import GuardedTransport, address_policy, parse_retry_after
from ingest.netguard import AddressPolicy, BlockedAddressError
from stream.alerts.match import sample_payload
from stream.alerts.render import console_line, render
from stream.alerts.store import ALERT, FAILED, PENDING, SENT, AlertStore, Claim
from stream.alerts.subscriptions import Subscription
from stream.alerts.targets import Channel, apprise_module, channel, redact

if TYPE_CHECKING:
    from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.notify")
T = TypeVar("T")

MAX_RETRY_AFTER = 3600.0


class DeliveryError(Exception):
    """A failed attempt; `retry` says whether another attempt may succeed."""

    def __init__(self, message: str, *, retry: bool, after: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.after = after


def signature(secret: str, body: bytes) -> str:
    """Value of the X-Wirewatch-Signature header for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Sender:
    """One attempt to one target, whatever its channel; one shared HTTP client per process."""

    def __init__(self, *, timeout: float, secret: str | None, user_agent: str, policy: AddressPolicy) -> None:
        self.timeout = timeout
        self.secret = secret
        self._client = httpx.AsyncClient(
            timeout=timeout,
            headers={"User-Agent": user_agent},
            transport=GuardedTransport(policy, httpx.Limits(max_connections=100)),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Sender:
        """The sender configured from the settings (webhook secret, timeout, user agent, and which
        addresses targets may resolve to)."""
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        return cls(
            timeout=settings.delivery_timeout,
            secret=secret,
            user_agent=settings.user_agent,
            policy=address_policy(settings),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, target: str, payload: dict[str, Any]) -> None:
        """Deliver once; raises DeliveryError."""
        kind = channel(target)
        if kind is Channel.CONSOLE:
            print(console_line(payload), file=sys.stdout, flush=True)
        elif kind is Channel.WEBHOOK:
            await self._webhook(target, payload)
        else:
            await self._apprise(target, payload)

    async def _webhook(self, target: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "X-Wirewatch-Alert-Id": payload["id"]}
        if self.secret:
            headers["X-Wirewatch-Signature"] = signature(self.secret, body)
        try:
            response = await self._client.post(target, content=body, headers=headers)
        except httpx.HTTPError as exc:
            if isinstance(exc.__cause__, BlockedAddressError):
                raise DeliveryError(f"blocked: {exc.__cause__}", retry=False) from None
            raise DeliveryError(f"{type(exc).__name__}: {exc}".rstrip(": "), retry=True) from None
        if response.is_success:
            return
        code = response.status_code
        retry = code in {408, 429} or code >= 500
        after = parse_retry_after(response.headers.get("retry-after"))
        raise DeliveryError(f"HTTP {code}", retry=retry, after=after)

    async def _apprise(self, target: str, payload: dict[str, Any]) -> None:
        apprise = apprise_module()
        message = render(payload)

        def notify() -> bool:
            notifier = apprise.Apprise()
            if not notifier.add(target):
                raise DeliveryError(f"apprise cannot use {redact(target)}", retry=False)
            return bool(
                notifier.notify(
                    body=message.body, title=message.title, body_format=apprise.NotifyFormat.MARKDOWN
                )
            )

        async with asyncio.timeout(self.timeout * 3):
            ok = await asyncio.to_thread(notify)
        if not ok:
            raise DeliveryError(
                f"{target.split(':', 1)[0]} notification failed (see apprise's log)", retry=True
            )


async def send_samples(client: Sender, subscription: Subscription) -> list[tuple[str, str | None]]:
    """Send a sample alert to every target of a subscription now (`alerts test`, the API's test-send);
    returns (redacted target, error or None) per target."""
    payload = sample_payload(subscription)

    async def one(target: str) -> str | None:
        try:
            await client.send(target, payload)
        except Exception as exc:
            return str(exc) or type(exc).__name__
        return None

    errors = await asyncio.gather(*(one(t) for t in subscription.targets))
    return [(redact(t), e) for t, e in zip(subscription.targets, errors, strict=True)]


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retries, limits and concurrency of the delivery loop (from the settings)."""

    attempts: int = 5
    backoff: float = 1.0
    max_backoff: float = 300.0
    rate_limit: int = 30  # messages per target per `rate_window`; more fold into a summary
    rate_window: float = 60.0
    concurrency: int = 64
    per_target: int = 4
    lease: float = 120.0
    poll: float = 0.5

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before the next attempt: Retry-After when given, else exponential with jitter."""
        if retry_after is not None:
            return min(MAX_RETRY_AFTER, max(retry_after, 0.0))
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.75, 1.25)


DeadLetter = Callable[[Claim, str], Awaitable[None]]


class DeliveryLoop:
    """Sends what the queue holds until stopped; `wake()` says new rows are there."""

    def __init__(
        self, store: AlertStore, sender: Sender, policy: DeliveryPolicy, dead_letter: DeadLetter
    ) -> None:
        self.store = store
        self.sender = sender
        self.policy = policy
        self.dead_letter = dead_letter
        self._wake = asyncio.Event()
        self._inflight: dict[asyncio.Task[None], str] = {}
        self._sending: dict[str, int] = {}  # per target: sends under way (the rate limiter counts them)
        self._last_housekeeping = 0.0
        # Queue reads and writes get threads of their own: the shared default pool is often busy
        # with enrichment and indexing, and alerts must not wait behind them.
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="delivery")

    async def _db(self, call: Callable[..., T], *args: Any) -> T:
        """Run a blocking store call on the loop's own threads."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, call, *args)

    def wake(self) -> None:
        self._wake.set()

    def busy(self, target: str) -> int:
        return sum(1 for t in self._inflight.values() if t == target)

    async def run(self) -> None:
        """Deliver until cancelled; on cancellation, let in-flight sends finish and record them."""
        try:
            while True:
                self._wake.clear()
                try:
                    await self.tick()
                except Exception:  # a store hiccup must not end delivery for the whole worker
                    log.exception("delivery round failed; retrying")
                # Not asyncio.wait_for: on Python 3.11 it drops a cancel that lands as the wait ends,
                # and the loop then ignores its stop and keeps sending.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.policy.poll):
                        await self._wake.wait()
        except asyncio.CancelledError:
            await self.drain()
            raise

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for in-flight sends (their leases expire anyway if we are killed first)."""
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=timeout)

    async def tick(self, now: float | None = None) -> int:
        """One round: make due digests and summaries, then start every due send; returns how many."""
        now = time.time() if now is None else now
        if now - self._last_housekeeping >= 1.0:
            self._last_housekeeping = now
            await self._db(self.store.make_digests, now)
            for target in await self._db(self.store.folded_targets):
                if await self._room(target, now) > 0:
                    await self._db(self.store.summarise, target)
        room = {t: max(0, self.policy.per_target - self.busy(t)) for t in set(self._inflight.values())}
        claims = await self._db(
            self.store.claim,
            now,
            self.policy.lease,
            self.policy.concurrency - len(self._inflight),
            room,
            self.policy.per_target,
        )
        for claim in claims:
            task = asyncio.create_task(self._deliver(claim))
            self._inflight[task] = claim.target
            task.add_done_callback(self._done)
        return len(claims)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.pop(task, None)
        self._wake.set()  # a slot is free: look for more work
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery task failed: %s", task.exception())

    async def _room(self, target: str, now: float) -> int:
        """Messages a target may still take in the current rate window."""
        sent = await self._db(self.store.sent_since, target, now - self.policy.rate_window)
        return self.policy.rate_limit - sent - self._sending.get(target, 0)

    async def _deliver(self, claim: Claim) -> None:
        now = time.time()
        if await self._room(claim.target, now) <= 0:
            if claim.kind == ALERT:
                await self._db(self.store.fold, claim.alert_id, claim.target)
            else:  # digests and summaries are already one message: they wait for room
                await self._db(self.store.postpone, claim.alert_id, claim.target, now + 1.0)
            return
        # No await between the check above and this count: concurrent sends see each other.
        self._sending[claim.target] = self._sending.get(claim.target, 0) + 1
        try:
            await self._attempt(claim)
        finally:
            self._sending[claim.target] -= 1

    async def _attempt(self, claim: Claim) -> None:
        attempt = claim.attempts + 1
        try:
            await self.sender.send(claim.target, claim.payload)
        except Exception as exc:
            error = exc if isinstance(exc, DeliveryError) else DeliveryError(self._describe(exc), retry=True)
            await self._failed(claim, attempt, error)
        else:
            await self._db(self.store.finish, claim.alert_id, claim.target, SENT, attempt)

    @staticmethod
    def _describe(exc: BaseException) -> str:
        return f"{type(exc).__name__}: {exc}".rstrip(": ")

    async def _failed(self, claim: Claim, attempt: int, error: DeliveryError) -> None:
        where = redact(claim.target)
        if error.retry and attempt < self.policy.attempts:
            delay = self.policy.delay(attempt, error.after)
            log.info(
                "alert %s to %s: %s; attempt %d in %.1fs", claim.alert_id, where, error, attempt + 1, delay
            )
            await self._db(
                self.store.finish,
                claim.alert_id,
                claim.target,
                PENDING,
                attempt,
                str(error),
                time.time() + delay,
            )
            return
        reason = f"delivery to {where} failed after {attempt} attempts: {error}"
        log.warning("alert %s: %s", claim.alert_id, reason)
        await self.dead_letter(claim, reason)
        await self._db(self.store.finish, claim.alert_id, claim.target, FAILED, attempt, str(error))
