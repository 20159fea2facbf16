"""The hostile-feed suite: each case served from a loopback server and polled by the real poller.

Every case ends in an asserted outcome (rejected with a clear reason, or ingested safely), and
the good feed polled alongside them keeps being ingested.
"""

from __future__ import annotations

import asyncio
import gzip
import json

import pytest

from ingest.feedlist import FeedSpec
from ingest.outcomes import PollStatus
from ingest.state import PollOutcome
from tests.feeds import WIRE_ITEMS, feed
from tests.ingest import hostile
from tests.ingest.conftest import read_topic
from tests.servers import FeedServer, Response
from wirewatch import topics

pytestmark = pytest.mark.integration

CYRILLIC = "Киев получил новые системы ПВО от союзников, сообщил министр обороны."
RSS_TYPE = {"Content-Type": "application/rss+xml"}

# path -> (response, expected status, expected text in the one-line reason or None, items)
CASES: dict[str, tuple[Response, PollStatus, str | None, int | None]] = {
    "/not-xml": (Response(hostile.NOT_XML), PollStatus.NOT_A_FEED, "not an RSS/Atom/JSON feed", 0),
    "/truncated": (Response(hostile.TRUNCATED), PollStatus.OK, "1 entries rejected", 1),  # 2nd lost its link
    "/wrong-charset": (
        Response(
            hostile.rss(hostile.item(CYRILLIC, "https://evil.example/ru")).decode().encode("cp1251"),
            headers={"Content-Type": "application/rss+xml; charset=utf-8"},
        ),
        PollStatus.OK,
        "declared utf-8 but the text reads as cp1251",
        1,
    ),
    "/gzip-bomb": (
        Response(gzip.compress(bytes(20_000_000)), headers={"Content-Encoding": "gzip"}),
        PollStatus.TOO_LARGE,
        "response larger than 2000000 bytes",
        0,
    ),
    "/50mb": (Response(b"<rss>" + b" " * 50_000_000), PollStatus.TOO_LARGE, "larger than", 0),
    "/slow": (Response(feed(WIRE_ITEMS), delay=30), PollStatus.TIMEOUT, None, 0),
    "/loop-a": (Response(b"", 302, {"Location": "/loop-b"}), PollStatus.REDIRECT_LOOP, "redirect loop", 0),
    "/to-private": (
        Response(b"", 302, {"Location": "http://169.254.169.254/latest/meta-data/"}),
        PollStatus.BLOCKED,
        "169.254.169.254 is a link-local address",
        0,
    ),
    "/billion-laughs": (Response(hostile.BILLION_LAUGHS), PollStatus.OK, "1 entries rejected", 0),
    "/xxe": (Response(hostile.XXE), PollStatus.OK, "1 entries rejected", 0),
    "/scripts": (Response(hostile.SCRIPTS), PollStatus.OK, None, 2),
    "/huge-title": (Response(hostile.HUGE_TITLE), PollStatus.OK, None, 1),
    "/duplicate-guids": (Response(hostile.DUPLICATE_GUIDS), PollStatus.OK, None, 2),
    "/no-links-or-dates": (Response(hostile.NO_LINKS_OR_DATES), PollStatus.OK, "1 entries rejected", 3),
    "/redos-author": (Response(hostile.REDOS_AUTHOR), PollStatus.OK, None, 1),
}


def test_hostile_feeds_are_contained_and_good_feeds_keep_flowing(
    feed_server: FeedServer, make_poller, ingest_settings
) -> None:
    for path, (response, *_rest) in CASES.items():
        feed_server.routes[path] = response
    feed_server.routes["/loop-b"] = Response(b"", 302, {"Location": "/loop-a"})
    feed_server.routes["/good"] = Response(feed(WIRE_ITEMS), headers=RSS_TYPE)
    poller = make_poller(max_feed_bytes=2_000_000)  # room for the 1 MB title
    specs = [FeedSpec(url=feed_server.url(p)) for p in [*CASES, "/good"]]
    poller.store.sync_file(specs)
    feeds = {f.url.rsplit("/", 1)[1]: f for f in poller.store.list()}

    async def poll_all() -> dict[str, PollOutcome]:
        outcomes = await asyncio.gather(*(poller.poll(f) for f in feeds.values()))
        return {"/" + name: outcome for name, outcome in zip(feeds, outcomes, strict=True)}

    outcomes = asyncio.run(poll_all())
    assert outcomes["/good"].status is PollStatus.OK and outcomes["/good"].items == len(WIRE_ITEMS)
    for path, (_response, status, reason, items) in CASES.items():
        outcome = outcomes[path]
        assert outcome.status is status, (path, outcome)
        if reason is not None:
            assert reason in (outcome.error or ""), (path, outcome.error)
        if items is not None:
            assert outcome.items == items, (path, outcome)
        if not status.succeeded:
            assert outcome.error and "\n" not in outcome.error
        recorded = poller.store.get(feeds[path[1:]].id)
        assert recorded is not None and recorded.last_status == status.value

    produced = read_topic(ingest_settings.bootstrap, topics.RAW)
    dead = read_topic(ingest_settings.bootstrap, topics.DEADLETTER)
    everything = json.dumps(produced + dead)
    assert hostile.SECRET_TEXT not in everything
    assert "lollollol" not in everything
    for bad in ("<script", "alert(", "onerror", "javascript:"):
        assert bad not in json.dumps(produced), bad
    assert any(a["title"] == CYRILLIC for a in produced)
    assert max(len(a["title"]) for a in produced) <= 1_000
    assert {d["reason"] for d in dead} == {
        "entry has no title, summary or content",
        "an article needs a link or a GUID to get a stable id",
    }

    # The good feed keeps being polled normally: conditional GET, nothing produced twice.
    again = asyncio.run(poller.poll(poller.store.get(feeds["good"].id)))  # type: ignore[arg-type]
    assert again.status is PollStatus.NOT_MODIFIED
    assert len(read_topic(ingest_settings.bootstrap, topics.RAW)) == len(produced)
