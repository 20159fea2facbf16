"""The things the stream's agents work with, built once per worker process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ingest.fetch import address_policy
from search.backends import SearchBackend, open_backend
from stream.alerts.db import AlertsDb
from stream.alerts.deliver import DeliveryPolicy, Sender
from stream.alerts.elasticsearch import ElasticsearchAlerts
from stream.alerts.match import SubscriptionMatcher
from stream.alerts.store import AlertStore, NewAlert
from stream.alerts.subscriptions import SubscriptionStore, open_subscriptions
from stream.enrich import Enricher
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


def sender(settings: Settings) -> Sender:
    """The channel sender configured from the settings (webhook secret, timeout, user agent)."""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    return Sender(
        timeout=settings.delivery_timeout,
        secret=secret,
        user_agent=settings.user_agent,
        policy=address_policy(settings),
    )


@dataclass
class Services:
    """Enricher, search index, subscriptions and their matcher, alert store and sender of one worker."""

    enricher: Enricher
    index: SearchBackend
    subscriptions: SubscriptionStore
    matcher: SubscriptionMatcher
    alerts: AlertStore
    sender: Sender
    policy: DeliveryPolicy
    archive: ElasticsearchAlerts | None = None  # production: alert records Kibana reads

    @classmethod
    def build(cls, settings: Settings) -> Services:
        db = AlertsDb(settings.alerts_db)
        subscriptions = open_subscriptions(settings, db)
        return cls(
            enricher=Enricher.from_settings(settings, worker=True),
            index=open_backend(settings),
            subscriptions=subscriptions,
            matcher=SubscriptionMatcher(subscriptions, timedelta(seconds=settings.alert_max_age)),
            alerts=AlertStore(db),
            sender=sender(settings),
            policy=delivery_policy(settings),
            archive=ElasticsearchAlerts.from_settings(settings) if settings.elasticsearch_url else None,
        )

    def record_alerts(self, alerts: list[NewAlert]) -> list[str]:
        """Record alerts create-only (in Elasticsearch too in production) and queue their delivery."""
        owned = self.archive.create(alerts) if self.archive is not None else alerts
        return self.alerts.record(owned)
