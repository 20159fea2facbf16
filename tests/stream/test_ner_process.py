"""The worker's NER process: the same answers as the model in process, and it survives a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from stream.enrich.entities import NerModel, NerProcess
from tests.conftest import wait_for
from wirewatch.errors import ConfigError
from wirewatch.failures import TemporaryError


def test_answers_like_the_model_and_restarts_when_killed(ner_model: NerModel) -> None:
    texts = ["Jens Stoltenberg met Olaf Scholz in Berlin on Tuesday.", "", "Apple opened a plant in Texas."]
    expected = ner_model.mentions(texts)
    assert any(expected)
    process = NerProcess(ner_model.name)
    try:
        assert process.language == ner_model.language and process.wait_ready() != os.getpid()
        assert process.mentions(texts) == expected
        os.kill(process.wait_ready(), signal.SIGKILL)
        with pytest.raises(TemporaryError, match="NER process died"):  # the agent retries it
            process.mentions(texts)
        assert process.mentions(texts) == expected
    finally:
        process.close()


def test_the_child_outlives_a_stop_signal_to_the_process_group(ner_model: NerModel) -> None:
    # The supervisor and a terminal's Ctrl-C signal the whole group: the worker stops, and the
    # child must not die (and be restarted, loading the model again) while it does.
    process = NerProcess(ner_model.name)
    try:
        child = process.wait_ready()
        os.kill(child, signal.SIGTERM)
        os.kill(child, signal.SIGINT)
        assert process.mentions(["Olaf Scholz visited Paris."]) and process.wait_ready() == child
    finally:
        process.close()
    wait_for(lambda: not _alive(child), 10, "the NER child to exit when closed")


def test_a_missing_model_is_a_clear_error_at_start() -> None:
    with pytest.raises(ConfigError, match="'no_such_model' is not installed"):
        NerProcess("no_such_model")


def test_the_child_ends_with_a_killed_worker(ner_model: NerModel) -> None:
    script = (
        "import time\nfrom stream.enrich.entities import NerProcess\n"
        f"print(NerProcess({ner_model.name!r}).wait_ready(), flush=True)\ntime.sleep(60)\n"
    )
    worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert worker.stdout is not None
    child = int(worker.stdout.readline())
    worker.kill()
    worker.wait()
    wait_for(lambda: not _alive(child), 10, "the NER child to exit")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(")")[-1].startswith(" Z")
