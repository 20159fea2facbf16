"""Full text: article pages fetched politely and extracted; failures flag the article, never hold it."""

from __future__ import annotations

import asyncio

import pytest

from ingest.feedlist import FeedSpec
from ingest.outcomes import PollStatus
from tests.feeds import feed, item
from tests.ingest.conftest import read_topic
from tests.servers import FeedServer, Response
from wirewatch import topics

pytestmark = pytest.mark.integration

BODY = " ".join(
    f"Paragraph {n}: the air defense systems delivered to Kyiv were deployed near the capital, officials say."
    for n in range(12)
)
PAGE = (
    "<html><head><title>Story</title><script>var tracking = 1;</script></head><body>"
    "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
    f"<article><h1>Patriot arrives</h1>{''.join(f'<p>{p}.</p>' for p in BODY.split('. '))}</article>"
    "<footer>Copyright Example News</footer></body></html>"
).encode()


def test_full_text_and_its_failures(feed_server: FeedServer, make_poller, ingest_settings) -> None:
    site = feed_server.url("")
    pages = {
        "good": Response(PAGE, headers={"Content-Type": "text/html; charset=utf-8"}),
        "missing": Response(b"no", 404),
        "slow": Response(PAGE, delay=5, headers={"Content-Type": "text/html"}),
        "pdf": Response(b"%PDF-1.4", headers={"Content-Type": "application/pdf"}),
        "private": Response(b"", 302, {"Location": "http://10.0.0.1/story"}),
    }
    for slug, response in pages.items():
        feed_server.routes[f"/2026/{slug}"] = response
    items = [item(slug, f"Story {slug}", f"Summary of {slug}. More.", site=site) for slug in pages]
    feed_server.routes["/feed.xml"] = Response(feed(items))
    # Timeout 2 s, so the poll's budget (4 timeouts) holds on a loaded machine; the slow page takes 5 s.
    poller = make_poller(fulltext_timeout=2.0)
    poller.store.sync_file([FeedSpec(url=feed_server.url("/feed.xml"), fulltext=True)])

    outcome = asyncio.run(poller.poll(poller.store.list()[0]))
    assert outcome.status is PollStatus.OK and outcome.items == len(pages)
    produced = {a["url"].rsplit("/", 1)[1]: a for a in read_topic(ingest_settings.bootstrap, topics.RAW)}
    assert set(produced) == set(pages)  # every article produced, whatever happened to its page
    good = produced["good"]
    assert good["fulltext_status"] == "ok"
    assert "Paragraph 11" in good["content"] and "Copyright" not in good["content"]
    assert "tracking" not in good["content"]
    assert produced["missing"]["fulltext_status"] == "failed: http_error: HTTP 404 Not Found"
    assert produced["slow"]["fulltext_status"].startswith("failed: timeout")
    assert produced["pdf"]["fulltext_status"] == "failed: not an HTML page (application/pdf)"
    assert "10.0.0.1 is a private address" in produced["private"]["fulltext_status"]
    for slug in ("missing", "slow", "pdf", "private"):
        assert produced[slug]["summary"] == f"Summary of {slug}."
