"""The poller: schedules every active feed with APScheduler and turns new items into Kafka records.

One poll = fetch (conditional GET) -> parse -> normalise -> drop what the index already has ->
produce to `wirewatch.articles.raw` -> record the outcome. Validators (ETag/Last-Modified) are
stored only after the items they cover are acknowledged by the broker, and produced ids stay
"pending" until the index confirms them: if the broker loses them (the embedded broker keeps
records in memory), the next poll fetches the feed unconditionally and emits them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from kafka import KafkaProducer

from ingest.feedlist import load_feed_list
from ingest.fetch import Fetcher, feed_fetcher
from ingest.normalise import FeedContext, normalise_entry
from ingest.outcomes import PollStatus
from ingest.parse import NotAFeedError, ParsedFeed, parse_feed
from ingest.state import Feed, FeedStore, PollOutcome
from search.backends import SearchBackend
from wirewatch import topics
from wirewatch.deadletter import dead_letter
from wirewatch.schema import Article, SchemaError
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.ingest")

PENDING_GRACE = 300.0  # seconds a produced item may take to reach the index before re-emission
RELOAD_EVERY = 2.0  # seconds between checks for feeds added or removed while running
SEND_TIMEOUT = 30.0


@dataclass(frozen=True)
class Normalised:
    """Articles from one feed document, and the entries that could not become articles."""

    articles: list[Article]
    rejected: list[tuple[str, str]]  # (reason, entry as text)


def normalise_feed(parsed: ParsedFeed, feed: Feed, fetched: datetime) -> Normalised:
    """Every entry of a parsed feed as an article (duplicates by id collapsed, first wins)."""
    context = FeedContext(feed.id, feed.url, feed.name or parsed.title or feed.url, feed.tags)
    articles: dict[str, Article] = {}
    rejected: list[tuple[str, str]] = []
    for entry in parsed.entries:
        try:
            article = normalise_entry(entry, context, fetched)
        except (SchemaError, ValueError) as exc:
            rejected.append((str(exc).splitlines()[0], repr(dict(entry))[:10_000]))
            continue
        articles.setdefault(article.id, article)
    return Normalised(list(articles.values()), rejected)


def load_feeds(settings: Settings, store: FeedStore) -> None:
    """Sync the feed list file into the registry; a missing default file is not an error."""
    path = settings.feeds
    if not path.exists() and "feeds" not in settings.model_fields_set:
        log.warning("no feed list at %s; polling only feeds added with `wirewatch feeds add`", path)
        return
    store.sync_file(load_feed_list(path))


async def _sent(future: object) -> None:
    """Await a kafka-python send future from asyncio."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def ok(_: object) -> None:
        loop.call_soon_threadsafe(lambda: done.done() or done.set_result(None))

    def failed(exc: BaseException) -> None:
        loop.call_soon_threadsafe(lambda: done.done() or done.set_exception(exc))

    future.add_callback(ok)  # type: ignore[attr-defined]
    future.add_errback(failed)  # type: ignore[attr-defined]
    await done


