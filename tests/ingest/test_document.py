"""Feed documents to articles: sanitised text, date rules, ids, duplicates, rejects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest.document import read_feed
from ingest.html import html_to_text
from ingest.normalise import CLOCK_SKEW
from ingest.parse import PARSERS
from tests.ingest import hostile
from wirewatch.schema import MAX_TITLE_CHARS, article_id

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FEED = "https://evil.example/feed.xml"
parametrize_parser = pytest.mark.parametrize("parser", PARSERS)


def read(body: bytes, parser: str = "fastfeedparser", tags: tuple[str, ...] = ()):
    from ingest.normalise import FeedContext

    return read_feed(body, None, FeedContext("feed1", FEED, "", tags), NOW, parser)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a <script>alert(1)</script>b</p>", "a b"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Hi", "Hi"),
        ('<a href="javascript:alert(1)" onclick="x()">click</a>', "click"),
        ("<style>p{}</style><svg onload=alert(1)>t</svg>u", "u"),
        ("<<script>script>alert(1)<</script>/script>", ""),
        ("x < y and y > z", "x < y and y > z"),
        ("AT&amp;T &#8212; fine", "AT&T — fine"),
        ("<p>one</p><p>two</p>", "one\n\ntwo"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@parametrize_parser
def test_script_injection_never_survives(parser: str) -> None:
    doc = read(hostile.SCRIPTS, parser)
    first = doc.articles[0]
    stored = first.to_json().decode()
    for bad in ("<script", "alert(", "onclick", "onerror", "javascript:", "<iframe", "<style", "<img"):
        assert bad not in stored, bad
    assert first.title == "Breaking news"
    assert first.summary == "Bodylinktail"
    second = doc.articles[1]  # its javascript: link is dropped; its GUID gives it an id
    assert (second.title, second.url) == ("Second", None)


@parametrize_parser
def test_a_one_megabyte_title_is_truncated(parser: str) -> None:
    title = read(hostile.HUGE_TITLE, parser).articles[0].title
    assert len(title) == MAX_TITLE_CHARS and title.endswith("…")


@parametrize_parser
def test_duplicate_guids_collapse_to_one_article(parser: str) -> None:
    doc = read(hostile.DUPLICATE_GUIDS, parser)
    assert [a.title for a in doc.articles] == ["one", "no link 1"]
    assert doc.rejected == []


@parametrize_parser
def test_items_without_links_or_dates(parser: str) -> None:
    doc = read(hostile.NO_LINKS_OR_DATES, parser)
    by_title = {a.title or a.summary: a for a in doc.articles}
    guid_only = by_title["only a guid"]
    assert guid_only.url is None and guid_only.id == article_id(None, "feed1", "urn:1")
    assert guid_only.published == NOW  # no date: first seen
    assert by_title["only text, dated nonsense"].published == NOW  # unparseable date: first seen
    assert by_title["from the future"].published == NOW  # clamped
    # No link and no GUID: no stable id, so it is rejected with the reason (dead-lettered), not dropped.
    assert [r[0] for r in doc.rejected] == ["an article needs a link or a GUID to get a stable id"]
    assert "nothing but a title" in doc.rejected[0][1]


def test_dates_within_clock_skew_are_kept_and_tags_become_categories() -> None:
    soon = NOW + CLOCK_SKEW - timedelta(minutes=1)
    body = hostile.rss(
        hostile.item(
            "x",
            extra=f"<pubDate>{soon.strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
            "<category>World</category>",
        )
    )
    article = read(body, tags=("ukraine", "World")).articles[0]
    assert article.published == soon
    assert article.categories == ["ukraine", "World"]
    assert article.source == "Hostile"  # the feed's own title when the feed has no name
