"""The delivery loop on real parts: alerts.db, loopback webhook receivers, an SMTP server, apprise."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from ingest.netguard import AddressPolicy
from stream.alerts.db import AlertsDb
from stream.alerts.deliver import DeliveryLoop, DeliveryPolicy, Sender, signature
from stream.alerts.store import CARRIED, FAILED, SENT, AlertStore, Claim, NewAlert
from stream.alerts.subscriptions import Subscription, new_subscription
from tests.conftest import free_port
from tests.servers import WebhookReceiver
from tests.stream.conftest import SmtpReceiver, email_target


def run_async(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test in a fresh event loop, failing it if it takes more than a minute."""

    @functools.wraps(test)
    def wrapper(*args: object, **kwargs: object) -> None:
        asyncio.run(asyncio.wait_for(test(*args, **kwargs), 60))  # type: ignore[arg-type]

    return wrapper


FAST = DeliveryPolicy(attempts=3, backoff=0.05, max_backoff=0.2, rate_limit=1000, lease=5.0, poll=0.05)


def alert(sub: Subscription, n: int, story: str | None = None, due: float | None = None) -> NewAlert:
    payload = {
        "id": f"{sub.name}-{n}",
        "kind": "alert",
        "subscription": {"id": sub.id, "name": sub.name, "query": sub.query},
        "article": {
            "id": f"a{n}",
            "title": f"Story {n}",
            "url": f"https://news.example/{n}",
            "source": "Wire",
            "published": "2026-11-25T10:00:00+00:00",
            "entities": [{"name": "Kyiv", "type": "GPE"}],
            "topics": ["conflict"],
            "story_id": story or f"s{n}",
            "also_covered_by": ["Atom Daily"],
        },
        "highlight": "Germany sends a <mark>Patriot</mark> battery &amp; more",
    }
    return NewAlert(f"{sub.name}-{n}", sub, f"a{n}", story or f"s{n}", payload, due)


LOOPBACK_ALLOWED = AddressPolicy(allow_private=True)  # the receivers listen on loopback


class Harness:
    """A store, a sender and a running delivery loop; dead letters are collected."""

    def __init__(
        self, path: Path, policy: DeliveryPolicy = FAST, addresses: AddressPolicy = LOOPBACK_ALLOWED
    ) -> None:
        self.db = AlertsDb(path)
        self.store = AlertStore(self.db)
        self.sender = Sender(timeout=2.0, secret="s3cret", user_agent="test", policy=addresses)
        self.dead: list[tuple[Claim, str]] = []
        self.loop = DeliveryLoop(self.store, self.sender, policy, self._dead)
        self.task: asyncio.Task[None] | None = None

    async def _dead(self, claim: Claim, reason: str) -> None:
        self.dead.append((claim, reason))

    def start(self) -> None:
        self.task = asyncio.create_task(self.loop.run())

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        # Bounded (drain takes up to 10 s): a loop that ignores its stop fails here, by name.
        await asyncio.wait([self.task], timeout=15)
        assert self.task.done(), "the delivery loop ignored its cancellation and kept running"
        with pytest.raises(asyncio.CancelledError):
            await self.task
        await self.sender.aclose()
        self.db.close()


async def until(check: Callable[[], bool | Awaitable[bool]], timeout: float, what: str) -> float:
    """Wait until `check` holds; returns the seconds it took."""
    started = time.monotonic()
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


def statuses(store: AlertStore, alert_id: str) -> dict[str, str]:
    record = store.get(alert_id)
    assert record is not None
    return {t: d["status"] for t, d in record.deliveries.items()}


@run_async
async def test_500_then_200_is_retried_and_delivered_once(tmp_path: Path, webhook: WebhookReceiver) -> None:
    h = Harness(tmp_path / "alerts.db")
    sub = new_subscription("air", "patriot", [webhook.url("/hook")])
    webhook.statuses = [500]
    h.store.record([alert(sub, 1)])
    h.start()
    await until(lambda: statuses(h.store, "air-1") == {webhook.url("/hook"): SENT}, 10, "delivery")
    await h.stop()
    assert [r.status for r in webhook.received] == [500, 200]
    assert [a["id"] for a in webhook.delivered()] == ["air-1"]
    last = webhook.received[-1]
    assert last.headers["X-Wirewatch-Alert-Id"] == "air-1"
    assert last.headers["X-Wirewatch-Signature"] == signature("s3cret", last.body)
    assert h.dead == []