class Poller:
    """Polls the registered feeds on their schedules until stopped."""

    def __init__(
        self,
        settings: Settings,
        store: FeedStore,
        index: SearchBackend,
        producer: KafkaProducer,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.index = index
        self.producer = producer
        self.fetcher = fetcher or feed_fetcher(settings)
        self.run_id = uuid.uuid4().hex
        self._slots = asyncio.Semaphore(settings.poll_concurrency)
        self._scheduler: AsyncIOScheduler | None = None
        self._intervals: dict[str, int] = {}

    def interval(self, feed: Feed) -> int:
        return feed.interval or self.settings.poll_interval

    async def poll(self, feed: Feed) -> PollOutcome:
        """Poll one feed now and record the outcome; never raises for feed or broker problems."""
        async with self._slots:
            try:
                outcome = await self._poll(feed)
            except Exception as exc:  # a bug must not stop the other feeds: record it, keep going
                log.exception("poll of %s failed unexpectedly", feed.label)
                outcome = PollOutcome("internal_error", f"{type(exc).__name__}: {exc}")
        next_poll = time.time() + self.interval(feed)
        self.store.record_poll(feed, outcome, next_poll)
        if outcome.status in {"ok", "not_modified"}:
            log.info("polled %s: %s, %d new", feed.label, outcome.status, outcome.items)
        else:
            log.warning("polled %s: %s: %s", feed.label, outcome.status, outcome.error)
        return outcome

    async def _poll(self, feed: Feed) -> PollOutcome:
        pending = await asyncio.to_thread(self._pending, feed)
        stale = any(
            run != self.run_id or produced < time.time() - PENDING_GRACE for _, produced, run in pending
        )
        in_flight = {article_id for article_id, _, _ in pending}
        etag, modified = (None, None) if stale else (feed.etag, feed.last_modified)
        result = await self.fetcher.fetch(feed.url, etag, modified)
        if result.status is PollStatus.NOT_MODIFIED:
            return PollOutcome("not_modified")
        if result.status is not PollStatus.OK:
            return PollOutcome(result.status.value, result.error)
        fetched = datetime.now(UTC)
        try:
            parsed = await asyncio.to_thread(parse_feed, result.body, feed.url, result.content_type)
        except NotAFeedError as exc:
            return PollOutcome("not_a_feed", str(exc))
        normalised = await asyncio.to_thread(normalise_feed, parsed, feed, fetched)
        known = await asyncio.to_thread(self.index.existing_ids, [a.id for a in normalised.articles])
        # After a stale pending set, re-emit the unconfirmed items; otherwise skip in-flight ones.
        skip = known if stale else known | in_flight
        new = [a for a in normalised.articles if a.id not in skip]
        try:
            await self._produce(feed, new, normalised.rejected)
        except Exception as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return PollOutcome("broker_error", f"could not produce to Kafka: {reason}")
        await asyncio.to_thread(self.store.add_pending, feed, [a.id for a in new], self.run_id)
        note = f"{len(normalised.rejected)} entries rejected" if normalised.rejected else None
        return PollOutcome(
            "ok",
            error=note,
            items=len(new),
            etag=result.etag,
            last_modified=result.last_modified,
            validators_changed=True,
        )

    def _pending(self, feed: Feed) -> list[tuple[str, float, str]]:
        """Pending items of a feed, after dropping those the index now holds."""
        pending = self.store.pending(feed)
        if not pending:
            return []
        confirmed = self.index.existing_ids(p[0] for p in pending)
        self.store.clear_pending(feed, confirmed)
        return [p for p in pending if p[0] not in confirmed]

    async def _produce(
        self, feed: Feed, articles: Sequence[Article], rejected: list[tuple[str, str]]
    ) -> None:
        futures = [self.producer.send(topics.RAW, key=a.id.encode(), value=a.to_json()) for a in articles] + [
            self.producer.send(
                topics.DEADLETTER,
                key=feed.id.encode(),
                value=dead_letter("ingest", reason, entry, origin={"feed": feed.url}),
            )
            for reason, entry in rejected
        ]
        if futures:
            async with asyncio.timeout(SEND_TIMEOUT):
                await asyncio.gather(*(_sent(f) for f in futures))

    # -- scheduling ------------------------------------------------------------------------

    def _schedule(self, scheduler: AsyncIOScheduler, feed: Feed, first_delay: float) -> None:
        interval = self.interval(feed)
        self._intervals[feed.id] = interval
        scheduler.add_job(
            self._poll_by_id,
            IntervalTrigger(seconds=interval, jitter=min(30, interval // 10)),
            args=[feed.id],
            id=feed.id,
            name=feed.label,
            next_run_time=datetime.now(UTC) + timedelta(seconds=first_delay),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=interval,
            replace_existing=True,
        )

    async def _poll_by_id(self, feed_id: str) -> None:
        feed = await asyncio.to_thread(self.store.get, feed_id)
        if feed is not None and feed.active:
            # Cancelled at shutdown: nothing was recorded, so the next run polls it again.
            with contextlib.suppress(asyncio.CancelledError):
                await self.poll(feed)

    def _reconcile(self, scheduler: AsyncIOScheduler, first: bool = False) -> None:
        """Add jobs for new feeds, drop removed ones, follow interval changes."""
        active = {f.id: f for f in self.store.list(active_only=True)}
        for job_id in set(self._intervals) - set(active):
            scheduler.remove_job(job_id)
            del self._intervals[job_id]
        # Spread the first polls over a few seconds so start-up is not one burst.
        spread = min(10.0, 0.05 * len(active)) if first else 0.0
        for feed in active.values():
            if feed.id not in self._intervals:
                self._schedule(scheduler, feed, random.uniform(0, spread))
            elif self._intervals[feed.id] != self.interval(feed):
                self._schedule(scheduler, feed, self.interval(feed))

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        self._reconcile(scheduler, first=True)
        scheduler.start()
        log.info("polling %d feeds", len(self._intervals))
        version = self.store.data_version()
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RELOAD_EVERY)
                current = self.store.data_version()
                if current != version:
                    version = current
                    self._reconcile(scheduler)
        finally:
            scheduler.shutdown(wait=False)
            await self.fetcher.aclose()
