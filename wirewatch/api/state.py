"""What one API process holds open: the stores, a pool of index connections, the live hub."""

from __future__ import annotations

import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Request

from ingest.poller import open_store
from search.backends import SearchBackend, open_backend
from search.backends.base import IndexUnavailable
from stream.alerts.db import AlertsDb
from stream.alerts.store import AlertStore
from stream.alerts.subscriptions import open_subscriptions
from wirewatch.api.live import AlertHub
from wirewatch.api.metrics import PipelineMetrics, RequestMetrics
from wirewatch.api.ratelimit import RateLimiter
from wirewatch.api.tokens import TokenStore
from wirewatch.errors import UnreachableError
from wirewatch.settings import Settings

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
LEASE_TIMEOUT = 30.0
FACET_SECONDS = 10.0  # how stale the facet counts of a repeated query may be


class IndexPool:
    """Read-only index connections opened on first need (the index may not exist yet at start)
    and shared by the threadpool: a SQLite connection serves one query at a time."""

    def __init__(self, settings: Settings, size: int) -> None:
        self.settings = settings
        self.size = size
        self._idle: queue.LifoQueue[SearchBackend] = queue.LifoQueue()
        self._opened = 0
        self._lock = threading.Lock()

    @contextmanager
    def lease(self) -> Iterator[SearchBackend]:
        backend = self._take()
        try:
            yield backend
        finally:
            self._idle.put(backend)

    def _take(self) -> SearchBackend:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = self._opened < self.size
            if grow:
                self._opened += 1
        if grow:
            try:
                return open_backend(self.settings, readonly=True)
            except UnreachableError:
                with self._lock:
                    self._opened -= 1
                raise
        try:
            return self._idle.get(timeout=LEASE_TIMEOUT)
        except queue.Empty:
            raise IndexUnavailable(f"the search index stayed busy for {LEASE_TIMEOUT:g}s") from None

    def run(self, call: Callable[[SearchBackend], T]) -> T:
        with self.lease() as backend:
            return call(backend)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


class TtlCache(Generic[K, V]):
    """A small thread-safe cache whose entries expire: facets of a broad query cost far more than
    its page of hits, and the console asks for them again with every page and filter click."""

    def __init__(self, ttl: float, size: int) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None or found[0] < time.monotonic():
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = (time.monotonic() + self.ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


class ApiState:
    """Everything the routes use, built once per app from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.index = IndexPool(settings, settings.api_index_connections)
        self.facets: TtlCache[Hashable, dict[str, list[tuple[str, int]]]] = TtlCache(FACET_SECONDS, 256)
        self.alerts_db = AlertsDb(settings.alerts_db)
        self.alerts = AlertStore(self.alerts_db)
        self.subscriptions = open_subscriptions(settings, self.alerts_db)
        self.feeds = open_store(settings)
        self.tokens = TokenStore(settings.api_db)
        self.limiter = RateLimiter(settings.api_rate_limit, settings.api_rate_burst)
        self.hub = AlertHub(self.alerts, settings.api_keepalive)
        self.requests = RequestMetrics()
        self.pipeline = PipelineMetrics(settings, self.feeds, self.alerts, self.index.run)

    def close(self) -> None:
        self.index.close()
        self.subscriptions.close()
        self.alerts_db.close()
        self.feeds.close()
        self.tokens.close()


def state(request: Request) -> ApiState:
    """The app's state (a FastAPI dependency)."""
    return request.app.state.api  # type: ignore[no-any-return]


Api = Annotated[ApiState, Depends(state)]
