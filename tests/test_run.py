"""`wirewatch run`: the demo alerts within 60 s, and stopping leaves nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import WIREWATCH, clean_env, free_port, wait_for

pytestmark = pytest.mark.integration


def descendants(supervisor_pid: int) -> list[int]:
    """Processes started by a given supervisor (they carry its pid in their environment)."""
    marker = f"WIREWATCH_SUPERVISOR_PID={supervisor_pid}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


class Run:
    """A `wirewatch run` process whose output lines are collected as they arrive."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.port = free_port()
        env = clean_env(
            WIREWATCH_DATA_DIR=str(tmp_path / "data"),
            WIREWATCH_BROKER_PORT=str(self.port),
            WIREWATCH_API_PORT=str(free_port()),  # never the default 8765 a user's stack may hold
        )
        self.proc = subprocess.Popen(
            [*WIREWATCH, "run", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())

    def saw(self, fragment: str) -> bool:
        return any(fragment in line for line in self.lines)

    def output(self) -> str:
        return "\n".join(self.lines)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        for pid in descendants(self.proc.pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def run_factory(tmp_path: Path, request: pytest.FixtureRequest):
    runs: list[Run] = []

    def start(*args: str) -> Run:
        runs.append(Run(tmp_path, *args))
        return runs[-1]

    yield start
    for run in runs:
        run.kill()
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            print(run.output()[-8000:])


def test_demo_alerts_within_a_minute_and_stops_cleanly(run_factory) -> None:
    started = time.monotonic()
    run = run_factory("--demo")
    wait_for(lambda: run.saw("[stream] ALERT [demo: Patriot or air defense]"), 60, "the first demo alert")
    assert time.monotonic() - started < 60
    assert run.saw("[ingest]") and run.saw("[wirewatch] running")
    children = descendants(run.proc.pid)
    assert len(children) >= 3  # broker, stream, ingest

    run.proc.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    assert run.proc.wait(15) == 0
    assert time.monotonic() - stopped < 10
    wait_for(lambda: not descendants(run.proc.pid), 5, "every child process to exit")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", run.port))  # the broker port is free again


def test_killed_supervisor_takes_its_children_along(run_factory) -> None:
    run = run_factory()
    wait_for(lambda: run.saw("[wirewatch] running"), 60, "the stack to start")
    children = descendants(run.proc.pid)
    assert children
    run.proc.kill()
    run.proc.wait(5)
    wait_for(lambda: not descendants(run.proc.pid), 15, "orphaned children to exit")
