"""Kafka topic names shared by every stage."""

RAW = "wirewatch.articles.raw"
ENRICHED = "wirewatch.articles.enriched"
ALERTS = "wirewatch.alerts"
DEADLETTER = "wirewatch.deadletter"

ALL = (RAW, ENRICHED, ALERTS, DEADLETTER)
