"""Matching enriched articles against the saved subscriptions, and the alert payload.

The matcher keeps a `QueryIndex` of the active subscriptions and follows the store's
revision: when it changes, only added, edited and removed subscriptions are re-indexed, so a
subscription created while the pipeline runs applies to the next batch (within seconds).

Most subscriptions are keyword queries that need nothing the NER model finds. With early alerts
on (the default) the worker matches those on the raw article, beside the enrich stage, so their
alerts never wait behind the model; only subscriptions with `entity:` or `topic:` conditions
wait for the enriched article. Each matcher holds its share (`early` / `needs_enrichment`).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from search.highlight import highlight
from search.query import Node, QueryError
from search.query.ast import Keyword, walk
from search.query.index import QueryIndex
from search.query.matcher import PreparedDoc
from stream.alerts.store import NewAlert
from stream.alerts.subscriptions import Subscription, SubscriptionStore
from wirewatch.schema import SCHEMA_VERSION, Article, alert_id, utcnow

log = logging.getLogger("wirewatch.match")

# Keyword fields only enrichment (the model's entities, the topic rules) decides.
ENRICHED_FIELDS = frozenset({"entity", "topic"})


def needs_enrichment(node: Node) -> bool:
    """True when a query (with its filters) asks for entities or topics."""
    return any(isinstance(n, Keyword) and n.field in ENRICHED_FIELDS for n in walk(node))


def early(node: Node) -> bool:
    """The subscriptions an early matcher holds: those decidable before enrichment."""
    return not needs_enrichment(node)


@dataclass(frozen=True)
class Match:
    """An article matched by a subscription: the alert to record."""

    alert_id: str
    subscription: Subscription
    node: Node


def alert_key(subscription: Subscription, article: Article) -> str:
    """One alert per (subscription, story) with per-story dedup, else per (subscription, article)."""
    return alert_id(subscription.id, article.story_id if subscription.dedup else article.id)


def alert_payload(
    alert: str, subscription: Subscription, node: Node, article: Article, covered_by: list[str]
) -> dict[str, Any]:
    """What every channel receives about one alert."""
    return {
        "schema_version": SCHEMA_VERSION,
        "id": alert,
        "kind": "alert",
        "created": utcnow().isoformat(),
        "subscription": {"id": subscription.id, "name": subscription.name, "query": subscription.query},
        "article": {
            "id": article.id,
            "title": article.title,
            "url": article.url,
            "source": article.source,
            "published": article.published.isoformat(),
            "language": article.language,
            "entities": [{"name": e.name, "type": e.type} for e in article.entities],
            "topics": article.topics,
            "story_id": article.story_id,
            "cluster_size": max(article.cluster_size or 1, len(covered_by) + 1),
            "also_covered_by": covered_by,
        },
        "highlight": highlight(node, article),
    }


def new_alert(match: Match, article: Article, covered_by: list[str], now: datetime) -> NewAlert:
    """The alert record for a match: payload, and for digest subscriptions its period's end."""
    sub = match.subscription
    schedule = sub.digest_schedule()
    return NewAlert(
        match.alert_id,
        sub,
        article.id,
        article.story_id,
        alert_payload(match.alert_id, sub, match.node, article, covered_by),
        schedule.next_boundary(now).timestamp() if schedule else None,
    )


class SubscriptionMatcher:
    """Finds the active subscriptions an article matches."""

    def __init__(
        self,
        store: SubscriptionStore,
        max_age: timedelta,
        holds: Callable[[Node], bool] | None = None,
        name: str = "matcher",
    ) -> None:
        self.store = store
        self.max_age = max_age
        self.holds = holds  # which subscriptions this matcher answers for (None: all)
        self.name = name
        self.index = QueryIndex()
        self._revision: str | None = None
        self._seen: dict[str, float] = {}  # last update time of every subscription read, held or not
        self._loaded: dict[str, tuple[Subscription, Node]] = {}

    def refresh(self) -> None:
        """Re-index what changed since the last call (cheap when nothing did)."""
        revision = self.store.revision()
        if revision == self._revision:
            return
        current = {s.id: s for s in self.store.list() if not s.muted}
        for gone in set(self._seen) - set(current):
            self._forget(gone)
        for sub in current.values():
            if self._seen.get(sub.id) == sub.updated:
                continue
            self._forget(sub.id)
            self._seen[sub.id] = sub.updated
            try:
                node = sub.node()
            except QueryError as exc:  # saved before a grammar change; skip it, loudly
                log.error("subscription %r has an invalid query, skipped: %s", sub.name, exc)
                continue
            if self.holds is None or self.holds(node):  # else it is the other matcher's share
                self.index.add(sub.id, node)
                self._loaded[sub.id] = (sub, node)
        self._revision = revision
        # The index is long-lived: keep the cyclic collector from walking it on every collection.
        gc.freeze()
        log.info(
            "%s: matching against %d subscriptions (%d always checked)",
            self.name,
            len(self.index),
            self.index.always_checked,
        )

    def _forget(self, sub_id: str) -> None:
        self.index.remove(sub_id)
        self._loaded.pop(sub_id, None)
        self._seen.pop(sub_id, None)

    def match(self, article: Article, now: datetime | None = None) -> list[Match]:
        """Alerts this article raises; articles older than `max_age` raise none."""
        now = now or utcnow()
        if not len(self.index) or article.published < now - self.max_age:
            return []
        out = []
        for key in self.index.match(PreparedDoc.of(article)):
            sub, node = self._loaded[str(key)]
            out.append(Match(alert_key(sub, article), sub, node))
        return out


def sample_payload(subscription: Subscription) -> dict[str, Any]:
    """A realistic alert for `wirewatch alerts test`: what the subscription's targets will receive."""
    now = utcnow()
    article = Article(
        id=alert_id("sample", subscription.id),
        url="https://example.org/wirewatch-test-alert",
        feed_id="wirewatch-test",
        source="wirewatch",
        title=f"Test alert for subscription {subscription.name!r}",
        summary=f"This is a sample alert. Real alerts mark the words of the query: {subscription.query}",
        published=now,
        fetched=now,
    )
    aid = alert_id("test", f"{subscription.id}:{now.timestamp()}")
    return alert_payload(aid, subscription, subscription.node(), article, [])
