"""Feed entries to articles: text, links, dates, ids (pure functions, real feedparser output)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest.html import html_to_text
from ingest.normalise import FeedContext, normalise_entry
from ingest.parse import NotAFeedError, parse_feed
from wirewatch.schema import SchemaError, article_id

FEED = FeedContext(
    feed_id="feed1", url="https://news.example/rss.xml", source="Example News", tags=("europe",)
)
FETCHED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def rss(item: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example</title><link>https://news.example/</link>{item}</channel></rss>""".encode()


def one(item: str):
    parsed = parse_feed(rss(item), FEED.url, "application/rss+xml")
    assert len(parsed.entries) == 1
    return normalise_entry(parsed.entries[0], FEED, FETCHED)


def test_full_item() -> None:
    article = one(
        """<item><title>Patriot &amp; IRIS-T arrive</title>
        <link>/2026/patriot?utm_source=rss</link><guid>g-1</guid>
        <pubDate>Tue, 25 Nov 2026 10:30:00 +0200</pubDate>
        <author>desk@news.example (Anna Kovalenko)</author>
        <category>Defence</category>
        <description>&lt;p&gt;Two &lt;b&gt;systems&lt;/b&gt; arrived.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description>
        </item>"""
    )
    assert article.title == "Patriot & IRIS-T arrive"
    assert article.url == "https://news.example/2026/patriot?utm_source=rss"
    assert article.id == article_id("https://news.example/2026/patriot", "other-feed")
    assert article.summary == "Two systems arrived."
    assert article.published == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    assert article.fetched == FETCHED
    assert article.source == "Example News"
    assert article.categories == ["europe", "Defence"]
    assert article.authors


def test_missing_date_falls_back_to_fetch_time() -> None:
    assert one("<item><title>No date</title><link>https://news.example/a</link></item>").published == FETCHED


def test_unparseable_date_falls_back_to_fetch_time() -> None:
    item = "<item><title>Bad date</title><link>https://news.example/b</link><pubDate>yesterday-ish</pubDate></item>"
    assert one(item).published == FETCHED


def test_future_date_is_clamped() -> None:
    future = (FETCHED + timedelta(days=3)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    item = f"<item><title>Future</title><link>https://news.example/c</link><pubDate>{future}</pubDate></item>"
    assert one(item).published == FETCHED


def test_guid_identifies_items_without_link() -> None:
    article = one("<item><title>No link</title><guid isPermaLink='false'>urn:x:42</guid></item>")
    assert article.url is None
    assert article.id == article_id(None, "feed1", "urn:x:42")


def test_item_without_link_guid_or_text_is_rejected() -> None:
    with pytest.raises(SchemaError, match="link or a GUID"):
        one("<item><title>Nothing to identify me</title></item>")
    with pytest.raises(SchemaError, match="no title, summary or content"):
        one("<item><link>https://news.example/empty</link></item>")


def test_javascript_links_are_dropped() -> None:
    assert one("<item><title>x</title><link>javascript:alert(1)</link><guid>g</guid></item>").url is None


def test_huge_title_is_truncated() -> None:
    article = one(f"<item><title>{'A' * 5000}</title><link>https://news.example/long</link></item>")
    assert len(article.title) == 1000 and article.title.endswith("…")


def test_atom_content_and_summary() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2026-11-25T09:00:00Z</updated>
<entry><title>Entry</title><id>urn:a:1</id><link href="https://atom.example/1"/>
<updated>2026-11-25T09:00:00Z</updated><summary>Short lead.</summary>
<content type="html">&lt;p&gt;Short lead.&lt;/p&gt;&lt;p&gt;Second paragraph.&lt;/p&gt;</content></entry></feed>"""
    parsed = parse_feed(atom, "https://atom.example/feed", "application/atom+xml")
    article = normalise_entry(parsed.entries[0], FEED, FETCHED)
    assert article.summary == "Short lead."
    assert article.content == "Short lead.\n\nSecond paragraph."
    assert article.published == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("body", [b"<html><body>hello</body></html>", b"plain text", b"", b"\x00\xff\xfe"])
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeedError, match="not an RSS/Atom/JSON feed"):
        parse_feed(body, "https://x.example/feed")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("a <script>evil()</script>b<style>x{}</style>", "a b"),
        ("<a href='javascript:x' onclick='y'>link</a>", "link"),
        ("Fish &amp; chips &lt;3", "Fish & chips <3"),
        ("line\x00with\x07controls", "linewithcontrols"),
        ("  spaced \t out  ", "spaced out"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text
