"""The API as a child of `wirewatch run`, and a clear error when its port is taken."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import WIREWATCH, clean_env, cli, free_port, wait_for

pytestmark = pytest.mark.integration


def test_run_serves_the_api_and_stops_it(tmp_path: Path) -> None:
    api_port = free_port()
    env = clean_env(
        WIREWATCH_DATA_DIR=str(tmp_path / "data"),
        WIREWATCH_BROKER_PORT=str(free_port()),
        WIREWATCH_API_PORT=str(api_port),
    )
    log = tmp_path / "run.log"
    proc = subprocess.Popen([*WIREWATCH, "run"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:

        def ready() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{api_port}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, 60, "the supervised API to be ready")
        status = httpx.get(f"http://127.0.0.1:{api_port}/api/status", timeout=10).json()
        assert status["broker"]["ok"] and status["index"]["ok"]
        assert f"web console and API on http://127.0.0.1:{api_port}/" in log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", api_port))  # the API port is free again
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.returncode:
            print(log.read_text()[-6000:])


def test_a_taken_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = cli(clean_env(WIREWATCH_DATA_DIR=str(tmp_path)), "api", "--port", str(port), timeout=30)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port} on 127.0.0.1 is already in use" in lines[0], done.stderr
