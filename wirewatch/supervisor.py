"""Supervising the local stack: children with prefixed logs, restarts, and a clean stop.

Ctrl-C or SIGTERM stops every child (SIGTERM to its process group, SIGKILL after a grace
period), so nothing is left running. A child that crashes is restarted with backoff; a
critical child (the broker, whose memory holds the topics) stops the whole stack instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

STOP_GRACE = 8.0
MAX_RESTARTS = 5
RESTART_WINDOW = 120.0
_COLOURS = ("36", "33", "35", "32", "34", "31")


@dataclass
class Child:
    """One supervised program."""

    name: str
    argv: Sequence[str]
    env: dict[str, str]
    critical: bool = False
    process: subprocess.Popen[bytes] | None = None
    starts: list[float] = field(default_factory=list)
    pump: threading.Thread | None = None


class Supervisor:
    """Starts children, relays their output with a `[name]` prefix, and stops them together."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.children: list[Child] = []
        self._write = threading.Lock()
        self._stopping = threading.Event()
        self._stop_lock = threading.Lock()  # the signal handler's thread and `run` may both stop
        self._colour = self.out.isatty()

    def say(self, name: str, line: str) -> None:
        """Print one line under a child's (or the supervisor's) name."""
        index = next((i for i, c in enumerate(self.children) if c.name == name), len(_COLOURS) - 1)
        prefix = f"[{name}]"
        if self._colour:
            prefix = f"\033[{_COLOURS[index % len(_COLOURS)]}m{prefix}\033[0m"
        with self._write:
            self.out.write(f"{prefix} {line}\n")
            self.out.flush()

    def start(self, name: str, argv: Sequence[str], env: dict[str, str], *, critical: bool = False) -> Child:
        child = Child(name, argv, env, critical)
        self.children.append(child)
        self._spawn(child)
        return child

    def _spawn(self, child: Child) -> None:
        env = {
            **os.environ,
            **child.env,
            "WIREWATCH_SUPERVISOR_PID": str(os.getpid()),
            "PYTHONUNBUFFERED": "1",
        }
        child.process = subprocess.Popen(
            [sys.executable, "-m", "wirewatch.process", *child.argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # our own Ctrl-C handling decides when children stop
        )
        child.starts.append(time.monotonic())
        child.pump = threading.Thread(target=self._relay, args=(child, child.process), daemon=True)
        child.pump.start()

    def _relay(self, child: Child, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            self.say(child.name, raw.decode("utf-8", "replace").rstrip())

    def watch(self, poll: float = 0.5) -> int:
        """Block until stopped or a critical child dies; restart others. Returns an exit code."""
        while not self._stopping.is_set():
            for child in self.children:
                assert child.process is not None
                code = child.process.poll()
                if code is None or self._stopping.is_set():
                    continue
                if child.critical:
                    self.say("wirewatch", f"{child.name} exited with code {code}; stopping everything")
                    self.stop()
                    return 1
                recent = [t for t in child.starts if t > time.monotonic() - RESTART_WINDOW]
                if len(recent) > MAX_RESTARTS:
                    self.say("wirewatch", f"{child.name} keeps crashing (code {code}); stopping everything")
                    self.stop()
                    return 1
                delay = min(30.0, 2.0 ** len(recent))
                self.say("wirewatch", f"{child.name} exited with code {code}; restarting in {delay:.0f}s")
                if self._stopping.wait(delay):
                    break
                self._spawn(child)
            self._stopping.wait(poll)
        return 0

    def stop(self) -> None:
        """SIGTERM every child's process group, in reverse start order; SIGKILL stragglers.
        A second caller waits for the first one's stop and finds nothing left to do."""
        self._stopping.set()
        with self._stop_lock:
            running = [c for c in reversed(self.children) if c.process and c.process.poll() is None]
            for child in running:
                self._signal(child, signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE
            for child in running:
                assert child.process is not None
                try:
                    child.process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.say("wirewatch", f"{child.name} did not stop in {STOP_GRACE:.0f}s; killing it")
                    self._signal(child, signal.SIGKILL)
                    child.process.wait()
            for child in self.children:
                if child.pump is not None:
                    child.pump.join(timeout=1.0)

    @staticmethod
    def _signal(child: Child, sig: signal.Signals) -> None:
        assert child.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, sig)

    def install_signal_handlers(self) -> None:
        """Ctrl-C and SIGTERM stop the stack (the watch loop then returns)."""

        def handler(signum: int, _frame: object) -> None:
            if not self._stopping.is_set():
                self.say("wirewatch", f"received {signal.Signals(signum).name}, stopping…")
                threading.Thread(target=self.stop, daemon=True).start()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
