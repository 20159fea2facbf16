"""Alerts end to end on real parts: Tansu, the Faust worker, feeds, webhook/SMTP/apprise receivers."""

from __future__ import annotations

import json
import signal
import time
from datetime import timedelta

import pytest
from kafka import KafkaConsumer

from tests.conftest import Processes, cli, free_port, wait_for
from tests.feeds import MATCHING_SLUGS, PATRIOT_QUERY, WIRE_ITEMS, feed
from tests.servers import FeedServer, Response, WebhookReceiver
from tests.stream.conftest import SmtpReceiver, email_target
from tests.test_pipeline import write_feed_list
from wirewatch import topics
from wirewatch.kafka import make_producer
from wirewatch.schema import Article, article_id, utcnow

pytestmark = pytest.mark.integration


@pytest.fixture
def alert_env(env: dict[str, str]) -> dict[str, str]:
    """No NER (faster start), quick retries, and the topics created."""
    env |= {
        "WIREWATCH_NER": "0",
        "WIREWATCH_DELIVERY_ATTEMPTS": "2",
        "WIREWATCH_DELIVERY_BACKOFF": "0.2",
    }
    assert cli(env, "setup").returncode == 0
    return env


def start_worker(procs: Processes) -> None:
    # Both the worker's own announcement and the agents' say "partitions assigned".
    procs.start("stream", "stream")
    wait_for(lambda: "partitions assigned" in procs.log_text("stream"), 60, "the stream worker to be ready")


def polled(
    n: int, title: str, source: str = "Wire", summary: str = "Officials confirmed the news on Tuesday."
) -> Article:
    """An article as a poller would produce it."""
    now = utcnow()
    return Article(
        id=article_id(f"https://{source.lower()}.example/{n}", ""),
        url=f"https://{source.lower()}.example/{n}",
        feed_id=source,
        source=source,
        title=title,
        summary=summary,
        published=now - timedelta(minutes=1),
        fetched=now,
    )


def produce(env: dict[str, str], articles: list[Article]) -> None:
    """Send articles to the raw topic, where the pollers put them."""
    producer = make_producer(env["WIREWATCH_KAFKA_BOOTSTRAP"])
    for a in articles:
        producer.send(topics.RAW, key=a.id.encode(), value=a.to_json())
    producer.flush(30)
    producer.close()


