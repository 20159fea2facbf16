"""`wirewatch feeds ...` as a user runs it: discovery, OPML/YAML import and export, list and show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.feedlist import FeedSpec
from ingest.opml import read_opml, write_opml
from ingest.outcomes import PollStatus
from ingest.state import FeedStore, PollOutcome
from tests.conftest import clean_env, cli
from tests.feeds import WIRE_ITEMS, feed
from tests.servers import FeedServer, Response
from wirewatch.errors import ConfigError

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
  <outline text="Ukraine">
    <outline type="rss" text="Kyiv Independent" xmlUrl="https://kyivindependent.com/feed/"
             category="/war/ukraine"/>
    <outline type="rss" text="Ukrinform" title="Ukrinform" xmlUrl="https://www.ukrinform.net/rss/news"/>
  </outline>
  <outline type="rss" text="BBC" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml" interval="120"
           fulltext="true"/>
  <outline text="empty folder"/>
</body></opml>"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")
    return clean_env(
        WIREWATCH_DATA_DIR=str(tmp_path / "data"),
        WIREWATCH_FEEDS=str(tmp_path / "feeds.yaml"),
        WIREWATCH_ALLOW_PRIVATE_NETWORKS="1",
    )


def test_opml_read_and_round_trip() -> None:
    specs = read_opml(OPML)
    assert [(s.name, s.tags) for s in specs] == [
        ("Kyiv Independent", ("Ukraine", "war/ukraine")),
        ("Ukrinform", ("Ukraine",)),
        ("BBC", ()),
    ]
    assert specs[2].interval == 120 and specs[2].fulltext
    assert read_opml(write_opml(specs).encode()) == sorted(specs, key=lambda s: (s.tags[:1], s.name or s.url))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<opml><body><outline", "not valid OPML"),
        (b"<rss/>", "not an OPML document"),
        (b'<opml><body><outline xmlUrl="ftp://x/"/></body></opml>', "outline ftp://x/: url: Value error"),
        (
            b'<!DOCTYPE o [<!ENTITY e SYSTEM "file:///etc/passwd">]><opml><body>&e;</body></opml>',
            "not valid OPML",
        ),
    ],
)
def test_bad_opml_is_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_opml(data)


def test_import_export_list_show(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "feeds.opml"
    path.write_bytes(OPML)
    imported = cli(env, "feeds", "import", str(path))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "imported 3 feeds, 0 already registered"
    assert cli(env, "feeds", "import", str(path)).stdout.strip() == "imported 0 feeds, 3 already registered"

    exported = cli(env, "feeds", "export")
    assert exported.returncode == 0, exported.stderr
    by_url = {s.url: s for s in read_opml(exported.stdout.encode())}
    assert by_url == {s.url: s.model_copy(update={"name": s.name}) for s in read_opml(OPML)}
    as_yaml = cli(env, "feeds", "export", "--format", "yaml").stdout
    again = tmp_path / "again.yaml"
    again.write_text(as_yaml)
    other = env | {"WIREWATCH_DATA_DIR": str(tmp_path / "other")}
    assert (
        cli(other, "feeds", "import", str(again)).stdout.strip() == "imported 3 feeds, 0 already registered"
    )

    store = FeedStore(Path(env["WIREWATCH_DATA_DIR"]) / "feeds.db")
    bbc = store.get("https://feeds.bbci.co.uk/news/world/rss.xml")
    assert bbc is not None
    store.record_poll(bbc, PollOutcome(PollStatus.OK, items=7, http_status=200, elapsed=0.3))
    store.record_poll(
        bbc, PollOutcome(PollStatus.HTTP_ERROR, "HTTP 500 Internal Server Error", http_status=500)
    )
    store.set_next_poll(bbc.id, bbc.created + 10**9)
    listed = cli(env, "feeds", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if line.startswith("BBC"))
    assert "http_error" in line and "HTTP 500 Internal Server Error" in line and " 7.0 " in line
    rows = [json.loads(line) for line in cli(env, "feeds", "list", "--json").stdout.splitlines()]
    assert {r["name"]: r["consecutive_failures"] for r in rows}["BBC"] == 1

    shown = cli(env, "feeds", "show", "https://feeds.bbci.co.uk/news/world/rss.xml")
    assert shown.returncode == 0, shown.stderr
    assert "http_error" in shown.stdout and "HTTP 500" in shown.stdout and "ok" in shown.stdout
    missing = cli(env, "feeds", "show", "https://nope.example/")
    assert (missing.returncode, missing.stderr.strip()) == (
        2,
        "wirewatch: error: no feed https://nope.example/",
    )


def test_add_discovers_feeds_from_a_site(env: dict[str, str], feed_server: FeedServer) -> None:
    feed_server.routes["/rss.xml"] = Response(
        feed(WIRE_ITEMS), headers={"Content-Type": "application/rss+xml"}
    )
    feed_server.routes["/atom.xml"] = Response(feed(WIRE_ITEMS, "atom"))
    feed_server.routes["/"] = Response(
        b"<html><head><title>Site</title>"
        b'<link rel="alternate" type="application/rss+xml" title="All news" href="/rss.xml">'
        b'<link rel="alternate" type="application/atom+xml" title="Atom" href="atom.xml">'
        b'<link rel="stylesheet" href="/s.css"></head><body>hi</body></html>',
        headers={"Content-Type": "text/html"},
    )
    feed_server.routes["/one"] = Response(
        b'<html><head><link rel="alternate" type="application/atom+xml" href="/atom.xml"></head></html>'
    )
    feed_server.routes["/plain"] = Response(b"<html><body>no feeds here</body></html>")

    several = cli(env, "feeds", "add", feed_server.url("/"))
    assert several.returncode == 2
    assert several.stderr.strip() == (
        f"wirewatch: error: 2 feeds found at {feed_server.url('/')} (listed above): choose one with --pick N"
    )
    assert f"1) {feed_server.url('/rss.xml')}  All news" in several.stdout

    picked = cli(env, "feeds", "add", feed_server.url("/"), "--pick", "2", "--tag", "test")
    assert picked.returncode == 0, picked.stderr
    assert picked.stdout.strip() == f"added Atom <{feed_server.url('/atom.xml')}> (adaptive interval)"

    direct = cli(env, "feeds", "add", feed_server.url("/rss.xml"))
    assert direct.stdout.strip() == f"added Test News <{feed_server.url('/rss.xml')}> (adaptive interval)"
    assert cli(env, "feeds", "add", feed_server.url("/one")).stderr.strip().endswith("is already registered")

    nothing = cli(env, "feeds", "add", feed_server.url("/plain"))
    assert nothing.returncode == 2 and "no feed found at" in nothing.stderr
    down = cli(env, "feeds", "add", "http://127.0.0.1:9/feed.xml")
    assert down.returncode == 1 and "cannot fetch http://127.0.0.1:9/feed.xml" in down.stderr
    unchecked = cli(env, "feeds", "add", "http://127.0.0.1:9/feed.xml", "--no-check", "--interval", "60")
    assert unchecked.returncode == 0 and "(every 60s)" in unchecked.stdout
    closed = cli(env | {"WIREWATCH_ALLOW_PRIVATE_NETWORKS": "0"}, "feeds", "add", feed_server.url("/x"))
    assert closed.returncode == 1 and "127.0.0.1 is a loopback address" in closed.stderr
    bad = cli(env, "feeds", "add", "ftp://x/")
    assert (bad.returncode, bad.stderr.strip()) == (
        2,
        "wirewatch: error: url: Value error, must be an http(s) URL",
    )
    assert FeedSpec(url=feed_server.url("/atom.xml"))  # sanity: the URL form the CLI stored
