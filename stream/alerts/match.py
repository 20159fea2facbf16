"""Matching enriched articles against the saved subscriptions, and the alert payload.

Subscriptions are compiled once and reloaded whenever alerts.db changes (another process
committed), so a subscription created while the pipeline runs applies to the next batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from search.highlight import highlight
from search.query import Node, QueryError
from search.query.matcher import Predicate, PreparedDoc, compile_query
from stream.alerts.store import AlertsDb, Subscription, SubscriptionStore
from wirewatch.schema import SCHEMA_VERSION, Article, alert_id, utcnow

log = logging.getLogger("wirewatch.match")


@dataclass(frozen=True)
class Compiled:
    """A subscription with its parsed query and predicate."""

    subscription: Subscription
    node: Node
    predicate: Predicate


@dataclass(frozen=True)
class Match:
    """An article matched by a subscription: the alert to record."""

    alert_id: str
    subscription: Subscription
    article: Article
    payload: dict[str, Any]


def alert_payload(alert: str, subscription: Subscription, node: Node, article: Article) -> dict[str, Any]:
    """What every channel receives about one alert."""
    return {
        "schema_version": SCHEMA_VERSION,
        "id": alert,
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
        },
        "highlight": highlight(node, article),
    }


class SubscriptionMatcher:
    """Evaluates every active subscription against an article."""

    def __init__(self, db: AlertsDb, max_age: timedelta) -> None:
        self.db = db
        self.store = SubscriptionStore(db)
        self.max_age = max_age
        self._version: int | None = None
        self._compiled: list[Compiled] = []

    def refresh(self) -> None:
        """Reload subscriptions if another process changed them since the last call."""
        version = self.db.data_version()
        if version == self._version:
            return
        self._version = version
        compiled = []
        for sub in self.store.list():
            if sub.muted:
                continue
            try:
                node = sub.node()
            except QueryError as exc:  # saved before a grammar change; skip it, loudly
                log.error("subscription %r has an invalid query, skipped: %s", sub.name, exc)
                continue
            compiled.append(Compiled(sub, node, compile_query(node)))
        self._compiled = compiled
        log.info("matching against %d subscriptions", len(compiled))

    def match(self, article: Article, now: datetime | None = None) -> list[Match]:
        """Alerts this article raises; articles older than `max_age` raise none."""
        now = now or utcnow()
        if not self._compiled or article.published < now - self.max_age:
            return []
        doc = PreparedDoc.of(article)
        out = []
        for c in self._compiled:
            if c.predicate(doc):
                aid = alert_id(c.subscription.id, article.story_id)
                out.append(
                    Match(aid, c.subscription, article, alert_payload(aid, c.subscription, c.node, article))
                )
        return out
