"""The CLI contract: every command explains itself, every mistake is one line and a non-zero exit."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from tests.conftest import clean_env, cli, free_port

COMMANDS = [
    ["run"],
    ["ingest"],
    ["stream"],
    ["setup"],
    ["status"],
    ["subscribe"],
    ["unsubscribe"],
    ["search"],
    ["enrich"],
    ["feeds", "add"],
    ["feeds", "list"],
    ["subscriptions", "list"],
    ["alerts", "list"],
]


@pytest.fixture
def offline_env(tmp_path: Path) -> dict[str, str]:
    """Settings pointing at a broker port where nothing listens."""
    return clean_env(
        WIREWATCH_DATA_DIR=str(tmp_path / "data"), WIREWATCH_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}"
    )


def assert_one_line_error(result, code: int, fragment: str) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("wirewatch: error: ") and fragment in lines[0], lines[0]
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(offline_env: dict[str, str], command: list[str]) -> None:
    result = cli(offline_env, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and len(result.stdout.splitlines()) > 3


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["nonsense"], "No such command"),
        (["search"], "Missing argument"),
        (["search", "x", "--limit", "many"], "--limit"),
        (["search", "x", "--sort", "oldest"], "--sort"),
        (["search", "x", "--since", "yesterday"], "--since"),
        (["search", "(Patriot OR"], "invalid query"),
        (["search", 'unknown:"field"'], "unknown field"),
        (["feeds", "add", "ftp://example.com/feed"], "http(s)"),
        (["feeds", "add", "https://example.com/feed", "--interval", "1"], "--interval"),
        (["subscribe", "bad", "title:(Patriot"], "invalid query"),
        (["subscribe", "bad", "Patriot", "--target", "gopher://x"], "does not support the scheme"),
        (["unsubscribe", "never-created"], "no subscription named"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    offline_env: dict[str, str], args: list[str], fragment: str
) -> None:
    assert_one_line_error(cli(offline_env, *args), 2, fragment)


def test_invalid_subscription_saves_nothing(offline_env: dict[str, str]) -> None:
    assert cli(offline_env, "subscribe", "ok", "Patriot").returncode == 0
    assert_one_line_error(cli(offline_env, "subscribe", "ok", "HIMARS"), 2, "already exists")
    assert_one_line_error(cli(offline_env, "subscribe", "broken", '"air defense'), 2, "unbalanced quote")
    listed = cli(offline_env, "subscriptions", "list", "--json")
    assert [json.loads(line)["name"] for line in listed.stdout.splitlines()] == ["ok"]


@pytest.mark.parametrize("command", [["ingest"], ["stream"], ["setup"], ["run"]], ids=" ".join)
def test_unreachable_broker_at_start(offline_env: dict[str, str], command: list[str]) -> None:
    started = time.monotonic()
    result = cli(offline_env, *command, timeout=60)
    assert_one_line_error(result, 1, "is unreachable")
    assert time.monotonic() - started < 30


def test_run_refuses_a_taken_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = clean_env(WIREWATCH_DATA_DIR=str(tmp_path / "data"), WIREWATCH_BROKER_PORT=str(port))
        assert_one_line_error(cli(env, "run"), 1, f"port {port}")


def test_bad_feed_list_is_one_line(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - url: not-a-url\n")
    env = clean_env(WIREWATCH_DATA_DIR=str(tmp_path / "data"), WIREWATCH_FEEDS=str(feeds))
    assert_one_line_error(cli(env, "feeds", "list"), 2, "feed #1: url")


def test_bad_setting_is_one_line(tmp_path: Path) -> None:
    env = clean_env(WIREWATCH_DATA_DIR=str(tmp_path), WIREWATCH_POLL_INTERVAL="often")
    assert_one_line_error(cli(env, "status"), 2, "WIREWATCH_POLL_INTERVAL")


def test_search_before_anything_was_indexed(offline_env: dict[str, str]) -> None:
    assert_one_line_error(cli(offline_env, "search", "Patriot"), 1, "has the pipeline run yet")


def test_enrich_article_json_and_text(offline_env: dict[str, str], tmp_path: Path) -> None:
    article = tmp_path / "article.json"
    article.write_text(
        json.dumps(
            {
                "title": "Germany sends Patriot to Ukraine",
                "content": "Officials in Berlin and Kyiv confirmed the delivery on Monday.",
            }
        )
    )
    result = cli(offline_env, "enrich", str(article))
    assert result.returncode == 0, result.stderr
    enriched = json.loads(result.stdout)
    assert enriched["language"] == "en"
    names = {e["name"] for e in enriched["entities"]}
    assert {"Germany", "Berlin", "Kyiv"} <= names
    assert "topics" in enriched

    text = cli(offline_env, "enrich", stdin=b"Die Bundesregierung liefert ein weiteres Flugabwehrsystem.")
    assert text.returncode == 0, text.stderr
    assert json.loads(text.stdout)["language"] == "de"


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"", "empty input"),
        (b"\x00\x01\x02binary", "binary data"),
        (b"\xff\xfe\xfa", "not UTF-8"),
        (b'{"title": ', "invalid JSON"),
        (b'{"url": "https://x.example/a"}', "non-empty title"),
    ],
)
def test_enrich_rejects_bad_input(offline_env: dict[str, str], payload: bytes, fragment: str) -> None:
    assert_one_line_error(cli(offline_env, "enrich", stdin=payload), 2, fragment)
