"""Worker processes with deadlines: results, errors, and a stuck parser killed and replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import UTC, datetime

import pytest

from ingest.document import read_feed
from ingest.normalise import FeedContext
from ingest.workers import DeadlineExceededError, WorkerError, WorkerPool
from tests.ingest import hostile

CONTEXT = FeedContext("f", "https://evil.example/feed", "", ())


def test_results_errors_and_deadlines() -> None:
    async def go() -> None:
        pool = WorkerPool(1)
        try:
            doc = await pool.call(
                10, read_feed, hostile.DUPLICATE_GUIDS, None, CONTEXT, datetime.now(UTC), "feedparser"
            )
            assert len(doc.articles) == 2
            with pytest.raises(WorkerError) as error:
                await pool.call(
                    10, read_feed, hostile.NOT_XML, None, CONTEXT, datetime.now(UTC), "feedparser"
                )
            assert error.value.kind == "NotAFeedError"
            # feedparser's author regex is quadratic: 100 KB takes about a minute. Killed at the deadline.
            started = time.monotonic()
            with pytest.raises(DeadlineExceededError, match="did not finish within 1s"):
                await pool.call(
                    1, read_feed, hostile.REDOS_AUTHOR, None, CONTEXT, datetime.now(UTC), "feedparser"
                )
            assert time.monotonic() - started < 3
            # The replacement worker serves the next call.
            doc = await pool.call(
                10, read_feed, hostile.SCRIPTS, None, CONTEXT, datetime.now(UTC), "feedparser"
            )
            assert len(doc.articles) == 2
        finally:
            pool.close()

    asyncio.run(go())


def test_a_stop_signal_to_the_process_group_leaves_the_workers_working() -> None:
    # SIGTERM or Ctrl-C to the poller's group stops the poller; a worker killed by it would fail
    # the feed it was parsing. The pool ends its workers itself.
    async def go() -> None:
        pool = WorkerPool(1)
        try:
            await pool.call(10, read_feed, hostile.SCRIPTS, None, CONTEXT, datetime.now(UTC), "feedparser")
            (pid,) = pool.pids()
            os.kill(pid, signal.SIGTERM)
            os.kill(pid, signal.SIGINT)
            doc = await pool.call(
                10, read_feed, hostile.SCRIPTS, None, CONTEXT, datetime.now(UTC), "feedparser"
            )
            assert len(doc.articles) == 2 and pool.pids() == [pid]
        finally:
            pool.close()

    asyncio.run(go())
