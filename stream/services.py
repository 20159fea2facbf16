"""The things the stream's agents work with, built once per worker process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from search.backends import SearchBackend, open_backend
from stream.alerts.deliver import Deliverer
from stream.alerts.match import SubscriptionMatcher
from stream.alerts.store import AlertsDb, AlertStore
from stream.enrich import Enricher
from wirewatch.settings import Settings


@dataclass
class Services:
    """Enricher, search index, subscription matcher, alert store and deliverer of one worker."""

    enricher: Enricher
    index: SearchBackend
    matcher: SubscriptionMatcher
    alerts: AlertStore
    deliverer: Deliverer

    @classmethod
    def build(cls, settings: Settings) -> Services:
        db = AlertsDb(settings.alerts_db)
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        return cls(
            enricher=Enricher.from_settings(settings),
            index=open_backend(settings),
            matcher=SubscriptionMatcher(db, timedelta(seconds=settings.alert_max_age)),
            alerts=AlertStore(db),
            deliverer=Deliverer(
                attempts=settings.delivery_attempts,
                timeout=settings.delivery_timeout,
                secret=secret,
                user_agent=settings.user_agent,
            ),
        )
