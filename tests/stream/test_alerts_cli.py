"""The subscription and alert commands, run the way users run them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from search.backends.sqlite import SqliteBackend
from tests.conftest import clean_env, cli
from tests.servers import WebhookReceiver
from wirewatch.schema import Article, article_id, utcnow


@pytest.fixture
def user_env(data_dir: Path) -> dict[str, str]:
    return clean_env(WIREWATCH_DATA_DIR=str(data_dir))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["subscribe", "x", "patriot AND ("], "invalid query: unbalanced '('"),
        (["subscribe", "x", "patriot", "--target", "bogus://nowhere"], "apprise does not support"),
        (["subscribe", "x", "patriot", "--digest", "weekly"], "digest schedule 'weekly' not understood"),
        (["subscribe", "x", "patriot", "--digest", "hourly", "--tz", "Nowhere/City"], "unknown time zone"),
        (["subscribe", "x", "patriot", "--tz", "UTC"], "give --digest too"),
        (
            ["subscribe", "x", "patriot", "--backfill", "yesterday"],
            "--backfill: 'yesterday' is not a duration",
        ),
        (["subscribe", "x"], "Missing argument 'query'"),
        (["subscriptions", "show", "nobody"], "no subscription named 'nobody'"),
        (["subscriptions", "edit", "nobody", "--query", "x"], "no subscription named 'nobody'"),
        (["subscriptions", "mute", "nobody"], "no subscription named 'nobody'"),
        (["unsubscribe", "nobody"], "no subscription named 'nobody'"),
        (["alerts", "list", "--limit", "0"], "--limit"),
        (["alerts", "test", "nobody"], "no subscription named 'nobody'"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    user_env: dict[str, str], args: list[str], message: str
) -> None:
    result = cli(user_env, *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wirewatch: error: ") and message in lines[0], lines
    listed = cli(user_env, "subscriptions", "list")
    assert listed.stdout == "", "a refused command saved something"


def test_manage_subscriptions_and_send_a_test_alert(
    user_env: dict[str, str], webhook: WebhookReceiver
) -> None:
    created = cli(
        user_env, "subscribe", "air", 'Patriot OR "air defense"', "--webhook", webhook.url("/hook"),
        "--digest", "daily@08:00", "--tz", "Europe/Kyiv", "--no-dedup", "--source", "Wire",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "digest daily@08:00 Europe/Kyiv, no dedup" in created.stdout
    assert cli(user_env, "subscribe", "air", "other").returncode == 2

    edited = cli(user_env, "subscriptions", "edit", "air", "--realtime", "--query", "kyiv", "--dedup")
    assert edited.returncode == 0, edited.stderr
    assert cli(user_env, "subscriptions", "mute", "air").returncode == 0
    shown = json.loads(cli(user_env, "subscriptions", "show", "air", "--json").stdout)
    assert shown["query"] == "kyiv" and shown["mode"] == "realtime" and shown["muted"] and shown["dedup"]
    assert shown["filters"] == {"sources": ["Wire"]}

    refused = cli(user_env, "alerts", "test", "air")  # the receiver is on loopback
    assert refused.returncode == 1 and "127.0.0.1 is a loopback address" in refused.stdout + refused.stderr
    tested = cli(user_env | {"WIREWATCH_ALLOW_PRIVATE_NETWORKS": "1"}, "alerts", "test", "air")
    assert tested.returncode == 0, tested.stderr
    (sample,) = webhook.delivered()
    assert sample["subscription"]["name"] == "air" and "Test alert" in sample["article"]["title"]

    assert cli(user_env, "subscriptions", "delete", "air").returncode == 0
    assert cli(user_env, "subscriptions", "list").stdout == ""


def test_backfill_queues_what_already_matches(user_env: dict[str, str], data_dir: Path) -> None:
    now = utcnow()
    articles = [
        Article(
            id=article_id(f"https://news.example/{n}", ""),
            url=f"https://news.example/{n}",
            feed_id="f",
            source="Wire",
            title=title,
            summary="Officials spoke on Tuesday.",
            published=now - timedelta(hours=hours),
            fetched=now,
        )
        for n, (title, hours) in enumerate(
            [("Patriot battery arrives", 2), ("Patriot radar tested", 30), ("Oil prices steady", 1)]
        )
    ]
    backend = SqliteBackend(data_dir / "search.db")
    backend.index(articles)
    backend.close()

    done = cli(user_env, "subscribe", "pat", "patriot", "--backfill", "24h")
    assert done.returncode == 0, done.stderr
    assert "Patriot battery arrives" in done.stdout and "radar" not in done.stdout
    assert "1 alerts queued from 1 matching articles" in done.stdout
    tail = cli(user_env, "alerts", "tail", "--json", "--last", "5", "--count", "1", timeout=30)
    assert tail.returncode == 0, tail.stderr
    out = tail.stdout
    followed = json.loads(out)
    assert followed["subscription"] == "pat" and followed["status"] == "pending"
    assert followed["payload"]["article"]["title"] == "Patriot battery arrives"
    assert "<mark>Patriot</mark>" in followed["payload"]["highlight"]
    listed = cli(user_env, "alerts", "list")
    assert "pending [pat] Patriot battery arrives" in listed.stdout
