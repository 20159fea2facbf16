"""Elasticsearch backend (production): monthly indices behind one alias, template in template.json."""

from search.backends.elasticsearch.backend import ElasticsearchBackend
from search.backends.elasticsearch.layout import IndexLayout

__all__ = ["ElasticsearchBackend", "IndexLayout"]
