"""Prometheus metrics: the API's own requests, and pipeline figures read from the shared state.

Pipeline figures come from the durable stores every process writes (feeds.db, alerts.db, the
search index) and from the broker, so one scrape of any API process describes the whole machine
(or cluster, with Elasticsearch). They are collected at most every CACHE_SECONDS.
"""

from __future__ import annotations

import bisect
import logging
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ingest.outcomes import PollStatus
from ingest.state import FeedStore
from search.backends.base import SearchBackend
from stream.alerts.store import AlertStore
from wirewatch import topics
from wirewatch.kafka import CONSUMER_GROUP, consumer_lag, topic_records
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.api")

CACHE_SECONDS = 5.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
QUANTILES = (0.5, 0.95)
SAMPLE = 200  # recent articles / alerts / deliveries the stage latencies are computed from
POLL_WINDOW = 3_600.0


def _labels(**labels: str) -> str:
    if not labels:
        return ""
    escaped = {k: v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") for k, v in labels.items()}
    return "{" + ",".join(f'{k}="{v}"' for k, v in escaped.items()) + "}"


class Exposition:
    """Prometheus text format, written one metric family at a time."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, value: float, **labels: str) -> None:
        self.lines.append(f"{name}{_labels(**labels)} {value:g}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))
    total: float = 0.0
    n: int = 0


class RequestMetrics:
    """Counts and latency histogram of this API process's requests, by route template."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency: dict[str, _Histogram] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            key = (method, route, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
            hist = self.latency.setdefault(route, _Histogram())
            index = bisect.bisect_left(LATENCY_BUCKETS, seconds)
            if index < len(hist.counts):
                hist.counts[index] += 1
            hist.total += seconds
            hist.n += 1

    def write(self, out: Exposition, live_clients: int) -> None:
        with self._lock:
            out.family(
                "wirewatch_api_requests_total", "counter", "HTTP requests answered by this API process"
            )
            for (method, route, status), n in sorted(self.requests.items()):
                out.sample("wirewatch_api_requests_total", n, method=method, route=route, status=status)
            name = "wirewatch_api_request_duration_seconds"
            out.family(name, "histogram", "Time to answer a request (streams: until headers)")
            for route, hist in sorted(self.latency.items()):
                running = 0
                for bound, count in zip(LATENCY_BUCKETS, hist.counts, strict=True):
                    running += count
                    out.sample(f"{name}_bucket", running, route=route, le=f"{bound:g}")
                out.sample(f"{name}_bucket", hist.n, route=route, le="+Inf")
                out.sample(f"{name}_sum", round(hist.total, 6), route=route)
                out.sample(f"{name}_count", hist.n, route=route)
        out.family("wirewatch_api_stream_clients", "gauge", "Clients connected to /api/alerts/stream")
        out.sample("wirewatch_api_stream_clients", live_clients)


def _quantiles(out: Exposition, stage: str, values: list[float]) -> None:
    name = "wirewatch_stage_latency_seconds"
    if len(values) >= 2:
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        for q in QUANTILES:
            out.sample(name, round(cuts[int(q * 100) - 1], 3), stage=stage, quantile=f"{q:g}")
    elif values:
        for q in QUANTILES:
            out.sample(name, round(values[0], 3), stage=stage, quantile=f"{q:g}")
    out.sample(f"{name}_count", len(values), stage=stage)


def _guard(what: str, step: Callable[[], None]) -> None:
    """Run one collection step; a store that is down leaves its metrics out, not the scrape."""
    try:
        step()
    except Exception as exc:  # a broken store must never break the scrape
        log.warning("metrics: cannot collect %s: %s: %s", what, type(exc).__name__, exc)


class PipelineMetrics:
    """Pipeline figures from the shared stores, cached for CACHE_SECONDS."""

    def __init__(
        self,
        settings: Settings,
        feeds: FeedStore,
        alerts: AlertStore,
        with_index: Callable[[Callable[[SearchBackend], object]], object],
    ) -> None:
        self.settings = settings
        self.feeds = feeds
        self.alerts = alerts
        self.with_index = with_index
        self._lock = threading.Lock()
        self._text = ""
        self._at = 0.0

    def text(self) -> str:
        """The cached exposition, refreshed when older than CACHE_SECONDS (blocking: threadpool)."""
        with self._lock:
            if time.monotonic() - self._at > CACHE_SECONDS:
                out = Exposition()
                self._collect(out)
                self._text, self._at = out.text(), time.monotonic()
            return self._text

    def _collect(self, out: Exposition) -> None:
        _guard("feeds", lambda: self._feeds(out))
        _guard("broker", lambda: self._broker(out))
        _guard("index", lambda: self._index(out))
        _guard("alerts", lambda: self._alerts(out))
        out.family("wirewatch_stage_latency_seconds", "summary", "Seconds between pipeline stages")
        _guard("stage latencies", lambda: self._stages(out))

    def _feeds(self, out: Exposition) -> None:
        feeds = self.feeds.list()
        out.family(
            "wirewatch_articles_ingested_total", "counter", "New articles the pollers produced (all feeds)"
        )
        out.sample("wirewatch_articles_ingested_total", sum(f.items_total for f in feeds))
        out.family("wirewatch_feeds", "gauge", "Registered feeds by state")
        failing = sum(f.active and f.consecutive_failures > 0 for f in feeds)
        out.sample("wirewatch_feeds", sum(f.active for f in feeds) - failing, state="ok")
        out.sample("wirewatch_feeds", failing, state="failing")
        out.sample("wirewatch_feeds", sum(not f.active for f in feeds), state="inactive")
        polls = self.feeds.poll_counts(time.time() - POLL_WINDOW)
        out.family("wirewatch_feed_polls_1h", "gauge", "Polls and pushes in the last hour by outcome")
        for status, n in sorted(polls.items()):
            out.sample("wirewatch_feed_polls_1h", n, status=status)
        errors = sum(n for s, n in polls.items() if s not in {PollStatus.OK, PollStatus.NOT_MODIFIED})
        out.family("wirewatch_feed_poll_errors_1h", "gauge", "Polls in the last hour that failed")
        out.sample("wirewatch_feed_poll_errors_1h", errors)

    def _broker(self, out: Exposition) -> None:
        records = topic_records(self.settings.bootstrap)
        out.family(
            "wirewatch_topic_records", "gauge", "Records written to each topic since the broker started"
        )
        for topic, n in sorted(records.items()):
            out.sample("wirewatch_topic_records", n, topic=topic)
        out.family(
            "wirewatch_articles_enriched_total",
            "counter",
            "Articles the stream enriched (records on the enriched topic since the broker started)",
        )
        out.sample("wirewatch_articles_enriched_total", records.get(topics.ENRICHED, 0))
        lag = consumer_lag(self.settings.bootstrap)
        out.family("wirewatch_consumer_lag", "gauge", "Records not yet consumed, per group and topic")
        for topic, n in sorted(lag.items()):
            out.sample("wirewatch_consumer_lag", n, group=CONSUMER_GROUP, topic=topic)

    def _index(self, out: Exposition) -> None:
        count = self.with_index(lambda index: index.count())
        out.family("wirewatch_articles_indexed", "gauge", "Articles in the search index")
        out.sample("wirewatch_articles_indexed", float(count))  # type: ignore[arg-type]

    def _alerts(self, out: Exposition) -> None:
        out.family(
            "wirewatch_alert_deliveries", "gauge", "Alert deliveries (one per alert and target) by state"
        )
        for status, n in sorted(self.alerts.counts().items()):
            out.sample("wirewatch_alert_deliveries", n, status=status)

    def _stages(self, out: Exposition) -> None:
        def recent(index: SearchBackend) -> tuple[list[float], list[float]]:
            articles = [h.article for h in index.search(None, sort="newest", size=SAMPLE).hits]
            fetch = [max(0.0, (a.fetched - a.published).total_seconds()) for a in articles]
            to_alert: list[float] = []
            for record in self.alerts.find(limit=SAMPLE):
                if record.kind != "alert" or not record.article_id:
                    continue
                article = index.get(record.article_id)
                if article is not None:
                    created = datetime.fromtimestamp(record.created, UTC)
                    to_alert.append(max(0.0, (created - article.fetched).total_seconds()))
            return fetch, to_alert

        fetch, to_alert = self.with_index(recent)  # type: ignore[misc]
        _quantiles(out, "published_to_fetched", fetch)
        _quantiles(out, "fetched_to_alert", to_alert)
        _quantiles(out, "alert_to_delivered", self.alerts.delivery_delays(SAMPLE))
