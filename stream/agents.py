"""The Faust agents: thin loops that move records between topics and the pure functions.

Each agent takes a batch of events without acking, does its work, and acks only when the effect
is durable (sent on, indexed, recorded), so a crash replays the batch instead of losing it.
A record that cannot be processed goes to `wirewatch.deadletter` with the reason; a service
that is down (index, broker) is retried with backoff, holding the offsets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import faust
from faust.types import EventT, StreamT

from search.backends.base import BULK_SIZE
from stream.alerts.deliver import DeliveryLoop
from stream.alerts.store import Claim, NewAlert
from stream.services import Services
from wirewatch import topics
from wirewatch.deadletter import dead_letter
from wirewatch.failures import is_temporary
from wirewatch.schema import Article

log = logging.getLogger("wirewatch.stream")
T = TypeVar("T")

MAX_BACKOFF = 30.0


async def acked_batches(stream: StreamT, size: int, within: float) -> AsyncIterator[list[EventT]]:
    """Batches of events, each acked only after the consumer's loop body finished without error."""
    async for events in stream.noack_take(size, within=within):
        batch = list(events)
        yield batch
        for event in batch:
            await stream.ack(event)


async def until_done(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """Retry temporary failures (a service down) with capped exponential backoff, forever;
    anything else is raised to the caller, which dead-letters what it cannot process."""
    attempt = 0
    while True:
        try:
            return await call()
        except Exception as exc:
            if not is_temporary(exc):
                raise
            attempt += 1
            delay = min(MAX_BACKOFF, 0.5 * 2**attempt) * random.uniform(0.8, 1.2)
            log.warning("%s failed (attempt %d), retrying in %.1fs: %s", what, attempt, delay, exc)
            await asyncio.sleep(delay)


async def halving(
    stage: str,
    pairs: list[tuple[T, EventT]],
    work: Callable[[list[T]], Awaitable[None]],
    reject: Callable[[EventT, str, str], Awaitable[None]],
    *,
    whole: bool = True,
) -> None:
    """Run `work` on the records; if it fails for good, on each half in turn, down to the single
    records that fail, which are rejected (dead-lettered): a bad record in a bulk of thousands
    costs a few dozen calls, not one per record. The failure of the `whole` batch is logged with
    its traceback; the halves' failures, which repeat it, with their error alone."""
    try:
        await until_done(stage, lambda: work([r for r, _ in pairs]))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        alone = len(pairs) == 1
        if whole or not alone:
            suffix = "" if alone else "; trying each half"
            log.warning("%s failed on a batch of %d (%s)%s", stage, len(pairs), error, suffix, exc_info=whole)
        if alone:
            await reject(pairs[0][1], stage, f"{stage} failed: {error}")
            return
        middle = len(pairs) // 2
        await halving(stage, pairs[:middle], work, reject, whole=False)
        await halving(stage, pairs[middle:], work, reject, whole=False)


def origin(event: EventT) -> dict[str, Any]:
    msg = event.message
    return {"topic": msg.topic, "partition": msg.partition, "offset": msg.offset}


class Agents:
    """Registers the pipeline's agents on a Faust app; the work lives in `Services`."""

    def __init__(self, app: faust.App, services: Services) -> None:
        self.app = app
        self.services = services
        raw: dict[str, Any] = {
            "key_type": bytes,
            "value_type": bytes,
            "key_serializer": "raw",
            "value_serializer": "raw",
        }
        self.raw = app.topic(topics.RAW, **raw)
        self.enriched = app.topic(topics.ENRICHED, **raw)
        self.alerts = app.topic(topics.ALERTS, **raw)
        self.deadletter = app.topic(topics.DEADLETTER, **raw)
        app.agent(self.raw, name="enrich")(self.enrich)
        if services.early_matcher is not None:
            app.agent(self.raw, name="early-match")(self.early_match)
        app.agent(self.enriched, name="index")(self.index)
        app.agent(self.enriched, name="match")(self.match)
        app.agent(self.alerts, name="notify")(self.notify)
        self.delivery = DeliveryLoop(
            services.alerts, services.sender, services.policy, self.dead_letter_delivery
        )
        app.task(self.deliver)

    async def reject(self, event: EventT, stage: str, reason: str) -> None:
        """Dead-letter one record with the reason (never silently dropped)."""
        log.warning("dead-lettered %s record at %s: %s", stage, origin(event), reason)
        value = dead_letter(stage, reason, event.message.value, event.message.key, origin(event))
        await self.deadletter.send(key=event.message.key, value=value)

    async def records(
        self, events: Sequence[EventT], stage: str, parse: Callable[[bytes], T], what: str, owner: bool
    ) -> list[tuple[T, EventT]]:
        """Valid records of a batch with their events; invalid ones are dead-lettered by the one
        agent of their topic that owns them (the others skip them, so each goes there once)."""
        out = []
        for event in events:
            try:
                out.append((parse(event.message.value or b""), event))
            except (ValueError, KeyError, TypeError) as exc:  # SchemaError is a ValueError
                if owner:
                    await self.reject(event, stage, f"invalid {what}: {exc}")
        return out

    async def process(
        self,
        stage: str,
        events: Sequence[EventT],
        work: Callable[[list[T]], Awaitable[None]],
        parse: Callable[[bytes], T] = Article.from_json,  # type: ignore[assignment]
        what: str = "article",
        owner: bool = True,
    ) -> None:
        """Run `work` on a batch; if it fails for good, isolate the culprits (see `halving`)."""
        pairs = await self.records(events, stage, parse, what, owner)
        if pairs:
            await halving(stage, pairs, work, self.reject)

    async def enrich(self, stream: StreamT) -> None:
        """raw -> language, entities, topics, story cluster -> enriched.

        The work runs in a thread (the model in a process of its own) so the event loop keeps
        heartbeating; the cluster store records assignments idempotently, so a batch replayed after
        a crash gets the same clusters.
        """

        async def work(articles: list[Article]) -> None:
            for article in await asyncio.to_thread(self.services.enricher.enrich, articles):
                await self.enriched.send(key=article.id.encode(), value=article.to_json())

        async for events in acked_batches(stream, 32, within=0.05):
            await self.process("enrich", events, work)

    async def index(self, stream: StreamT) -> None:
        """enriched -> search index, in bulk; offsets advance once the index has committed."""

        async def work(articles: list[Article]) -> None:
            result = await asyncio.to_thread(self.services.index.index, articles)
            log.info("indexed %d articles (%d unchanged)", result.written, result.unchanged)

        # Up to a bulk at once when a backlog waits (replay, catching up): the index's fastest size.
        async for events in acked_batches(stream, BULK_SIZE, within=0.5):
            await self.process("index", events, work)

    async def match(self, stream: StreamT) -> None:
        """enriched -> subscriptions -> alerts topic (one record per match, keyed by alert id)."""
        services = self.services
        await self.alert_on(stream, "match", lambda a: services.alerts_for(a, services.matcher), 100)

    async def early_match(self, stream: StreamT) -> None:
        """raw -> subscriptions that need no NER -> alerts topic, beside (not behind) the enrich agent.

        Each subscription is held by one of the two matchers; the story cluster is recorded once,
        by whichever agent comes first, and alert records are create-only, so a replay doubles nothing.
        """
        # Small batches: the first articles of a feed's burst alert before the rest are read.
        await self.alert_on(stream, "early-match", self.services.early_alerts, 16)

    async def alert_on(
        self,
        stream: StreamT,
        stage: str,
        alerts_for: Callable[[list[Article]], list[NewAlert]],
        batch: int,
    ) -> None:
        """Send the alerts each batch of `stream` raises to the alerts topic, keyed by alert id."""

        async def work(articles: list[Article]) -> None:
            for alert in await asyncio.to_thread(alerts_for, articles):
                await self.alerts.send(key=alert.id.encode(), value=alert.to_json())

        async for events in acked_batches(stream, batch, within=0.05):
            # The enrich and index agents dead-letter invalid raw and enriched records.
            await self.process(stage, events, work, owner=False)

    async def notify(self, stream: StreamT) -> None:
        """alerts topic -> alert records and delivery queue (create-only); the loop sends them."""

        async def work(alerts: list[NewAlert]) -> None:
            await asyncio.to_thread(self.services.record_alerts, alerts)
            self.delivery.wake()

        async for events in acked_batches(stream, 200, within=0.05):
            await self.process("notify", events, work, NewAlert.from_json, "alert record")

    async def deliver(self) -> None:
        """The worker's delivery loop: sends what the queue holds, beside (never inside) the agents."""
        await self.delivery.run()

    async def dead_letter_delivery(self, claim: Claim, reason: str) -> None:
        """A delivery that failed for good goes to the dead-letter topic with the reason."""
        value = dead_letter("notify", reason, json.dumps(claim.payload, ensure_ascii=False), claim.alert_id)
        await self.deadletter.send(key=claim.alert_id.encode(), value=value)
