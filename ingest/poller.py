"""The poller: schedules every feed it owns with APScheduler and turns new items into Kafka records.

One poll = fetch (conditional GET) -> parse and normalise in a worker process, under a deadline
-> drop what the index already has -> produce to `wirewatch.articles.raw` -> record the outcome
and schedule the next poll (ingest.schedule). Validators (ETag/Last-Modified) are stored only
after the items they cover are acknowledged by the broker, and produced ids stay "pending"
until the index confirms them: if the broker loses them (the embedded broker keeps records in
memory), the next poll fetches the feed unconditionally and emits them again. WebSub pushes go
through the same `ingest_document` step. A poll never raises: every outcome is one label.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from kafka import KafkaProducer

from ingest.document import FeedDocument, read_feed
from ingest.feedlist import load_feed_list
from ingest.fetch import Fetcher, feed_fetcher
from ingest.fulltext import FullText
from ingest.normalise import FeedContext
from ingest.outcomes import PollStatus
from ingest.schedule import Cadence, next_delay, rate_from_dates
from ingest.state import Feed, FeedStore, PollOutcome
from ingest.websub import Subscriber
from ingest.workers import DeadlineExceededError, WorkerError, WorkerPool
from search.backends import SearchBackend
from wirewatch import topics
from wirewatch.deadletter import dead_letter
from wirewatch.schema import Article, utcnow
from wirewatch.settings import Settings
from wirewatch.waits import wait_event

log = logging.getLogger("wirewatch.ingest")

PENDING_GRACE = 300.0  # seconds a produced item may take to reach the index before re-emission
RELOAD_EVERY = 2.0  # seconds between checks for feeds added, removed or changed while running
SEND_TIMEOUT = 30.0
STOP_GRACE = 5.0  # seconds polls in flight get to finish at shutdown
START_SPREAD = 0.01  # seconds of start-up spread per feed (5,000 feeds: over 50 s), at most 60 s


def load_feeds(settings: Settings, store: FeedStore) -> None:
    """Sync the feed list file into the registry; a missing default file is not an error."""
    path = settings.feeds
    if not path.exists() and "feeds" not in settings.model_fields_set:
        log.warning("no feed list at %s; polling only feeds added with `wirewatch feeds add`", path)
        return
    store.sync_file(load_feed_list(path))


def open_store(settings: Settings, *, readonly: bool = False) -> FeedStore:
    """The feed registry of these settings."""
    return FeedStore(settings.feeds_db, readonly=readonly, gone_after_404s=settings.gone_after_404s)


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


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class Poller:
    """Polls the registered feeds it owns on their schedules until stopped."""

    def __init__(
        self,
        settings: Settings,
        store: FeedStore,
        index: SearchBackend,
        producer: KafkaProducer,
        *,
        fetcher: Fetcher | None = None,
        workers: WorkerPool | None = None,
        name: str | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.index = index
        self.producer = producer
        self.fetcher = fetcher or feed_fetcher(settings)
        self.workers = workers or WorkerPool(settings.parse_workers)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.run_id = uuid.uuid4().hex
        self.owns: Callable[[str], bool] = lambda _feed_id: True
        self.websub: Subscriber | None = None  # set when WebSub is enabled
        self.fulltext = FullText(settings, self.workers)
        self._scheduler: AsyncIOScheduler | None = None
        self._scheduled: dict[str, tuple[object, ...]] = {}  # feed id -> its schedule settings
        self._in_flight: dict[str, asyncio.Task[object]] = {}  # feed id -> the task polling it
        self._running: set[str] = set()  # feed ids whose scheduled job is running
        self._polled: set[str] = set()  # feed ids polled in this run
        self._idle = asyncio.Event()
        self._rng = random.Random()

    def cadence(self, feed: Feed) -> Cadence:
        """The interval bounds of a feed: its overrides, else the settings."""
        floor = feed.min_interval or self.settings.poll_interval_min
        ceiling = max(feed.max_interval or self.settings.poll_interval_max, floor)
        fixed = feed.interval
        if feed.websub_state == "active":  # the hub pushes: polling is only the slow fallback
            fixed = max(fixed or 0, self.settings.websub_fallback_interval)
        return Cadence(floor, ceiling, self.settings.poll_interval, fixed)

    # -- one poll --------------------------------------------------------------------------

    async def poll(self, feed: Feed) -> PollOutcome:
        """Poll one feed now, record the outcome and plan the next poll; never raises for feed,
        parser or broker problems."""
        task = asyncio.current_task()
        assert task is not None
        self._in_flight[feed.id] = task
        self._idle.clear()
        try:
            try:
                outcome = await self._poll(feed)
            except Exception as exc:  # a bug must not stop the other feeds: record it, keep going
                log.exception("poll of %s failed unexpectedly", feed.label)
                outcome = PollOutcome(PollStatus.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
            updated = await asyncio.to_thread(
                self.store.record_poll,
                feed,
                outcome,
                poller=self.name,
                plan=lambda f: self._delay(f, outcome),
            )
            self._schedule_next(updated)
        finally:
            self._in_flight.pop(feed.id, None)
            if not self._in_flight:
                self._idle.set()
        if outcome.status is PollStatus.NOT_MODIFIED:
            log.debug("polled %s: not modified", feed.label)
        elif outcome.status.succeeded:
            log.info("polled %s: %s, %d new", feed.label, outcome.status, outcome.items)
        else:
            log.warning("polled %s: %s: %s", feed.label, outcome.status, outcome.error)
        if not updated.active:
            log.warning("paused %s: %s", feed.label, updated.inactive_reason)
        elif updated.url != feed.url:
            log.info("feed %s moved permanently to %s", feed.url, updated.url)
        return outcome

    async def _poll(self, feed: Feed) -> PollOutcome:
        pending = await asyncio.to_thread(self._pending, feed)
        stale = any(
            run != self.run_id or produced < time.time() - PENDING_GRACE for _, produced, run in pending
        )
        etag, modified = (None, None) if stale else (feed.etag, feed.last_modified)
        result = await self.fetcher.fetch(feed.url, etag, modified)
        about = {"http_status": result.http_status, "moved_to": result.moved_to, "elapsed": result.elapsed}
        if result.status is not PollStatus.OK:
            return PollOutcome(result.status, result.error, retry_after=result.retry_after, **about)  # type: ignore[arg-type]
        in_flight = set() if stale else {article_id for article_id, _, _ in pending}
        outcome = await self.ingest_document(feed, result.body, result.content_type, skip=in_flight)
        return replace(
            outcome,
            etag=result.etag,
            last_modified=result.last_modified,
            validators_changed=outcome.status is PollStatus.OK,
            **about,  # type: ignore[arg-type]
        )

    async def ingest_document(
        self, feed: Feed, body: bytes, content_type: str | None, skip: set[str] | None = None
    ) -> PollOutcome:
        """Parse a feed document and produce its new articles (polls and WebSub pushes)."""
        fetched = utcnow()
        context = FeedContext(feed.id, feed.url, feed.name or "", feed.tags)
        try:
            document: FeedDocument = await self.workers.call(
                self.settings.parse_timeout,
                read_feed,
                body,
                content_type,
                context,
                fetched,
                self.settings.feed_parser,
            )
        except DeadlineExceededError as exc:
            return PollOutcome(PollStatus.PARSE_TIMEOUT, f"parsing {exc}; the parser was stopped")
        except WorkerError as exc:
            if exc.kind == "NotAFeedError":
                return PollOutcome(PollStatus.NOT_A_FEED, str(exc))
            return PollOutcome(PollStatus.INTERNAL_ERROR, f"parsing failed: {exc.kind}: {exc}")
        known = await asyncio.to_thread(self.index.existing_ids, [a.id for a in document.articles])
        new = [a for a in document.articles if a.id not in known and a.id not in (skip or set())]
        if feed.fulltext:
            new = await self.fulltext.complete(new)
        try:
            await self._produce(feed, new, document.rejected)
        except Exception as exc:
            return PollOutcome(PollStatus.BROKER_ERROR, f"could not produce to Kafka: {_first_line(exc)}")
        await asyncio.to_thread(self.store.add_pending, feed, [a.id for a in new], self.run_id)
        if self.websub is not None:
            self.websub.notice(feed, document.hub, document.self_url)
        notes = [n for n in (document.warning, f"{len(document.rejected)} entries rejected") if n]
        dated = [a.published for a in document.articles if a.published != fetched]
        return PollOutcome(
            PollStatus.OK,
            error="; ".join(notes[: 2 if document.rejected else 1]) or None,
            items=len(new),
            rate_seed=rate_from_dates(dated),
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

    def replan(self, feed_id: str) -> None:
        """Plan the next poll of a feed afresh, e.g. once its hub pushes to us (slow fallback)."""
        feed = self.store.get(feed_id)
        if feed is not None:
            self.store.set_next_poll(feed.id, time.time() + self._delay(feed, PollOutcome(PollStatus.OK)))
            self._schedule_next(self.store.get(feed_id) or feed)

    def _delay(self, feed: Feed, outcome: PollOutcome) -> float:
        """Seconds from now to the next poll of a feed as it stands after `outcome`."""
        first = feed.id not in self._polled
        self._polled.add(feed.id)
        return next_delay(
            self.cadence(feed),
            feed.rate,
            feed.consecutive_failures,
            outcome.retry_after,
            self._rng,
            first=first,
        )

    def _schedule_next(self, feed: Feed) -> None:
        """Schedule the planned next poll when running (and still ours, and active)."""
        if self._scheduler is not None and feed.active and feed.next_poll and feed.id in self._scheduled:
            self._schedule(feed.id, max(0.0, feed.next_poll - time.time()))

    def _schedule(self, feed_id: str, delay: float) -> None:
        assert self._scheduler is not None
        self._scheduler.add_job(
            self._poll_job,
            DateTrigger(datetime.fromtimestamp(time.time() + delay, UTC)),
            args=[feed_id],
            id=feed_id,
            replace_existing=True,
            max_instances=3,  # the next runs may come due while this one is still finishing
            misfire_grace_time=None,  # late is better than never
        )

    async def _poll_job(self, feed_id: str) -> None:
        if feed_id in self._running:  # its previous poll is still recording: come back shortly
            self._schedule(feed_id, 1.0)
            return
        self._running.add(feed_id)
        try:
            feed = await asyncio.to_thread(self.store.get, feed_id)
            if feed is None or not feed.active or not self.owns(feed_id):
                self._scheduled.pop(feed_id, None)
                return
            await self.poll(feed)
        except asyncio.CancelledError:
            pass  # shutdown: nothing was recorded, so the next run polls it again
        except Exception:  # e.g. feeds.db unwritable: keep the feed scheduled, try again later
            log.exception("could not poll or record feed %s", feed_id)
            self._schedule(feed_id, self.settings.poll_interval)
        finally:
            self._running.discard(feed_id)

    def _reschedule_lost(self) -> None:
        """A feed we own with neither a job nor a poll running gets a job again (never lost)."""
        assert self._scheduler is not None
        for feed_id in list(self._scheduled):
            if feed_id not in self._running and self._scheduler.get_job(feed_id) is None:
                log.warning("feed %s had no poll planned; planning one", feed_id)
                self._schedule(feed_id, self._rng.uniform(0, RELOAD_EVERY))

    @staticmethod
    def _signature(feed: Feed) -> tuple[object, ...]:
        return (feed.url, feed.interval, feed.min_interval, feed.max_interval)

    def reconcile(self) -> None:
        """Schedule new feeds we own, drop removed or no longer owned ones, follow changes."""
        if self._scheduler is None:
            return
        wanted = {f.id: f for f in self.store.list(active_only=True) if self.owns(f.id)}
        if set(wanted) != set(self._scheduled):
            log.info("polling %d feeds", len(wanted))
        for feed_id in set(self._scheduled) - set(wanted):
            del self._scheduled[feed_id]
            with contextlib.suppress(Exception):
                self._scheduler.remove_job(feed_id)
        now = time.time()
        spread = min(60.0, START_SPREAD * len(wanted))
        for feed in wanted.values():
            signature = self._signature(feed)
            known = self._scheduled.get(feed.id)
            if known == signature:
                continue
            self._scheduled[feed.id] = signature
            if known is None and feed.next_poll and feed.next_poll > now:
                delay = feed.next_poll - now  # keep its plan (and backoff) across restarts and rebalances
            elif known is None:
                # Due, or never planned: poll soon, spread so that start-up is not one burst.
                delay = self._rng.uniform(0, spread)
            else:
                delay = self._rng.uniform(0, 2.0)  # its settings changed: apply them now
            self._schedule(feed.id, delay)

    async def wait_idle(self, which: Callable[[str], bool], timeout: float) -> None:
        """Wait until no feed that `which` selects is being polled (before giving feeds away)."""
        deadline = time.monotonic() + timeout
        while any(which(f) for f in self._in_flight) and time.monotonic() < deadline:
            await wait_event(self._idle, 0.05)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set."""
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.start()
        log.info("poller %s started", self.name)
        self.reconcile()
        version = self.store.data_version()
        try:
            while not stop.is_set():
                await wait_event(stop, RELOAD_EVERY)
                current = self.store.data_version()
                if current != version:
                    version = current
                    self.reconcile()
                self._reschedule_lost()
        finally:
            await self._stop_polling()

    async def _stop_polling(self) -> None:
        """Start no new polls, give those in flight a moment, cancel the rest, close everything."""
        assert self._scheduler is not None
        self._scheduler.pause()
        await self.wait_idle(lambda _feed_id: True, STOP_GRACE)
        late = list(self._in_flight.values())
        for task in late:
            task.cancel()  # cancelled polls record nothing: the next run polls those feeds again
        await asyncio.gather(*late, return_exceptions=True)
        self._scheduler.shutdown(wait=False)
        self._scheduler = None
        await self.fetcher.aclose()
        await self.fulltext.aclose()
        self.workers.close()
