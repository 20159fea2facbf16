"""Ingest: read the feed list, poll feeds politely, turn entries into articles, produce to Kafka."""
