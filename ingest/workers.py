"""Worker processes for CPU-bound pure functions (parsing, full-text extraction), each call with a deadline.

Parsers have pathological inputs (feedparser's author regex is quadratic: a 100 KB author field
takes minutes), and a thread cannot be stopped. So parsing runs in worker processes: a call that
misses its deadline gets its worker killed and replaced, and the caller a clear error. The
workers also take parsing off the poller's event loop and use the second core.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from wirewatch.process import ignore_stop_signals

T = TypeVar("T")


class DeadlineExceededError(Exception):
    """A call did not finish in time; its worker was killed."""


class WorkerError(Exception):
    """The function raised in the worker; the message is `Type: message` from there."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def serve(read_fd: int, write_fd: int) -> None:
    """Worker loop: call what arrives, send back ('ok', result) or ('error', type name, message).
    Ends when the parent closes the pipe or kills it, never on the poller's stop signal."""
    ignore_stop_signals()
    inbox = Connection(read_fd, writable=False)
    outbox = Connection(write_fd, readable=False)
    while True:
        try:
            fn, args = inbox.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[Any, ...] = ("ok", fn(*args))
        except Exception as exc:
            reply = ("error", type(exc).__name__, str(exc))
        try:
            outbox.send(reply)
        except OSError:
            return


class _Worker:
    """One worker: a fresh interpreter (not a fork of this threaded process, and independent of
    how this one was started), talking pickles over two pipes."""

    def __init__(self) -> None:
        to_child, from_parent = os.pipe()
        from_child, to_parent = os.pipe()
        code = f"import ingest.workers as w; w.serve({to_child}, {to_parent})"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code], pass_fds=(to_child, to_parent), stdin=subprocess.DEVNULL
        )
        os.close(to_child)
        os.close(to_parent)
        self.requests = Connection(from_parent, readable=False)
        self.replies = Connection(from_child, writable=False)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.requests.close()
        self.replies.close()


class WorkerPool:
    """A fixed number of worker processes; `call` runs one function in an idle one."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: asyncio.Queue[_Worker] | None = None
        self._readers = ThreadPoolExecutor(size, thread_name_prefix="worker-reply")
        self._lock = threading.Lock()
        self._all: list[_Worker] = []

    def _spawn(self) -> _Worker:
        worker = _Worker()
        with self._lock:
            self._all.append(worker)
        return worker

    async def _queue(self) -> asyncio.Queue[_Worker]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            workers = await asyncio.gather(*(asyncio.to_thread(self._spawn) for _ in range(self.size)))
            for worker in workers:
                self._idle.put_nowait(worker)
        return self._idle

    async def call(self, deadline: float, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in a worker within `deadline` seconds of starting there.

        Raises DeadlineExceededError (worker replaced) or WorkerError (fn raised).
        """
        idle = await self._queue()
        worker = await idle.get()
        loop = asyncio.get_running_loop()
        healthy = False
        try:
            worker.requests.send((fn, args))
            async with asyncio.timeout(deadline):
                reply = await loop.run_in_executor(self._readers, worker.replies.recv)
            healthy = True
        except TimeoutError:
            raise DeadlineExceededError(f"did not finish within {deadline:g}s") from None
        except (EOFError, OSError):
            raise WorkerError("WorkerDied", "the worker process died") from None
        finally:
            # A worker that timed out, died or was abandoned (cancelled call) may still answer
            # later: it is replaced, never reused.
            idle.put_nowait(worker if healthy else await asyncio.to_thread(self._replace, worker))
        if reply[0] == "error":
            raise WorkerError(reply[1], reply[2])
        return reply[1]  # type: ignore[no-any-return]

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()  # unblocks the reader thread too: its recv sees EOF
        with self._lock:
            self._all.remove(worker)
        return self._spawn()

    def pids(self) -> list[int]:
        """Process ids of the live workers (for resource accounting)."""
        with self._lock:
            return [w.process.pid for w in self._all]

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.kill()
        self._readers.shutdown(wait=False, cancel_futures=True)
