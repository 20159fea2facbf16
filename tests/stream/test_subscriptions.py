"""Subscriptions: validation before anything is saved, the embedded store, digest schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stream.alerts.db import AlertsDb
from stream.alerts.match import SubscriptionMatcher, early, needs_enrichment
from stream.alerts.schedule import Schedule
from stream.alerts.subscriptions import DIGEST, Filters, SqliteSubscriptions, edit, new_subscription
from stream.alerts.targets import Channel, channel, redact, validate_target
from wirewatch.errors import UsageError
from wirewatch.schema import Article, Entity, utcnow


@pytest.fixture
def store(tmp_path: Path) -> SqliteSubscriptions:
    return SqliteSubscriptions(AlertsDb(tmp_path / "alerts.db"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": "patriot AND ("}, "invalid query: unbalanced '('"),
        ({"targets": ["bogus://x"]}, "apprise does not support the scheme 'bogus'"),
        ({"targets": ["slack://"]}, "parameters are incomplete"),
        ({"targets": ["not a url"]}, "is not a URL"),
        ({"targets": ["http:///path"]}, "has no host"),
        ({"targets": []}, "needs at least one target"),
        ({"name": " "}, "name must be 1 to 100 characters"),
        ({"digest": "weekly"}, "digest schedule 'weekly' not understood"),
        ({"digest": "daily@25:00"}, "not a time of day"),
        ({"digest": "hourly", "tz": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_invalid_subscriptions_are_refused(kwargs: dict, message: str) -> None:
    args = {"name": "air", "query": "patriot", "targets": ["console"]} | kwargs
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        new_subscription(args.pop("name"), args.pop("query"), args.pop("targets"), **args)


def test_targets_of_every_channel_validate() -> None:
    assert channel(validate_target(" console ")) is Channel.CONSOLE
    assert channel(validate_target("https://hooks.example/x")) is Channel.WEBHOOK
    for target in (
        "mailto://user:pw@example.com",
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
        "tgram://123456789:abcdefg_hijklmnop/12315544/",
        "ntfy://wirewatch-alerts",
        "json://127.0.0.1:8080/alerts",
        "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
    ):
        assert channel(validate_target(target)) is Channel.APPRISE, target
    assert redact("mailto://user:hunter2@example.com") == "mailto://user:***@example.com"


def test_store_round_trip_edit_and_revision(store: SqliteSubscriptions) -> None:
    sub = new_subscription(
        "air",
        'Patriot OR "air defense"',
        ["console", "console", "https://hooks.example/x"],
        filters=Filters(sources=("Wire",), languages=("en",)),
        digest="daily@08:00",
        tz="Europe/Kyiv",
        dedup=False,
    )
    assert sub.targets == ("console", "https://hooks.example/x")
    before = store.revision()
    store.create(sub)
    assert store.revision() != before
    assert store.get("air") == sub
    with pytest.raises(UsageError, match="already exists"):
        store.create(new_subscription("air", "other", ["console"]))

    muted = edit(store, "air", muted=True, query="kyiv")
    assert store.get("air") == muted and muted.muted and muted.query == "kyiv" and muted.mode == DIGEST
    with pytest.raises(UsageError, match="invalid query"):
        edit(store, "air", query='"unclosed')
    assert store.get("air").query == "kyiv", "a refused edit must save nothing"

    store.create(new_subscription("other", "oil", ["console"]))
    with pytest.raises(UsageError, match="already exists"):
        edit(store, "other", name="air")
    store.delete("air")
    assert [s.name for s in store.list()] == ["other"]
    with pytest.raises(UsageError, match="no subscription named 'air'"):
        store.delete("air")


def test_filters_are_part_of_what_matches() -> None:
    sub = new_subscription(
        "f", "patriot", ["console"], filters=Filters(sources=("Wire", "Atom"), topics=("x",))
    )
    assert str(sub.node()) == '(patriot AND (source:"wire" OR source:"atom") AND topic:"x")'


def test_early_and_enriched_matchers_share_the_subscriptions_out(store: SqliteSubscriptions) -> None:
    """Keyword queries are answered before NER, entity and topic conditions after; an edit that
    adds one moves the subscription across, and each subscription is held by exactly one."""
    store.create(new_subscription("words", "Patriot", ["console"]))
    store.create(new_subscription("lang", "Patriot lang:en source:Wire", ["console"]))
    store.create(new_subscription("entity", "Patriot", ["console"], filters=Filters(entities=("Kyiv",))))
    store.create(new_subscription("topic", 'topic:"air-defense"', ["console"]))
    store.create(new_subscription("muted", "Patriot", ["console"]))
    edit(store, "muted", muted=True)
    age = timedelta(days=2)
    before, after = SubscriptionMatcher(store, age, early), SubscriptionMatcher(store, age, needs_enrichment)
    now = utcnow()
    article = Article(
        id="0" * 32, url="https://wire.example/1", feed_id="wire", source="Wire",
        title="Patriot battery reaches Kyiv", published=now, fetched=now, language="en",
        entities=[Entity(name="Kyiv", type="GPE")], topics=["air-defense"],
    )  # fmt: skip

    def names(matcher: SubscriptionMatcher) -> set[str]:
        matcher.refresh()
        return {m.subscription.name for m in matcher.match(article, now)}

    assert names(before) == {"words", "lang"} and names(after) == {"entity", "topic"}
    edit(store, "words", query="Patriot AND entity:Kyiv")
    store.delete("topic")
    assert names(before) == {"lang"} and names(after) == {"entity", "words"}
    assert len(before.index) + len(after.index) == 3


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("schedule", "tz", "after", "expected"),
    [
        ("hourly", "UTC", "2026-11-25T10:15:00+00:00", "2026-11-25T11:00:00+00:00"),
        ("hourly", "Asia/Kolkata", "2026-11-25T10:15:00+00:00", "2026-11-25T10:30:00+00:00"),
        ("daily@08:00", "Europe/Kyiv", "2026-11-25T05:59:00+00:00", "2026-11-25T06:00:00+00:00"),
        ("daily@08:00", "Europe/Kyiv", "2026-11-25T06:00:00+00:00", "2026-11-26T06:00:00+00:00"),
        # Kyiv moves to summer time on 2026-03-29: 08:00 is then 05:00 UTC.
        ("daily@08:00", "Europe/Kyiv", "2026-03-28T07:00:00+00:00", "2026-03-29T05:00:00+00:00"),
        ("daily", "UTC", "2026-11-25T09:00:00+00:00", "2026-11-26T08:00:00+00:00"),
    ],
)
def test_digest_boundaries(schedule: str, tz: str, after: str, expected: str) -> None:
    assert Schedule.parse(schedule, tz).next_boundary(utc(after)) == utc(expected)
