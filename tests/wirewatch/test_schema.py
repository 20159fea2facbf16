"""The shared article record: canonical URLs, stable ids and validation reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from wirewatch.schema import (
    SCHEMA_VERSION,
    Article,
    SchemaError,
    alert_id,
    article_id,
    canonical_url,
    feed_id,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": article_id("https://example.com/a", "f"),
        "url": "https://example.com/a",
        "feed_id": "f",
        "source": "Example",
        "title": "Title",
        "published": NOW.isoformat(),
        "fetched": NOW.isoformat(),
    }
    return base | fields


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://Example.COM/a?b=2&a=1#frag", "https://example.com/a?a=1&b=2"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=abc&gclid=x", "https://example.com/a"),
        ("  https://example.com/Path/Case  ", "https://example.com/Path/Case"),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


def test_ids_are_stable_and_distinct() -> None:
    a = article_id("https://example.com/a?utm_source=x", "feed1")
    assert a == article_id("https://EXAMPLE.com/a", "feed2")  # the link decides, not the feed
    assert len(a) == 32 and int(a, 16) >= 0
    assert article_id(None, "feed1", "guid-1") != article_id(None, "feed2", "guid-1")
    assert article_id(None, "feed1", "guid-1") == article_id(None, "feed1", "guid-1")
    assert feed_id("https://example.com/rss") == feed_id("https://example.com/rss#x")
    assert alert_id("sub", "story") != alert_id("sub", "story2")


def test_id_needs_link_or_guid() -> None:
    with pytest.raises(SchemaError, match="link or a GUID"):
        article_id(None, "feed", None)


def test_round_trip_keeps_utc() -> None:
    article = Article.model_validate(make(published="2026-11-25T14:00:00+02:00"))
    assert article.published == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    again = Article.from_json(article.to_json())
    assert again == article
    assert b'"published":"2026-11-25T12:00:00Z"' in article.to_json()
    assert article.schema_version == SCHEMA_VERSION
    assert article.story_id == article.id


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "Invalid JSON"),
        (b"[]", "should be an object"),
        (Article.model_validate(make()).to_json().replace(b'"title":"Title"', b'"title":""'), "no title"),
    ],
)
def test_from_json_rejects_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(SchemaError, match=reason):
        Article.from_json(raw)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"published": "2026-11-25T12:00:00"}, "time zone"),
        ({"schema_version": SCHEMA_VERSION + 1}, "unsupported schema_version"),
        ({"url": "javascript:alert(1)"}, "http"),
        ({"id": "not-hex"}, "id"),
        ({"title": "x" * 5_000}, "title"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_validation_names_the_field(fields: dict[str, object], reason: str) -> None:
    import json

    with pytest.raises(SchemaError, match=reason):
        Article.from_json(json.dumps(make(**fields)))


def test_timezones_other_than_utc_are_converted() -> None:
    kyiv = timezone(timedelta(hours=2))
    article = Article.model_validate(make(published=datetime(2026, 1, 1, 2, 0, tzinfo=kyiv)))
    assert article.published.tzinfo == UTC and article.published.hour == 0
