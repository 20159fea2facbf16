"""Search index backends behind one interface; `open_backend` picks one from the settings."""

from __future__ import annotations

from search.backends.base import SearchBackend
from wirewatch.settings import Settings


def open_backend(settings: Settings, *, readonly: bool = False) -> SearchBackend:
    """The configured backend: Elasticsearch when a URL is set, else SQLite FTS5 in the data dir."""
    if settings.elasticsearch_url:
        from search.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend.from_settings(settings, readonly=readonly)
    from search.backends.sqlite import SqliteBackend

    return SqliteBackend(settings.index_db, readonly=readonly, common_grams=settings.search_common_grams)


__all__ = ["SearchBackend", "open_backend"]
