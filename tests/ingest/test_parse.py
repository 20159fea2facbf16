"""Parsing: both parsers, hostile XML defused, hub/self links, JSON Feed, no file or network access."""

from __future__ import annotations

import json
import time

import pytest

from ingest.parse import PARSERS, NotAFeedError, parse_feed, strip_doctype
from tests.feeds import ATOM_ITEMS, WIRE_ITEMS, feed
from tests.ingest import hostile

URL = "https://evil.example/feed.xml"
parametrize_parser = pytest.mark.parametrize("parser", PARSERS)


@parametrize_parser
def test_rss_and_atom(parser: str) -> None:
    for document, items in ((feed(WIRE_ITEMS), WIRE_ITEMS), (feed(ATOM_ITEMS, "atom"), ATOM_ITEMS)):
        parsed = parse_feed(document, URL, "application/xml", parser)  # type: ignore[arg-type]
        assert [e.link for e in parsed.entries] == [i.url for i in items]
        first = parsed.entries[0]
        assert first.title == items[0].title
        assert first.authors == ("Test Writer",)
        assert first.categories == ("World",)
        assert first.published is not None
        assert abs((first.published - items[0].published).total_seconds()) < 1
        assert "<p>" in first.content[0]


@parametrize_parser
@pytest.mark.parametrize("name", ["BILLION_LAUGHS", "QUADRATIC", "XXE", "PARAMETER_ENTITY", "EXTERNAL_DTD"])
def test_entities_are_never_expanded_or_fetched(parser: str, name: str) -> None:
    started = time.monotonic()
    parsed = parse_feed(getattr(hostile, name), URL, None, parser)  # type: ignore[arg-type]
    assert time.monotonic() - started < 2
    text = " ".join(f"{e.title} {e.summary}" for e in parsed.entries)
    assert hostile.SECRET_TEXT not in text
    assert "lollol" not in text and "xxxx" not in text
    assert len(text) <= len(getattr(hostile, name))  # nothing grew: at most the references as text


def test_doctype_stripping() -> None:
    assert strip_doctype(hostile.BILLION_LAUGHS).count(b"<!ENTITY") == 0
    assert b"DOCTYPE" not in strip_doctype(hostile.EXTERNAL_DTD)
    tricky = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "]>"><!-- ]> --><!ENTITY b \'>\'>]><r>&a;</r>'
    assert strip_doctype(tricky) == b'<?xml version="1.0"?><r>&a;</r>'
    assert strip_doctype(b"<!doctype rss [ <!ENTITY x 'y'>") == b""  # unterminated: all dropped
    assert strip_doctype(b"<rss/>") == b"<rss/>"


@parametrize_parser
def test_a_body_that_names_a_local_file_is_not_opened(parser: str) -> None:
    """feedparser opens a string that looks like a path; we hand it a stream, never a path."""
    with pytest.raises(NotAFeedError):
        parse_feed(str(hostile.SECRET).encode(), URL, None, parser)  # type: ignore[arg-type]
    with pytest.raises(NotAFeedError):
        parse_feed(b"http://127.0.0.1:9/feed.xml", URL, None, parser)  # type: ignore[arg-type]


@parametrize_parser
def test_not_a_feed_has_a_clear_reason(parser: str) -> None:
    for body in (hostile.NOT_XML, b"", b"   ", b"\x00\x01\x02 binary junk"):
        with pytest.raises(NotAFeedError, match=r"^not an RSS/Atom/JSON feed \("):
            parse_feed(body, URL, "text/html", parser)  # type: ignore[arg-type]


@parametrize_parser
def test_truncated_xml_keeps_what_can_be_read(parser: str) -> None:
    parsed = parse_feed(hostile.TRUNCATED, URL, None, parser)  # type: ignore[arg-type]
    assert parsed.entries[0].title == "first"


def test_hub_and_self_links_from_the_document_head() -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        b'<title>T</title><atom:link rel="hub" href="https://hub.example/?a=1&amp;b=2"/>'
        b"<atom:link href='https://news.example/feed.xml' rel='self' type='application/rss+xml'/>"
        b'<item><title>x</title><link>https://news.example/1</link><atom:link rel="hub" href="https://no/"/>'
        b"</item></channel></rss>"
    )
    parsed = parse_feed(rss, URL)
    assert parsed.hub == "https://hub.example/?a=1&b=2"
    assert parsed.self_url == "https://news.example/feed.xml"
    atom = feed(ATOM_ITEMS, "atom").replace(
        b"<title>", b'<link rel="hub" href="https://hub.example/"/><title>', 1
    )
    assert parse_feed(atom, URL).hub == "https://hub.example/"
    assert parse_feed(feed(WIRE_ITEMS), URL).hub is None


def test_json_feed() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON News",
        "items": [
            {
                "id": "1",
                "url": "https://json.example/1",
                "title": "Київ отримав Patriot",
                "content_html": "<p>Body</p>",
                "date_published": "2026-11-20T10:00:00Z",
                "authors": [{"name": "Olena"}],
                "tags": ["ukraine"],
            }
        ],
    }
    parsed = parse_feed(json.dumps(doc, ensure_ascii=False).encode(), URL, "application/feed+json")
    entry = parsed.entries[0]
    assert parsed.title == "JSON News"
    assert (entry.link, entry.title, entry.guid) == ("https://json.example/1", "Київ отримав Patriot", "1")
    assert entry.published is not None and entry.published.isoformat() == "2026-11-20T10:00:00+00:00"
