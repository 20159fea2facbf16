"""Container liveness: the poller and the stream worker beat, `wirewatch healthcheck` notices when they stop."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import Processes, clean_env, cli, free_port, wait_for
from tests.test_cli import assert_one_line_error
from wirewatch.errors import ConfigError, WirewatchError
from wirewatch.heartbeat import check, touch


def test_fresh_heartbeat_passes(tmp_path: Path) -> None:
    beat = tmp_path / "run" / "heartbeat"
    touch(beat)
    assert check(beat, max_age=5) < 5


def test_stale_missing_and_unset_heartbeats_fail(tmp_path: Path) -> None:
    beat = tmp_path / "heartbeat"
    with pytest.raises(WirewatchError, match="no heartbeat at"):
        check(beat, max_age=5)
    touch(beat)
    old = time.time() - 60
    os.utime(beat, (old, old))
    with pytest.raises(
        WirewatchError, match=r"last heartbeat 6\ds ago .* more than 5s: the process is stuck"
    ):
        check(beat, max_age=5)
    with pytest.raises(ConfigError, match="WIREWATCH_HEARTBEAT_FILE is not set"):
        check(None, max_age=5)


def test_healthcheck_command(tmp_path: Path) -> None:
    beat = tmp_path / "heartbeat"
    env = clean_env(WIREWATCH_DATA_DIR=str(tmp_path), WIREWATCH_HEARTBEAT_FILE=str(beat))
    assert_one_line_error(cli(env, "healthcheck"), 1, "no heartbeat at")
    touch(beat)
    done = cli(env, "healthcheck")
    assert done.returncode == 0 and "alive" in done.stdout, done.stderr
    old = time.time() - 100
    os.utime(beat, (old, old))
    assert_one_line_error(cli(env, "healthcheck", "--max-age", "50"), 1, "the process is stuck")
    assert_one_line_error(cli(clean_env(WIREWATCH_DATA_DIR=str(tmp_path)), "healthcheck"), 2, "not set")


def healthy(env: dict[str, str]) -> bool:
    """`wirewatch healthcheck --max-age 3`'s verdict, asked in-process: polling the command kept a
    core busy starting Pythons beside the service under test."""
    try:
        check(Path(env["WIREWATCH_HEARTBEAT_FILE"]), max_age=3)
    except WirewatchError:
        return False
    return True


@pytest.mark.integration
@pytest.mark.parametrize("service", ["ingest", "stream", "api"])
def test_service_beats_and_a_frozen_one_turns_unhealthy(
    service: str, env: dict[str, str], procs: Processes, tmp_path: Path
) -> None:
    Path(env["WIREWATCH_FEEDS"]).write_text("feeds: []\n")
    env = env | {
        "WIREWATCH_HEARTBEAT_FILE": str(tmp_path / f"{service}.heartbeat"),
        "WIREWATCH_HEARTBEAT_INTERVAL": "0.5",
        "WIREWATCH_NER": "false",
        "WIREWATCH_API_PORT": str(free_port()),
    }
    assert cli(env, "setup").returncode == 0
    proc = procs.start(service, service, env=env)
    wait_for(lambda: healthy(env), 60, f"the {service} heartbeat")
    proc.send_signal(signal.SIGSTOP)  # a hung process: alive, but its event loop does not run
    try:
        wait_for(lambda: not healthy(env), 15, f"the frozen {service} to turn unhealthy")
    finally:
        proc.send_signal(signal.SIGCONT)
    wait_for(lambda: healthy(env), 15, f"the {service} to beat again")
    assert cli(env, "healthcheck", "--max-age", "3").returncode == 0