@run_async
async def test_dead_target_is_dead_lettered_and_others_not_delayed(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    h = Harness(tmp_path / "alerts.db")
    dead = f"http://127.0.0.1:{free_port()}/nobody-listens"
    slow = WebhookReceiver()
    slow.delay = 3.0  # held back by one slow request, the healthy target would wait >= 3 s
    try:
        broken = new_subscription("broken", "patriot", [dead, slow.url("/slow"), webhook.url("/ok")])
        other = new_subscription("other", "kyiv", [webhook.url("/other")])
        h.store.record([alert(broken, i) for i in range(5)] + [alert(other, i) for i in range(5)])
        h.start()
        took = await until(lambda: len(webhook.delivered()) == 10, 10, "the healthy target")
        assert took < 2.0, f"healthy deliveries took {took:.2f}s: held back by a dead or slow target"
        await until(lambda: len(h.store.recent(50, failed_only=True)) == 5, 15, "five failed alerts")
        await until(lambda: len(slow.delivered()) == 5, 30, "the slow target")
        failed = h.store.recent(50, failed_only=True)
        assert sorted(r.id for r in failed) == [f"broken-{i}" for i in range(5)]
        for record in failed:
            state = record.deliveries[dead]
            assert state["status"] == FAILED and state["attempts"] == FAST.attempts
            assert "ConnectError" in state["last_error"]
        assert len(h.dead) == 5  # each dead letter is sent before its failure is recorded
        claim, reason = h.dead[0]
        assert claim.target == dead and "failed after 3 attempts" in reason
    finally:
        await h.stop()
        slow.close()


@run_async
async def test_a_webhook_to_an_internal_address_is_refused_at_send_time(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    # As a subscription saved from the CLI, or a public name re-pointed at 127.0.0.1 later.
    h = Harness(tmp_path / "alerts.db", addresses=AddressPolicy())
    sub = new_subscription("air", "patriot", [webhook.url("/hook")])
    h.store.record([alert(sub, 1)])
    h.start()
    try:
        await until(lambda: statuses(h.store, "air-1") == {webhook.url("/hook"): FAILED}, 10, "the refusal")
        state = next(iter(h.store.get("air-1").deliveries.values()))  # type: ignore[union-attr]
        assert state["attempts"] == 1, "a refused address is not retried"
        assert "127.0.0.1 is a loopback address" in state["last_error"]
        assert webhook.delivered() == [] and len(h.dead) == 1
    finally:
        await h.stop()


@run_async
async def test_retry_after_is_honoured(tmp_path: Path, webhook: WebhookReceiver) -> None:
    h = Harness(tmp_path / "alerts.db")
    webhook.statuses = [429]
    webhook.headers = {"Retry-After": "1"}
    h.store.record([alert(new_subscription("x", "patriot", [webhook.url("/h")]), 1)])
    h.start()
    took = await until(lambda: statuses(h.store, "x-1") == {webhook.url("/h"): SENT}, 10, "the retry")
    record = h.store.get("x-1")
    await h.stop()
    assert took >= 0.9, "retried before the Retry-After delay"
    assert [r.status for r in webhook.received] == [429, 200]
    assert record is not None and record.deliveries[webhook.url("/h")]["attempts"] == 2


@run_async
async def test_rate_limit_folds_overflow_into_one_summary(tmp_path: Path, webhook: WebhookReceiver) -> None:
    policy = DeliveryPolicy(attempts=3, backoff=0.05, rate_limit=3, rate_window=1.0, poll=0.05)
    h = Harness(tmp_path / "alerts.db", policy)
    sub = new_subscription("busy", "patriot", [webhook.url("/h")])
    h.store.record([alert(sub, i) for i in range(8)])
    h.start()
    await until(lambda: any(a.get("kind") == "summary" for a in webhook.delivered()), 10, "a summary")
    await h.stop()
    delivered = webhook.delivered()
    singles = [a for a in delivered if a["kind"] == "alert"]
    (summary,) = [a for a in delivered if a["kind"] == "summary"]
    assert len(singles) == 3
    assert summary["count"] == 5 and summary["subscriptions"] == ["busy"]
    assert {a["id"] for a in singles} | {a["id"] for a in summary["alerts"]} == {
        f"busy-{i}" for i in range(8)
    }


@run_async
async def test_digest_survives_a_restart_and_groups_by_story(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    sub = new_subscription("daily", "patriot", [webhook.url("/digest")], digest="hourly", dedup=False)
    first = Harness(tmp_path / "alerts.db")
    due = time.time() + 1.0
    first.store.record([alert(sub, 1, "story-a", due), alert(sub, 2, "story-b", due)])
    first.store.record([alert(sub, 3, "story-a", due)])
    first.start()
    await asyncio.sleep(0.3)
    await first.stop()  # the process restarts before the period ends
    assert webhook.received == []

    second = Harness(tmp_path / "alerts.db")
    second.start()
    await until(lambda: len(webhook.delivered()) == 1, 10, "the digest")
    await asyncio.sleep(0.3)
    (digest,) = webhook.delivered()
    assert digest["kind"] == "digest" and digest["count"] == 3 and digest["stories"] == 2
    assert [a["id"] for a in digest["alerts"]] == ["daily-1", "daily-3", "daily-2"]
    assert statuses(second.store, "daily-1") == {webhook.url("/digest"): CARRIED}
    await second.stop()


@run_async
async def test_two_loops_on_one_database_send_each_alert_once(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    a, b = Harness(tmp_path / "alerts.db"), Harness(tmp_path / "alerts.db")
    sub = new_subscription("shared", "patriot", [webhook.url("/h")])
    a.store.record([alert(sub, i) for i in range(40)])
    a.start()
    b.start()
    await until(lambda: len(webhook.delivered()) >= 40, 15, "every alert")
    await asyncio.sleep(0.3)
    await a.stop()
    await b.stop()
    ids = [x["id"] for x in webhook.delivered()]
    assert sorted(ids) == sorted(f"shared-{i}" for i in range(40))


@run_async
async def test_a_stop_that_lands_as_the_loop_wakes_is_obeyed(tmp_path: Path) -> None:
    """A send finishing wakes the loop; a stop arriving in the same instant must not be lost
    (asyncio.wait_for on Python 3.11 dropped it: the loop kept sending, its stop hung)."""
    for spins in range(4):  # the stop lands 0..3 event-loop steps after the wake
        h = Harness(tmp_path / f"alerts-{spins}.db", DeliveryPolicy(poll=5.0))
        h.start()
        await asyncio.sleep(0.05)  # idle, waiting to be woken
        h.loop.wake()
        for _ in range(spins):
            await asyncio.sleep(0)
        await h.stop()


@run_async
async def test_restart_in_the_middle_of_delivery_loses_nothing(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    """A loop stopped mid-flight records what it sent; rows leased by a killed one come back."""
    webhook.delay = 0.2
    sub = new_subscription("r", "patriot", [webhook.url("/h")])
    first = Harness(tmp_path / "alerts.db", DeliveryPolicy(per_target=2, lease=1.0, poll=0.05))
    first.store.record([alert(sub, i) for i in range(10)])
    # A worker that was killed after leasing two rows, before sending them.
    first.store.claim(time.time(), 1.0, 2, {}, 2)
    first.start()
    await until(lambda: len(webhook.received) >= 3, 10, "some deliveries")
    await first.stop()  # graceful: in-flight sends finish and are recorded
    sent_before = {x["id"] for x in webhook.delivered()}
    second = Harness(tmp_path / "alerts.db", DeliveryPolicy(per_target=2, lease=1.0, poll=0.05))
    second.start()
    await until(lambda: len(webhook.delivered()) >= 10, 15, "the rest, leased rows included")
    await asyncio.sleep(0.5)
    await second.stop()
    ids = [x["id"] for x in webhook.delivered()]
    assert sorted(ids) == sorted(f"r-{i}" for i in range(10)), "lost or duplicated"
    assert sent_before < set(ids)


@run_async
async def test_email_and_apprise_json_targets(
    tmp_path: Path, webhook: WebhookReceiver, smtp: tuple[SmtpReceiver, int]
) -> None:
    receiver, port = smtp
    json_target = f"json://127.0.0.1:{webhook.port}/apprise"
    h = Harness(tmp_path / "alerts.db")
    sub = new_subscription("mail", "patriot", [email_target(port), json_target])
    h.store.record([alert(sub, 1)])
    h.start()
    await until(lambda: len(receiver.messages) == 1 and len(webhook.received) == 1, 15, "email and json")
    await h.stop()
    mail = receiver.messages[0]
    assert mail["Subject"] == "[mail] Story 1" and mail["To"] == "ops@example.com"
    text = "".join(part.get_payload(decode=True).decode() for part in mail.walk() if not part.is_multipart())
    assert "Patriot" in text and "https://news.example/1" in text and "Atom Daily" in text
    body = json.loads(webhook.received[0].body)
    assert body["title"] == "[mail] Story 1"
    assert "**Patriot**" in body["message"] and "https://news.example/1" in body["message"]
