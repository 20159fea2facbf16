"""The in-stream matcher as a search backend: articles in memory, every query a scan.

It is the reference the conformance suite holds SQLite and Elasticsearch to (the matcher is what
alerts use), and a dependency-free index for tests. It does not rank: relevance order is
newest first, scores are 0.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from search.backends.base import (
    FACET_FIELDS,
    Health,
    Hit,
    IndexResult,
    SearchBackend,
    SearchFilters,
    SearchResult,
    Sort,
    combine,
    interval_seconds,
)
from search.document import keyword_values
from search.highlight import highlight
from search.query import Node
from search.query.matcher import PreparedDoc, compile_query
from wirewatch.schema import Article, utcnow


def _newest_first(article: Article) -> tuple[float, str]:
    return (-article.published.timestamp(), article.id)


class MemoryBackend(SearchBackend):
    """Articles in a dict, matched one by one with search.query.matcher."""

    name = "memory"
    supports_facets = True
    supports_histogram = True
    supports_retention = True

    def __init__(self) -> None:
        self._docs: dict[str, tuple[Article, PreparedDoc]] = {}
        self._lock = threading.Lock()

    def index(self, articles: Sequence[Article]) -> IndexResult:
        written = unchanged = 0
        with self._lock:
            for article in articles:
                old = self._docs.get(article.id)
                if old is not None and old[0] == article:
                    unchanged += 1
                    continue
                self._docs[article.id] = (article, PreparedDoc.of(article))
                written += 1
        return IndexResult(written=written, unchanged=unchanged)

    def _matching(
        self, query: str | Node | None, filters: SearchFilters | None, now: datetime | None
    ) -> tuple[Node | None, list[Article]]:
        node = combine(query, filters, now)
        predicate = compile_query(node, now or utcnow()) if node is not None else None
        with self._lock:
            docs = list(self._docs.values())
        found = [a for a, prepared in docs if predicate is None or predicate(prepared)]
        return node, sorted(found, key=_newest_first)

    def get(self, article_id: str) -> Article | None:
        with self._lock:
            found = self._docs.get(article_id)
        return found[0] if found else None

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        with self._lock:
            return {i for i in ids if i in self._docs}

    def count(self) -> int:
        with self._lock:
            return len(self._docs)

    def health(self) -> Health:
        return Health(True, "in-memory index", articles=self.count())

    def search(
        self,
        query: str | Node | None,
        filters: SearchFilters | None = None,
        sort: Sort = "relevance",
        page: int = 1,
        size: int = 20,
        now: datetime | None = None,
    ) -> SearchResult:
        node, found = self._matching(query, filters, now)
        start = (max(page, 1) - 1) * size
        hits = [Hit(a, 0.0, highlight(node, a)) for a in found[start : start + size]]
        return SearchResult(total=len(found), hits=hits, page=page, size=size)

    def matching_ids(
        self, query: str | Node | None, now: datetime | None = None, *, filters: SearchFilters | None = None
    ) -> set[str]:
        return {a.id for a in self._matching(query, filters, now)[1]}

    def facets(
        self,
        query: str | Node | None,
        fields: Sequence[str] = FACET_FIELDS,
        filters: SearchFilters | None = None,
        size: int = 10,
        now: datetime | None = None,
    ) -> dict[str, list[tuple[str, int]]]:
        found = self._matching(query, filters, now)[1]
        out: dict[str, list[tuple[str, int]]] = {}
        for field in fields:
            counts: Counter[str] = Counter()
            display: dict[str, str] = {}
            for article in found:  # newest first, so the first spelling seen is the newest
                for key, value in keyword_values(article)[field].items():
                    counts[key] += 1
                    display.setdefault(key, value)
            top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:size]
            out[field] = [(display[key], n) for key, n in top]
        return out

    def histogram(
        self,
        query: str | Node | None,
        interval: timedelta,
        filters: SearchFilters | None = None,
        now: datetime | None = None,
    ) -> list[tuple[datetime, int]]:
        step = interval_seconds(interval)
        found = self._matching(query, filters, now)[1]
        buckets = Counter(int(a.published.timestamp() // step) for a in found)
        return [(datetime.fromtimestamp(b * step, UTC), n) for b, n in sorted(buckets.items())]

    def delete_older_than(self, age: timedelta, now: datetime | None = None) -> int:
        cutoff = (now or utcnow()) - age
        with self._lock:
            old = [i for i, (a, _) in self._docs.items() if a.published < cutoff]
            for article_id in old:
                del self._docs[article_id]
        return len(old)
