"""Live alerts over Server-Sent Events: one poller per app fans new alert records out to clients.

The poller reads alerts.db by sequence number (`AlertStore.after`), so alerts raised by any
worker process reach every connected client. Each client has a bounded queue: a client too slow
to drain it is disconnected (its EventSource reconnects with Last-Event-ID and catches up from
the store), never allowed to hold memory or the server back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool

from stream.alerts.store import AlertRecord, AlertStore
from wirewatch.waits import wait_event

log = logging.getLogger("wirewatch.api")

POLL_SECONDS = 0.2
BATCH = 500
QUEUE_SIZE = 1_000  # events buffered per client before it counts as too slow
REPLAY_MAX = 1_000  # events replayed to a client resuming with Last-Event-ID
Event = tuple[int, bytes] | None  # (seq, encoded event); None ends the client's stream


def encode(record: AlertRecord) -> bytes:
    """One SSE message: `id` is the sequence number a client resumes after."""
    data = json.dumps(record.to_dict(), ensure_ascii=False, separators=(",", ":"))
    return f"id: {record.seq}\nevent: alert\ndata: {data}\n\n".encode()


class AlertHub:
    """Follows the alert store and fans each new record out to every connected client."""

    def __init__(self, store: AlertStore, keepalive: float, poll: float = POLL_SECONDS) -> None:
        self.store = store
        self.keepalive = keepalive
        self.poll = poll
        self.seq = 0
        self.clients: set[asyncio.Queue[Event]] = set()
        self.closed = False
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def start(self) -> None:
        self.seq = await run_in_threadpool(self.store.last_seq)
        self._task = asyncio.create_task(self._follow(), name="alert-hub")

    async def _follow(self) -> None:
        while not self.closed:
            try:
                records = await run_in_threadpool(self.store.after, self.seq, BATCH)
            except Exception as exc:  # the store may be briefly locked or gone: try again
                log.warning("live alerts: cannot read the alert store: %s", exc)
                records = []
            for record in records:
                self.seq = record.seq
                self.publish((record.seq, encode(record)))
            if len(records) < BATCH:
                await wait_event(self._wake, self.poll)

    def publish(self, event: Event) -> None:
        for queue in list(self.clients):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("live alerts: a client fell %d events behind; disconnecting it", QUEUE_SIZE)
                self._end(queue)

    def _end(self, queue: asyncio.Queue[Event]) -> None:
        self.clients.discard(queue)
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(None)

    async def close(self) -> None:
        """End every client's stream and stop following (app shutdown)."""
        self.closed = True
        self._wake.set()
        for queue in list(self.clients):
            self._end(queue)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def stream(self, resume_after: int | None) -> AsyncIterator[bytes]:
        """One client's event stream: missed alerts after `resume_after` first, then live ones."""
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self.clients.add(queue)
        joined_at = self.seq  # everything newer arrives through the queue
        sent = joined_at
        try:
            yield b"retry: 3000\n: connected\n\n"
            if resume_after is not None and resume_after < joined_at:
                missed = await run_in_threadpool(self.store.after, resume_after, REPLAY_MAX)
                for record in missed:
                    if record.seq <= joined_at:
                        yield encode(record)
            while not self.closed:
                try:
                    async with asyncio.timeout(self.keepalive):
                        event = await queue.get()
                except TimeoutError:
                    yield b": keepalive\n\n"
                    continue
                if event is None:
                    break
                seq, data = event
                if seq > sent:
                    sent = seq
                    yield data
        finally:
            self.clients.discard(queue)
