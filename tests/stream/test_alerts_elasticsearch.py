"""Subscriptions and alert records in Elasticsearch, over the wire (noida-db stand-in or a real cluster)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from elasticsearch import Elasticsearch

from stream.alerts.elasticsearch import ElasticsearchAlerts, ElasticsearchSubscriptions
from stream.alerts.match import SubscriptionMatcher
from stream.alerts.store import NewAlert
from stream.alerts.subscriptions import edit, new_subscription
from wirewatch.errors import UsageError
from wirewatch.schema import Article, utcnow

pytestmark = pytest.mark.integration


@pytest.fixture
def prefix(elasticsearch_url: str) -> Iterator[str]:
    """A per-test index prefix; the indices are deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    client = Elasticsearch(elasticsearch_url)
    for suffix in ("subscriptions", "alerts"):
        client.options(ignore_status=404).indices.delete(index=f"{name}-{suffix}")
    client.close()


def test_subscriptions_round_trip_and_the_matcher_follows(elasticsearch_url: str, prefix: str) -> None:
    store = ElasticsearchSubscriptions(Elasticsearch(elasticsearch_url), prefix)
    matcher = SubscriptionMatcher(store, timedelta(days=2))
    now = utcnow()
    article = Article(
        id="0" * 32, feed_id="f", source="Wire", title="Patriot battery arrives", published=now, fetched=now
    )
    try:
        assert store.revision() == "0" and store.list() == []
        sub = store.create(new_subscription("air", "patriot", ["console"], digest="hourly", tz="Europe/Kyiv"))
        with pytest.raises(UsageError, match="already exists"):
            store.create(new_subscription("air", "other", ["console"]))
        assert store.get("air") == sub and [s.name for s in store.list()] == ["air"]
        matcher.refresh()
        assert [m.subscription.name for m in matcher.match(article)] == ["air"]

        revision = store.revision()
        edit(store, "air", muted=True)
        assert store.revision() != revision
        matcher.refresh()
        assert matcher.match(article) == []

        store.create(new_subscription("kyiv", "kyiv", ["console"]))
        with pytest.raises(UsageError, match="already exists"):
            edit(store, "kyiv", name="air")
        renamed = edit(store, "air", name="patriot", muted=False)
        assert store.get("patriot") == renamed
        with pytest.raises(UsageError, match="no subscription named 'air'"):
            store.get("air")
        store.delete("patriot")
        assert [s.name for s in store.list()] == ["kyiv"]
    finally:
        store.close()


def test_alert_records_are_create_only_and_owned(elasticsearch_url: str, prefix: str) -> None:
    sub = new_subscription("air", "patriot", ["https://user:pw@hooks.example/x"])
    payload = {
        "id": "a1",
        "created": utcnow().isoformat(),
        "subscription": {"id": sub.id, "name": "air", "query": "patriot"},
        "article": {"id": "x", "title": "Patriot", "source": "Wire", "published": utcnow().isoformat()},
    }
    alerts = [NewAlert("a1", sub, "x", "x", payload), NewAlert("a2", sub, "y", "y", payload | {"id": "a2"})]
    first = ElasticsearchAlerts(Elasticsearch(elasticsearch_url), prefix, owner="worker-1")
    other = ElasticsearchAlerts(Elasticsearch(elasticsearch_url), prefix, owner="worker-2")
    try:
        assert [a.id for a in first.create(alerts[:1])] == ["a1"]
        # A replay on the same worker (after a crash) is still its own; another worker's is not.
        assert [a.id for a in first.create(alerts)] == ["a2", "a1"]
        assert other.create(alerts) == []
        stored = first.client.get(index=f"{prefix}-alerts", id="a1")["_source"]
        assert stored["owner"] == "worker-1" and stored["targets"] == ["https://user:***@hooks.example/x"]
    finally:
        first.close()
        other.close()
