"""The supervisor's stop: a child that ignores SIGTERM is killed after the grace, and only once."""

from __future__ import annotations

import io
import sys
import threading

import pytest

from tests.conftest import wait_for
from wirewatch import supervisor
from wirewatch.supervisor import Supervisor

STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"


def test_two_stops_at_once_kill_a_stubborn_child_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C's handler stops in a thread while `wirewatch run` stops on its way out: the second
    # stop waits for the first instead of waiting and killing (and saying so) a second time.
    monkeypatch.setattr(supervisor, "STOP_GRACE", 0.5)
    out = io.StringIO()
    sup = Supervisor(out)
    child = sup.start("stubborn", [sys.executable, "-c", STUBBORN], {})
    wait_for(lambda: "[stubborn] up" in out.getvalue(), 30, "the child to start")
    stops = [threading.Thread(target=sup.stop) for _ in range(2)]
    for stop in stops:
        stop.start()
    for stop in stops:
        stop.join(10)
    assert child.process is not None and child.process.poll() is not None
    assert out.getvalue().count("stubborn did not stop in 0s; killing it") == 1
