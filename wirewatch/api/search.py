"""Search routes: full-text search with facets, one article, the volume histogram, query check."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from search.backends import SearchBackend
from search.backends.base import SearchFilters, Sort
from search.highlight import snippet
from search.query import Node, QueryError, parse
from wirewatch.api.errors import ApiError, query_error
from wirewatch.api.models import HistogramResponse, Ok, SearchResponse
from wirewatch.api.security import Read
from wirewatch.api.state import Api
from wirewatch.durations import parse_duration
from wirewatch.schema import Article

router = APIRouter(prefix="/api", tags=["search"], dependencies=[Read])

MAX_SINCE = timedelta(days=36_500)
MAX_BUCKETS = 5_000
MIN_INTERVAL = timedelta(minutes=1)
DEFAULT_WINDOW = timedelta(days=7)
TITLE_WORDS = 1_000  # a title is highlighted whole

Q = Annotated[str, Query(max_length=4_000, description="Query language (docs/query-language.md); empty: all")]
Since = Annotated[str | None, Query(max_length=20, description="Published within, e.g. 24h, 7d")]
Values = Annotated[list[str], Query(max_length=20)]


def _node(q: str) -> Node | None:
    """The parsed query; an empty one means every article."""
    if not q.strip():
        return None
    try:
        return parse(q)
    except QueryError as exc:
        raise query_error(exc) from None


def duration(name: str, text: str) -> timedelta:
    """A bounded duration parameter (`since`, `interval`), or 422 naming it."""
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise ApiError(422, f"{name}: {exc}") from None
    if not timedelta(0) < value <= MAX_SINCE:
        raise ApiError(422, f"{name}: must be between 1s and {MAX_SINCE.days} days")
    return value


def _bounded(name: str, values: list[str]) -> tuple[str, ...]:
    if any(len(v) > 200 for v in values):
        raise ApiError(422, f"{name}: values are at most 200 characters")
    return tuple(values)


class Filters:
    """The structured filters shared by search and histogram (a dependency)."""

    def __init__(
        self,
        since: Since = None,
        source: Values = [],  # noqa: B006 - FastAPI copies defaults per request
        entity: Values = [],  # noqa: B006
        topic: Values = [],  # noqa: B006
        lang: Values = [],  # noqa: B006
    ) -> None:
        self.value = SearchFilters(
            since=duration("since", since) if since else None,
            sources=_bounded("source", source),
            entities=_bounded("entity", entity),
            topics=_bounded("topic", topic),
            languages=_bounded("lang", lang),
        )


def _hit(node: Node | None, article: Article, score: float, highlight: str) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "feed_id": article.feed_id,
        "published": article.published,
        "fetched": article.fetched,
        "language": article.language,
        "score": round(score, 4),
        "highlight": highlight,
        "title_highlight": snippet(node, article.title, "title", TITLE_WORDS) if article.title else "",
        "entities": [{"name": e.name, "type": e.type} for e in article.entities],
        "topics": article.topics,
        "cluster_id": article.cluster_id,
        "cluster_size": article.cluster_size,
    }


@router.get("/search", response_model=SearchResponse)
def search(
    api: Api,
    filters: Annotated[Filters, Depends()],
    q: Q = "",
    sort: Sort = "relevance",
    page: Annotated[int, Query(ge=1, le=1_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    facets: bool = True,
) -> dict[str, Any]:
    """Articles matching a query and filters, with highlighted snippets, total and facets."""
    node = _node(q)
    started = time.perf_counter()

    def run(index: SearchBackend) -> tuple[Any, dict[str, list[tuple[str, int]]]]:
        result = index.search(node, filters.value, sort=sort, page=page, size=size)
        counts: dict[str, list[tuple[str, int]]] = {}
        if facets and index.supports_facets:
            key = (q.strip(), filters.value)
            counts = api.facets.get(key) or api.facets.put(key, index.facets(node, filters=filters.value))
        return result, counts

    result, counts = api.index.run(run)
    return {
        "query": q,
        "total": result.total,
        "total_exact": result.total_exact,
        "page": page,
        "size": size,
        "took_ms": round((time.perf_counter() - started) * 1000, 2),
        "hits": [_hit(node, h.article, h.score, h.highlight) for h in result.hits],
        "facets": {field: [{"value": v, "count": n} for v, n in values] for field, values in counts.items()},
    }


@router.get("/query/check", response_model=Ok)
def check_query(q: Annotated[str, Query(max_length=4_000)] = "") -> dict[str, bool]:
    """Whether a query parses (422 invalid_query with the position of the problem otherwise)."""
    _node(q)
    return {"ok": True}


@router.get("/articles/{article_id}", response_model=Article)
def article(api: Api, article_id: str) -> Article:
    """One indexed article in full."""
    found = api.index.run(lambda index: index.get(article_id)) if len(article_id) <= 64 else None
    if found is None:
        raise ApiError(404, f"no article {article_id[:64]!r} in the index")
    return found


@router.get("/histogram", response_model=HistogramResponse)
def histogram(
    api: Api,
    filters: Annotated[Filters, Depends()],
    q: Q = "",
    interval: Annotated[str, Query(max_length=20, description="Bucket width, e.g. 1h, 1d")] = "1h",
) -> dict[str, Any]:
    """Matching articles per time bucket (oldest first, empty buckets left out). Without `since`,
    the last 7 days."""
    node = _node(q)
    width = duration("interval", interval)
    if width < MIN_INTERVAL:
        raise ApiError(422, "interval: must be at least 1m")
    chosen = filters.value if filters.value.since else replace(filters.value, since=DEFAULT_WINDOW)
    assert chosen.since is not None
    if chosen.since / width > MAX_BUCKETS:
        raise ApiError(422, f"interval: since/interval would make more than {MAX_BUCKETS} buckets")

    def run(index: SearchBackend) -> list[tuple[Any, int]]:
        if not index.supports_histogram:
            raise ApiError(422, f"the {index.name} backend does not support histograms")
        return index.histogram(node, width, chosen)

    buckets = api.index.run(run)
    return {"interval": interval, "buckets": [{"start": start, "count": n} for start, n in buckets]}
