"""Shared fixtures: real servers on loopback (Tansu broker, feed server, webhook receiver) and
helpers to run wirewatch processes the way users do."""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.servers import FeedServer, WebhookReceiver
from wirewatch.broker import broker_argv, wait_for_port
from wirewatch.settings import Settings

T = TypeVar("T")
WIREWATCH = [sys.executable, "-m", "wirewatch"]


# Each pytest-xdist worker hands out ports from its own block, below Linux's ephemeral range
# (32768-60999): a port asked of the kernel (bind to 0) could be handed to another worker, or to
# an outgoing connection, between this check and the server's own bind. The walk starts at a
# random place, so that two test runs on one machine rarely walk the same ports at once.
PORT_BLOCK = 1_000
_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 12  # below 32000
_first = 20_000 + _worker * PORT_BLOCK
_start = random.randrange(PORT_BLOCK)
_ports = itertools.cycle([*range(_first + _start, _first + PORT_BLOCK), *range(_first, _first + _start)])


def free_port() -> int:
    """A loopback port free now and handed to no other test in this run for a while."""
    for _ in range(PORT_BLOCK):
        port = next(_ports)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # held by a server of an earlier test, or by something else on the machine
            return port
    raise RuntimeError(f"no free loopback port in this worker's block of {PORT_BLOCK}")


def wait_for(check: Callable[[], T], timeout: float, what: str, every: float = 0.25) -> T:
    """Poll `check` until it returns something truthy; fail the test with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(every)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[Any]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def broker() -> Iterator[str]:
    """A fresh Tansu broker (memory storage) on a free loopback port; yields host:port."""
    port = free_port()
    proc = subprocess.Popen(broker_argv(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def elasticsearch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Elasticsearch REST endpoint: a real cluster when WIREWATCH_TEST_ELASTICSEARCH_URL is set,
    else the noida-db stand-in (small data only, see ENVIRONMENT.md) on a free loopback port."""
    real = os.environ.get("WIREWATCH_TEST_ELASTICSEARCH_URL")
    if real:
        yield real
        return
    binary = shutil.which("noida-db", path=str(Path(sys.executable).parent)) or shutil.which("noida-db")
    if binary is None:
        pytest.fail("noida-db is not installed: run `make test`, which installs the test dependencies")
    port = free_port()
    data = tmp_path_factory.mktemp("noida")
    proc = subprocess.Popen(
        [
            binary,
            "start",
            "--only",
            "elasticsearch",
            "--elasticsearch-port",
            str(port),
            "--data-dir",
            str(data),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its daemon child shares the group, so one killpg stops both
    )
    try:
        wait_for_port(port, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.close()


def clean_env(**overrides: str) -> dict[str, str]:
    """The test process's environment without any WIREWATCH_* leaking in, plus overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    return env | overrides


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def env(data_dir: Path, broker: str) -> dict[str, str]:
    """Environment of wirewatch processes talking to the test broker, data in a temp dir."""
    return clean_env(
        WIREWATCH_DATA_DIR=str(data_dir),
        WIREWATCH_KAFKA_BOOTSTRAP=broker,
        WIREWATCH_FEEDS=str(data_dir / "feeds.yaml"),
        WIREWATCH_TOPIC_PARTITIONS="2",
        WIREWATCH_ALLOW_PRIVATE_NETWORKS="1",
        WIREWATCH_STREAM_SESSION_TIMEOUT="6",
    )


def settings_for(env: dict[str, str]) -> Settings:
    """The Settings a wirewatch process started with `env` would read."""
    kwargs = {k.removeprefix("WIREWATCH_").lower(): v for k, v in env.items() if k.startswith("WIREWATCH_")}
    return Settings(**kwargs)


def cli(
    env: dict[str, str], *args: str, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `wirewatch ARGS` like a user would (stdin bytes or nothing); output decoded as text."""
    done = subprocess.run(
        [*WIREWATCH, *args],
        env=env,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        timeout=timeout,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
    )


class Processes:
    """Long-running wirewatch processes of one test, logs kept, all stopped at teardown."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: list[Path] = []

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self.tmp_path / f"{name}-{len(self.logs)}.log"
        self.logs.append(log)
        proc = subprocess.Popen(
            [*WIREWATCH, *args], env=env or self.env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        self.running[name] = proc
        return proc

    def log_text(self, name: str) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.name.startswith(f"{name}-"))

    def stop_all(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.running.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def procs(tmp_path: Path, env: dict[str, str], request: pytest.FixtureRequest) -> Iterator[Processes]:
    processes = Processes(tmp_path, env)
    yield processes
    processes.stop_all()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for log in processes.logs:
            print(f"----- {log.name} -----\n{log.read_text(errors='replace')[-6000:]}")
