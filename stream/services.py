"""The things the stream's agents work with, built once per worker process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from search.backends import SearchBackend, open_backend
from stream.alerts.db import AlertsDb
from stream.alerts.deliver import DeliveryPolicy, Sender
from stream.alerts.elasticsearch import ElasticsearchAlerts
from stream.alerts.match import SubscriptionMatcher, early, needs_enrichment, new_alert
from stream.alerts.store import AlertStore, NewAlert
from stream.alerts.subscriptions import SubscriptionStore, open_subscriptions
from stream.enrich import Enricher
from wirewatch.schema import Article, utcnow
from wirewatch.settings import Settings


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    """Retry, rate-limit and concurrency settings of the delivery loop."""
    return DeliveryPolicy(
        attempts=settings.delivery_attempts,
        backoff=settings.delivery_backoff,
        max_backoff=settings.delivery_max_backoff,
        rate_limit=settings.delivery_rate_limit,
        concurrency=settings.delivery_concurrency,
        lease=settings.delivery_timeout * 3 + 30,
    )


@dataclass
class Services:
    """Enricher, search index, subscriptions and their matchers, alert store and sender of one worker.

    `matcher` answers on enriched articles; with early alerts, `early_matcher` answers on raw
    ones for the subscriptions that need no entity or topic, and `matcher` only for the rest.
    """

    enricher: Enricher
    index: SearchBackend
    subscriptions: SubscriptionStore
    matcher: SubscriptionMatcher
    alerts: AlertStore
    sender: Sender
    policy: DeliveryPolicy
    archive: ElasticsearchAlerts | None = None  # production: alert records Kibana reads
    early_matcher: SubscriptionMatcher | None = None

    @classmethod
    def build(cls, settings: Settings) -> Services:
        # First, so that the model's process is forked before any database is open.
        enricher = Enricher.from_settings(settings, worker=True)
        db = AlertsDb(settings.alerts_db)
        subscriptions = open_subscriptions(settings, db)
        age = timedelta(seconds=settings.alert_max_age)
        matcher = SubscriptionMatcher(subscriptions, age)
        early_matcher = None
        if settings.early_alerts and settings.ner:  # without the model, enrichment is as quick
            matcher = SubscriptionMatcher(subscriptions, age, needs_enrichment, "enriched")
            early_matcher = SubscriptionMatcher(subscriptions, age, early, "early")
        services = cls(
            enricher=enricher,
            index=open_backend(settings),
            subscriptions=subscriptions,
            matcher=matcher,
            early_matcher=early_matcher,
            alerts=AlertStore(db),
            sender=Sender.from_settings(settings),
            policy=delivery_policy(settings),
            archive=ElasticsearchAlerts.from_settings(settings) if settings.elasticsearch_url else None,
        )
        for recogniser in enricher.recognisers.values():
            recogniser.wait_ready()  # the spaCy model's process loaded it meanwhile
        return services

    def alerts_for(self, articles: list[Article], matcher: SubscriptionMatcher) -> list[NewAlert]:
        """The alerts a batch raises on one matcher, with payloads (pure but for reading the stores)."""
        matcher.refresh()
        self.alerts.note_stories(articles)
        now = utcnow()
        return [
            new_alert(m, article, self.alerts.covered_by(article.story_id, article.id), now)
            for article in articles
            for m in matcher.match(article, now)
        ]

    def early_alerts(self, articles: list[Article]) -> list[NewAlert]:
        """Alerts of the subscriptions that need no NER, on raw articles enriched without the model."""
        assert self.early_matcher is not None
        return self.alerts_for(self.enricher.without_model(articles), self.early_matcher)

    def record_alerts(self, alerts: list[NewAlert]) -> list[str]:
        """Record alerts create-only (in Elasticsearch too in production) and queue their delivery."""
        owned = self.archive.create(alerts) if self.archive is not None else alerts
        return self.alerts.record(owned)
