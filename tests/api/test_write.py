"""Tokens, subscriptions, feeds, alerts and the live stream against a running API."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from stream.alerts.db import AlertsDb
from stream.alerts.store import AlertStore, NewAlert
from stream.alerts.subscriptions import SqliteSubscriptions, new_subscription
from tests.api.conftest import ApiServer
from tests.conftest import cli
from tests.feeds import WIRE_ITEMS, feed
from tests.servers import FeedServer, Response, WebhookReceiver

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def writer(api: ApiServer) -> str:
    return api.token("writer", "write")


@pytest.fixture(scope="module")
def reader(api: ApiServer) -> str:
    return api.token("reader", "read")


def test_writes_need_a_write_token(api: ApiServer, reader: str) -> None:
    body = {"name": "nope", "query": "patriot", "targets": ["console"]}
    with api.client() as anonymous:
        missing = anonymous.post("/api/subscriptions", json=body)
    with api.client(reader) as read_only:
        assert read_only.get("/api/subscriptions").status_code == 200
        forbidden = read_only.post("/api/subscriptions", json=body)
    with api.client("ww_0123456789ab_not-the-secret") as bad:
        unknown = bad.post("/api/subscriptions", json=body)
    with api.client("garbage") as bad:
        malformed = bad.get("/api/subscriptions")
    assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert forbidden.status_code == 403 and "scope read" in forbidden.json()["detail"]
    assert unknown.status_code == 401 and malformed.status_code == 401
    with api.client() as anonymous:
        assert anonymous.get("/api/subscriptions").json()["subscriptions"] == []


def test_revoked_token_is_refused_and_tokens_are_listed(api: ApiServer) -> None:
    token = api.token("short-lived", "write")
    with api.client(token) as http:
        assert http.get("/api/subscriptions").status_code == 200
        assert cli(api.env, "tokens", "revoke", "short-lived").returncode == 0
        refused = http.get("/api/subscriptions")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    listed = [json.loads(line) for line in cli(api.env, "tokens", "list", "--json").stdout.splitlines()]
    assert {"name": "short-lived", "scope": "write", "revoked": True}.items() <= next(
        t for t in listed if t["name"] == "short-lived"
    ).items()
    assert token not in (api.data_dir / "api.db").read_bytes().decode(errors="replace")
    again = cli(api.env, "tokens", "create", "short-lived")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_subscription_lifecycle(api: ApiServer, writer: str, webhook: WebhookReceiver) -> None:
    hook = webhook.url("/hook")
    with api.client(writer) as http:
        created = http.post(
            "/api/subscriptions",
            json={
                "name": "air",
                "query": 'Patriot OR "air defense"',
                "targets": [hook, "json://user:hunter2@127.0.0.1:9/x"],
                "filters": {"sources": ["Wire"]},
                "digest": "daily@08:00",
                "tz": "Europe/Kyiv",
            },
        )
        assert created.status_code == 201, created.text
        sub = created.json()
        assert sub["mode"] == "digest" and sub["schedule"] == "daily@08:00" and sub["tz"] == "Europe/Kyiv"
        assert sub["filters"] == {"sources": ["Wire"]} and "hunter2" not in json.dumps(sub)
        assert sub["created"].endswith("Z")  # ISO 8601, UTC
        taken = http.post("/api/subscriptions", json={"name": "air", "query": "x", "targets": ["console"]})
        assert taken.status_code == 409 and taken.json()["error"] == "conflict"
        renamed = http.patch(
            "/api/subscriptions/air", json={"name": "air defense", "muted": True, "digest": None}
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["mode"] == "realtime" and renamed.json()["muted"] is True
        assert http.get("/api/subscriptions/air").status_code == 404
        assert http.get("/api/subscriptions/air defense").json()["query"] == 'Patriot OR "air defense"'
        results = http.post("/api/subscriptions/air defense/test").json()["results"]
        assert [r["ok"] for r in results] == [True, False] and results[1]["error"]
        assert "hunter2" not in results[1]["target"]
        assert webhook.received[0].path == "/hook"
        assert http.delete("/api/subscriptions/air defense").status_code == 204
        assert http.delete("/api/subscriptions/air defense").status_code == 404
        assert http.post("/api/subscriptions/nobody/test").status_code == 404


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "x", "query": 'patriot "air', "targets": ["console"]}, "invalid query: unbalanced quote"),
        ({"name": "x", "query": "patriot", "targets": ["bogus://nowhere"]}, "apprise does not support"),
        ({"name": "x", "query": "patriot", "targets": ["console"], "digest": "weekly"}, "not understood"),
        (
            {"name": "x", "query": "p", "targets": ["console"], "digest": "hourly", "tz": "Nowhere/X"},
            "time zone",
        ),
        ({"name": "x", "query": "patriot", "targets": ["console"], "tz": "UTC"}, "give digest too"),
        ({"name": "x", "query": "patriot", "targets": []}, "targets"),
        ({"name": "x", "query": "patriot"}, "targets: Field required"),
        ({"name": "x", "query": "patriot", "targets": ["console"], "colour": "red"}, "colour"),
    ],
)
def test_bad_subscriptions_are_422_and_save_nothing(
    api: ApiServer, writer: str, body: dict, fragment: str
) -> None:
    with api.client(writer) as http:
        response = http.post("/api/subscriptions", json=body)
        assert response.status_code == 422, response.text
        assert fragment in response.json()["detail"]
        assert http.get("/api/subscriptions/x").status_code == 404
        not_json = http.post("/api/subscriptions", content=b"{", headers={"content-type": "application/json"})
        assert not_json.status_code == 422 and not_json.json()["error"] == "invalid_request"


def test_feed_add_remove_import_export(api: ApiServer, writer: str, feed_server: FeedServer) -> None:
    feed_server.routes["/wire.xml"] = Response(
        feed(WIRE_ITEMS, name="Wire Service"), headers={"Content-Type": "application/rss+xml"}
    )
    feed_server.routes["/site"] = Response(
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/other.xml"></head></html>',
        headers={"Content-Type": "text/html"},
    )
    feed_server.routes["/other.xml"] = feed_server.routes["/wire.xml"]
    with api.client(writer) as http:
        added = http.post("/api/feeds", json={"url": feed_server.url("/wire.xml"), "tags": ["news"]})
        assert added.status_code == 201, added.text
        feed_json = added.json()
        assert feed_json["url"] == feed_server.url("/wire.xml") and feed_json["name"] == "Wire Service"
        assert feed_json["tags"] == ["news"] and feed_json["active"] is True
        found = http.post("/api/feeds", json={"url": feed_server.url("/site"), "name": "Via page"})
        assert found.status_code == 201, found.text
        assert found.json()["url"] == feed_server.url("/other.xml") and found.json()["name"] == "Via page"
        again = http.post("/api/feeds", json={"url": feed_server.url("/wire.xml")})
        assert again.status_code == 409 and "already registered" in again.json()["detail"]
        not_feed = http.post("/api/feeds", json={"url": feed_server.url("/missing")})
        assert not_feed.status_code == 422 and "404" in not_feed.json()["detail"]
        assert http.post("/api/feeds", json={"url": "ftp://example.org/feed"}).status_code == 422
        exported = http.get("/api/feeds/export")
        assert exported.headers["content-type"].startswith("application/xml")
        assert feed_server.url("/wire.xml") in exported.text
        opml = exported.text.replace(feed_server.url("/wire.xml"), "https://other.example/feed.xml")
        opml = opml.replace("</body>", '<outline text="bad" xmlUrl="gopher://x"/></body>')
        imported = http.post("/api/feeds/import", content=opml, headers={"content-type": "text/x-opml"})
        assert imported.status_code == 200, imported.text
        assert imported.json()["added"] == 1 and imported.json()["skipped"] == 1  # other.xml is known
        assert len(imported.json()["errors"]) == 1 and "gopher://x" in imported.json()["errors"][0]
        replay = http.post("/api/feeds/import", content=opml, headers={"content-type": "text/x-opml"})
        assert replay.json()["added"] == 0 and replay.json()["skipped"] == 2
        broken = http.post("/api/feeds/import", content=b"<opml", headers={"content-type": "text/x-opml"})
        assert broken.status_code == 422 and "not valid OPML" in broken.json()["detail"]
        wrong_type = http.post(
            "/api/feeds/import", content=b"{}", headers={"content-type": "application/json"}
        )
        assert wrong_type.status_code == 415
        feeds = http.get("/api/feeds").json()["feeds"]
        assert {f["url"] for f in feeds} >= {feed_server.url("/wire.xml"), "https://other.example/feed.xml"}
        assert http.delete(f"/api/feeds/{feed_json['id']}").status_code == 204
        assert http.delete(f"/api/feeds/{feed_json['id']}x").status_code == 404
        after = {f["id"]: f for f in http.get("/api/feeds").json()["feeds"]}
        assert after[feed_json["id"]]["active"] is False
        assert feed_server.url("/wire.xml") not in http.get("/api/feeds/export").text


def test_feed_add_goes_through_the_ssrf_guard(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.routes["/wire.xml"] = Response(
        feed(WIRE_ITEMS), headers={"Content-Type": "application/rss+xml"}
    )
    strict = ApiServer(tmp_path, WIREWATCH_API_RATE_LIMIT="2", WIREWATCH_API_RATE_BURST="3").start()
    try:
        token = strict.token("admin", "write")
        with strict.client(token) as http:
            refused = http.post("/api/feeds", json={"url": feed_server.url("/wire.xml")})
            assert refused.status_code == 422, refused.text
            assert "loopback" in refused.json()["detail"] and not feed_server.requests
            assert http.get("/api/feeds").json()["feeds"] == []
        with strict.client() as anonymous:  # the rate limit: a burst of 3, then 429 with Retry-After
            codes = [anonymous.get("/api/alerts").status_code for _ in range(6)]
            limited = anonymous.get("/api/alerts")
        assert codes[:3] == [200, 200, 200] and 429 in codes
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"] == "rate_limited"
        with strict.client(token) as http:  # another client's bucket is its own
            assert http.get("/api/alerts").status_code == 200
        with strict.client(strict.token("admin-2", "write")) as http:  # nor may a webhook be internal
            internal = {"name": "in", "query": "x", "targets": ["http://127.0.0.1:9/hook"]}
            refused = http.post("/api/subscriptions", json=internal)
            assert refused.status_code == 422 and "loopback" in refused.json()["detail"], refused.text
        assert SqliteSubscriptions(AlertsDb(strict.data_dir / "alerts.db")).list() == []
    finally:
        strict.stop()


def _record(api: ApiServer, name: str, n: int) -> None:
    """Raise `n` alerts the way a stream worker does: create-only records in alerts.db."""
    db = AlertsDb(api.data_dir / "alerts.db")
    sub = new_subscription(name, "patriot", ["console"])
    AlertStore(db).record(
        [
            NewAlert(
                f"{name}-{i}-{time.time_ns()}",
                sub,
                f"article-{i}",
                f"story-{i}",
                {"id": f"{name}-{i}", "n": i},
            )
            for i in range(n)
        ]
    )
    db.close()


class EventReader:
    """Reads an SSE stream in a thread, keeping the parsed events and comments."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.events: list[dict] = []
        self.comments: list[str] = []
        self.ready = threading.Event()
        self._stop = False
        self.thread = threading.Thread(target=self._run, args=(url, headers or {}), daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "the stream did not open"

    def _run(self, url: str, headers: dict[str, str]) -> None:
        with httpx.stream("GET", url, headers=headers, timeout=30) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            event: dict = {}
            for line in response.iter_lines():
                self.ready.set()
                if self._stop:
                    return
                if line.startswith(":"):
                    self.comments.append(line)
                elif line == "":
                    if "data" in event:
                        self.events.append(event | {"data": json.loads(event["data"])})
                    event = {}
                else:
                    key, _, value = line.partition(": ")
                    event[key] = value

    def close(self) -> None:
        self._stop = True


def test_live_alerts_and_resuming_after_a_disconnect(api: ApiServer) -> None:
    with api.client() as http:
        base_seq = max([a["seq"] for a in http.get("/api/alerts").json()["alerts"]], default=0)
    live = EventReader(f"{api.url}/api/alerts/stream")
    _record(api, "live", 1)
    wait = time.monotonic() + 10
    while not live.events and time.monotonic() < wait:
        time.sleep(0.05)
    assert live.events, "no alert arrived on the stream"
    first = live.events[0]
    assert first["event"] == "alert" and int(first["id"]) == first["data"]["seq"] > base_seq
    assert first["data"]["subscription"] == "live" and first["data"]["status"] == "pending"
    time.sleep(1.5)
    assert ": keepalive" in live.comments
    live.close()
    _record(api, "missed", 2)
    resumed = EventReader(f"{api.url}/api/alerts/stream", {"Last-Event-ID": first["id"]})
    wait = time.monotonic() + 10
    while len(resumed.events) < 2 and time.monotonic() < wait:
        time.sleep(0.05)
    assert [e["data"]["subscription"] for e in resumed.events] == ["missed", "missed"]
    resumed.close()
    with api.client() as http:
        listed = http.get("/api/alerts", params={"subscription": "missed"}).json()["alerts"]
        assert len(listed) == 2 and listed[0]["seq"] > listed[1]["seq"]  # newest first
        assert (
            http.get("/api/alerts", params={"status": "pending", "limit": 1}).json()["alerts"][0]["seq"]
            == listed[0]["seq"]
        )
        assert (
            http.get("/api/alerts", params={"status": "sent", "subscription": "missed"}).json()["alerts"]
            == []
        )
        assert len(http.get("/api/alerts", params={"after": first["data"]["seq"]}).json()["alerts"]) == 2
        assert len(http.get("/api/alerts", params={"since": "1h"}).json()["alerts"]) >= 3
        assert http.get("/api/alerts", params={"status": "lost"}).status_code == 422
        bad_resume = http.get("/api/alerts/stream", headers={"Last-Event-ID": "abc"})
        assert bad_resume.status_code == 422