def test_feed_item_to_webhook_email_and_apprise(
    alert_env: dict[str, str],
    procs: Processes,
    feed_server: FeedServer,
    webhook: WebhookReceiver,
    smtp: tuple[SmtpReceiver, int],
) -> None:
    mail, port = smtp
    dead = f"http://127.0.0.1:{free_port()}/down"
    feed_server.routes["/wire.xml"] = Response(feed(WIRE_ITEMS))
    write_feed_list(alert_env, feed_server.url("/wire.xml"))
    webhook.statuses = [500]  # the first POST fails; it is retried and delivered once
    created = cli(
        alert_env, "subscribe", "air", PATRIOT_QUERY, "--webhook", webhook.url("/hook"),
        "--target", email_target(port), "--target", f"json://127.0.0.1:{webhook.port}/apprise",
        "--target", dead,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    start_worker(procs)
    procs.start("ingest", "ingest")

    matching = {article_id(i.url, "") for i in WIRE_ITEMS if i.url.rsplit("/", 1)[1] in MATCHING_SLUGS}
    hooks = lambda: [a for a in webhook.delivered() if "article" in a]  # noqa: E731
    wait_for(lambda: len(hooks()) >= len(matching), 60, "one webhook per matching article")
    wait_for(lambda: len(mail.messages) >= len(matching), 30, "one email per matching article")
    apprised = lambda: [r for r in webhook.received if r.path == "/apprise"]  # noqa: E731
    wait_for(lambda: len(apprised()) >= len(matching), 30, "one apprise JSON per matching article")

    payloads = hooks()
    assert sorted(p["article"]["id"] for p in payloads) == sorted(matching)
    assert [r.status for r in webhook.received if r.path == "/hook"].count(500) == 1
    patriot = next(p for p in payloads if "third Patriot" in p["article"]["title"])
    assert "<mark>Patriot</mark>" in patriot["highlight"] and patriot["article"]["source"] == "Test News"
    assert patriot["article"]["url"].endswith("/patriot-1") and patriot["article"]["published"]
    assert {m["Subject"] for m in mail.messages} == {f"[air] {p['article']['title']}" for p in payloads}
    assert all(json.loads(r.body)["title"].startswith("[air] ") for r in apprised())

    # The dead target is dead-lettered after its attempts, visible in `alerts list --failed`.
    def failed() -> list[dict]:
        out = cli(alert_env, "alerts", "list", "--failed", "--json").stdout
        return [json.loads(line) for line in out.splitlines()]

    wait_for(lambda: len(failed()) == len(matching), 30, "the dead target's alerts to fail")
    consumer = KafkaConsumer(
        topics.DEADLETTER,
        bootstrap_servers=alert_env["WIREWATCH_KAFKA_BOOTSTRAP"],
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    letters = [json.loads(m.value) for m in consumer]
    consumer.close()
    notify = [d for d in letters if d["stage"] == "notify"]
    assert len(notify) == len(matching)
    assert all("failed after 2 attempts" in d["reason"] and "/down" in d["reason"] for d in notify)

    # A subscription created while the pipeline runs applies within 5 s.
    assert (
        cli(alert_env, "subscribe", "floods", "monsoon", "--webhook", webhook.url("/floods")).returncode == 0
    )
    started = time.monotonic()
    produce(alert_env, [polled(1, "Monsoon rains return")])
    wait_for(lambda: any(r.path == "/floods" for r in webhook.received), 5, "the new subscription's alert")
    assert time.monotonic() - started < 5


def test_one_alert_per_story_across_outlets(
    alert_env: dict[str, str], procs: Processes, webhook: WebhookReceiver
) -> None:
    """Three outlets' copies of a story are one cluster, so one alert per dedup subscription, from
    the early matcher (words, before NER) and from the one after enrichment (an entity condition)."""
    alert_env["WIREWATCH_NER"] = "1"  # early alerts run beside the model
    subscriptions = [
        ("story", "Patriot"),
        ("each", "Patriot", "--no-dedup"),
        ("weapon", "entity:Patriot"),
    ]
    for name, query, *more in subscriptions:
        added = cli(alert_env, "subscribe", name, query, "--webhook", webhook.url(f"/{name}"), *more)
        assert added.returncode == 0, added.stderr
    start_worker(procs)
    outlets = ["Wire", "Atom Daily", "Kyiv Post"]
    copies = [polled(7, f"{s}: Patriot battery arrives in Rzeszow", s) for s in outlets]
    produce(alert_env, copies)
    other = polled(8, "Another Patriot battery", "Wire", "Crews trained for months in Texas.")
    produce(alert_env, [other])
    count = lambda path: len([r for r in webhook.received if r.path == path])  # noqa: E731
    wait_for(lambda: count("/each") >= 4, 30, "per-article alerts")
    wait_for(lambda: count("/story") >= 2 and count("/weapon") >= 2, 30, "per-story alerts")
    time.sleep(1.5)
    delivered = webhook.delivered()
    story = {a["article"]["story_id"] for a in delivered if a["subscription"]["name"] == "story"}
    weapon = [a for a in delivered if a["subscription"]["name"] == "weapon"]
    each = [a for a in delivered if a["subscription"]["name"] == "each"]
    assert len(story) == 2 and other.id in story and (story - {other.id}) <= {c.id for c in copies}
    assert {a["article"]["story_id"] for a in weapon} == story and len(weapon) == 2
    assert len(each) == 4 and len({a["article"]["id"] for a in each}) == 4
    log = procs.log_text("stream")
    assert "early: matching against 2 subscriptions" in log
    assert "enriched: matching against 1 subscriptions" in log


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_worker_restart_in_the_middle_of_delivery(
    alert_env: dict[str, str], procs: Processes, webhook: WebhookReceiver, how: signal.Signals
) -> None:
    """Stopped (or killed) while sending: nothing lost; a clean stop sends nothing twice."""
    webhook.delay = 0.3
    # A send claimed but not yet on the wire at a kill stays leased (3 timeouts + 30 s: 60 s by
    # default, as long as the wait below) before the restarted worker repeats it: keep that short.
    alert_env["WIREWATCH_DELIVERY_TIMEOUT"] = "2"
    subscribe = ["subscribe", "r", "Patriot", "--webhook", webhook.url("/r"), "--no-dedup"]
    assert cli(alert_env, *subscribe).returncode == 0  # the reports are one story: alert on each
    start_worker(procs)
    articles = [polled(n, f"Patriot report {n}") for n in range(16)]
    produce(alert_env, articles)
    wait_for(lambda: len(webhook.received) >= 4, 30, "the first deliveries")
    worker = procs.running["stream"]
    worker.send_signal(how)
    worker.wait(30)
    time.sleep(webhook.delay + 0.5)  # a request the receiver is still answering is recorded after its delay
    in_flight_at_stop = {json.loads(r.body)["id"] for r in webhook.received}
    start_worker(procs)
    wait_for(lambda: len({a["id"] for a in webhook.delivered()}) >= 16, 60, "every alert after the restart")
    time.sleep(1.0)
    ids = [a["id"] for a in webhook.delivered()]
    assert {a["article"]["id"] for a in webhook.delivered()} == {a.id for a in articles}, "an alert was lost"
    repeats = {i for i in ids if ids.count(i) > 1}
    if how == signal.SIGTERM:
        assert not repeats, f"a clean stop must not resend: {repeats}"
    else:  # a kill can cut a send after the receiver answered: it is resent with the same id
        assert repeats <= in_flight_at_stop and len(repeats) <= 4
        assert all(r.headers["X-Wirewatch-Alert-Id"] == json.loads(r.body)["id"] for r in webhook.received)


def test_alerts_tail_shows_alerts_live(alert_env: dict[str, str], procs: Processes) -> None:
    assert cli(alert_env, "subscribe", "t", "Patriot").returncode == 0
    start_worker(procs)
    tail = procs.start("tail", "alerts", "tail", "--count", "1", "--every", "0.2")
    wait_for(lambda: "following alerts" in procs.log_text("tail"), 30, "tail to start following")
    produce(alert_env, [polled(9, "Patriot deliveries resume")])
    tail.wait(30)
    assert "[t] Patriot deliveries resume" in procs.log_text("tail")
    assert "ALERT [t] Patriot deliveries resume" in procs.log_text("stream")
