"""Elasticsearch 9 backend: bulk create-or-update by id into monthly indices, searches via the alias.

Queries compile from the AST (search.query.elasticsearch_dsl) over the analyser's token fields,
so hits equal the SQLite backend's and the stream matcher's. Failures are classified once:
unreachable, 429 and 5xx are IndexUnavailable (temporary: the stream retries and holds its
offsets); a rejected document is DocumentRejected (the stream dead-letters it); a rejected
query is QueryRejected.

Lookups by id (existing_ids, the copies found before a write) search the alias, so they see
what Elasticsearch has refreshed (every second by default): an article moved to another month
within a second of its previous write can leave its old copy until its next write.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import elasticsearch
from elastic_transport import ObjectApiResponse

from search.analysis import ANALYZER_VERSION
from search.backends.base import (
    FACET_FIELDS,
    TOTAL_LIMIT,
    DocumentRejected,
    Health,
    Hit,
    IndexResult,
    IndexUnavailable,
    QueryRejected,
    SearchBackend,
    SearchFilters,
    SearchResult,
    Sort,
    combine,
    interval_seconds,
)
from search.backends.elasticsearch.layout import (
    DERIVED_FIELDS,
    IndexLayout,
    article_from,
    document,
    facet_display,
)
from search.highlight import highlight
from search.query import Node
from search.query.elasticsearch_dsl import DATE_FIELD, KEY_FIELDS, ElasticsearchCompiler
from wirewatch.chunks import chunks
from wirewatch.elastic import elasticsearch_client
from wirewatch.errors import UnreachableError
from wirewatch.schema import Article, utcnow
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.search")

BULK_ATTEMPTS = 4
BULK_BACKOFF = 0.5  # seconds, doubled per attempt
IDS_CHUNK = 1_000
BULK_REQUEST = 1_000  # actions per bulk request
_Action = tuple[dict[str, Any], dict[str, Any] | None]  # a bulk action and its source, if any
PAGE = 1_000
# Reads through the alias must not fail before the first article created an index.
_MAYBE_MISSING = {"ignore_unavailable": True, "allow_no_indices": True}
_SORT_NEWEST: list[Any] = [{DATE_FIELD: "desc"}, {"id": "asc"}]


def _reason(exc: elasticsearch.ApiError) -> str:
    """The most specific reason Elasticsearch gave for an error."""
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", {})
    if isinstance(error, dict):
        causes = error.get("root_cause") or [error]
        return str(causes[0].get("reason") or error.get("type") or exc.message)
    return str(error or exc.message)


def _temporary(status: int) -> bool:
    return status == 429 or status >= 500


class ElasticsearchBackend(SearchBackend):
    """Articles in monthly Elasticsearch indices behind one alias."""

    name = "elasticsearch"
    supports_facets = True
    supports_histogram = True
    supports_retention = True

    def __init__(self, client: elasticsearch.Elasticsearch, url: str, layout: IndexLayout) -> None:
        self.client = client
        self.url = url
        self.layout = layout
        self.bulk_backoff = BULK_BACKOFF

    @classmethod
    def from_settings(cls, settings: Settings, *, readonly: bool = False) -> ElasticsearchBackend:
        """Connect; unless `readonly`, install the index template. Checks the analyser version."""
        url = settings.elasticsearch_url
        assert url is not None
        client = elasticsearch_client(settings)
        backend = cls(client, url, IndexLayout(settings.elasticsearch_index_prefix))
        if not readonly:
            backend.install_template()
        backend.check_analyzer()
        return backend

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Translate client errors into wirewatch's failure classes, with one readable line."""
        try:
            yield
        except elasticsearch.ApiError as exc:
            status, reason = exc.meta.status, _reason(exc)
            if _temporary(status):
                raise IndexUnavailable(
                    f"elasticsearch at {self.url} failed {doing} ({status}): {reason}"
                ) from None
            if status in {401, 403}:
                raise UnreachableError(
                    f"elasticsearch at {self.url} refused {doing} ({status}): {reason};"
                    " check WIREWATCH_ELASTICSEARCH_USERNAME/PASSWORD/API_KEY"
                ) from None
            raise QueryRejected(f"elasticsearch rejected {doing} ({status}): {reason}") from None
        except elasticsearch.TransportError as exc:
            raise IndexUnavailable(
                f"elasticsearch at {self.url} unreachable {doing}: {exc.message}"
            ) from None

    def install_template(self) -> None:
        """Create or update the index template (idempotent); new monthly indices follow it."""
        with self._errors("installing the index template"):
            self.client.indices.put_index_template(
                name=self.layout.template_name, body=self.layout.template()
            )

    def check_analyzer(self) -> None:
        """Refuse indices built by another analyser version: their tokens would not match queries."""
        with self._errors("reading the index mappings"):
            mappings = self.client.indices.get_mapping(index=self.layout.alias, **_MAYBE_MISSING)
        for index, body in mappings.body.items():
            version = body.get("mappings", {}).get("_meta", {}).get("analyzer_version")
            if version != ANALYZER_VERSION:
                raise UnreachableError(
                    f"elasticsearch index {index} was built with analyzer v{version}, this wirewatch"
                    f" uses v{ANALYZER_VERSION}: re-index it with wirewatch (or delete it)"
                )

    def close(self) -> None:
        self.client.close()

    # -- writing -------------------------------------------------------------------------

    def index(self, articles: Sequence[Article]) -> IndexResult:
        latest = {a.id: a for a in articles}
        if not latest:
            return IndexResult()
        copies = self._copies(list(latest))
        writes: list[_Action] = []
        stale: dict[str, list[str]] = {}
        unchanged = 0
        for article_id, article in latest.items():
            doc = document(article)
            target = self.layout.monthly(article.published)
            found = copies.get(article_id, [])
            if found == [(target, doc["digest"])]:
                unchanged += 1
                continue
            if (target, doc["digest"]) not in found:
                writes.append(({"index": {"_index": target, "_id": article_id}}, doc))
            # A changed publication month moves the article: the old month's copy must go.
            stale[article_id] = [index for index, _ in found if index != target]
        self._bulk(writes)
        # Only once every new copy is in: a failed write must not lose the old copy.
        self._bulk(
            [
                ({"delete": {"_index": index, "_id": article_id}}, None)
                for article_id, indices in stale.items()
                for index in indices
            ]
        )
        return IndexResult(written=len(latest) - unchanged, unchanged=unchanged)

    def _copies(self, ids: list[str]) -> dict[str, list[tuple[str, str]]]:
        """Per id, the (index, digest) of every stored copy (normally one, none when new)."""
        out: dict[str, list[tuple[str, str]]] = {}
        for chunk in chunks(ids, IDS_CHUNK):
            for hit in self._ids_search(chunk, source=["digest"]):
                out.setdefault(hit["_id"], []).append((hit["_index"], hit["_source"].get("digest", "")))
        return out

    def _ids_search(self, ids: list[str], source: list[str] | bool) -> list[dict[str, Any]]:
        with self._errors("looking up article ids"):
            response = self.client.search(
                index=self.layout.alias,
                query={"ids": {"values": ids}},
                size=min(10_000, 2 * len(ids) + 10),  # room for a copy left in a second month
                source=source,
                **_MAYBE_MISSING,
            )
        return list(response["hits"]["hits"])

    def _bulk(self, actions: list[_Action]) -> None:
        """Run bulk actions, retrying the items refused with 429/5xx.

        Items refused for good (e.g. a mapping error) raise DocumentRejected after the rest
        is written, so the stream can isolate and dead-letter the culprit.
        """
        rejected: list[str] = []
        pending = actions
        for attempt in range(BULK_ATTEMPTS):
            if not pending:
                break
            if attempt:
                time.sleep(self.bulk_backoff * 2 ** (attempt - 1))
            retry = []
            for (action, source), item in self._send(pending):
                op, result = next(iter(item.items()))
                status = int(result.get("status", 500))
                if status < 300 or (op == "delete" and status == 404):
                    continue
                if _temporary(status):
                    retry.append((action, source))
                else:
                    error = result.get("error", {})
                    rejected.append(f"{result['_id']}: {error.get('reason', error.get('type', status))}")
            pending = retry
        if rejected:
            raise DocumentRejected(f"elasticsearch refused {len(rejected)} articles: {'; '.join(rejected)}")
        if pending:
            raise IndexUnavailable(
                f"elasticsearch at {self.url} still refused {len(pending)} writes after"
                f" {BULK_ATTEMPTS} attempts (busy or failing: 429/5xx)"
            )

    def _send(self, actions: list[_Action]) -> Iterator[tuple[_Action, dict[str, Any]]]:
        """Each action with its item of the bulk response, in requests of at most BULK_REQUEST
        actions (a bulk of 5,000 articles would make a request of about 20 MB; Elasticsearch
        advises 5-15 MB)."""
        for chunk in chunks(actions, BULK_REQUEST):
            operations = [part for action, source in chunk for part in (action, source) if part is not None]
            with self._errors("writing articles"):
                response = self.client.bulk(operations=operations)
            yield from zip(chunk, response["items"], strict=True)

    def delete_older_than(self, age: timedelta, now: datetime | None = None) -> int:
        """Drop whole monthly indices older than the cutoff, and the older part of the month it
        falls in (so the result is exact, as with every backend)."""
        cutoff = (now or utcnow()) - age
        deleted = 0
        for index in self.indices():
            month = self.layout.month_of(index)
            if month is None:
                continue
            next_month = (month + timedelta(days=32)).replace(day=1)
            with self._errors(f"applying retention to {index}"):
                if next_month <= cutoff:
                    deleted += int(self.client.count(index=index)["count"])
                    self.client.indices.delete(index=index)
                    log.info("retention: deleted index %s", index)
                elif month < cutoff:
                    response = self.client.delete_by_query(
                        index=index,
                        query={"range": {DATE_FIELD: {"lt": cutoff.isoformat()}}},
                        refresh=True,
                        conflicts="proceed",
                    )
                    deleted += int(response["deleted"])
        return deleted

    def indices(self) -> list[str]:
        """The indices behind the alias, oldest month first."""
        with self._errors("listing indices"):
            try:
                return sorted(self.client.indices.get_alias(name=self.layout.alias).body)
            except elasticsearch.NotFoundError:
                return []

    def refresh(self) -> None:
        with self._errors("refreshing"):
            self.client.indices.refresh(index=self.layout.alias, **_MAYBE_MISSING)

    # -- reading -------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        hits = self._ids_search([article_id], source={"excludes": list(DERIVED_FIELDS)})  # type: ignore[arg-type]
        return article_from(hits[0]["_source"]) if hits else None

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        for chunk in chunks(wanted, IDS_CHUNK):
            found.update(hit["_id"] for hit in self._ids_search(chunk, False))
        return found

    def count(self) -> int:
        with self._errors("counting articles"):
            return int(self.client.count(index=self.layout.alias, **_MAYBE_MISSING)["count"])

    def health(self) -> Health:
        try:
            with self._errors("checking health"):
                status = self.client.cluster.health()["status"]
            articles = self.count()
        except Exception as exc:
            return Health(False, f"elasticsearch {self.url}: {exc}")
        detail = f"elasticsearch {self.url} ({status}), alias {self.layout.alias}"
        return Health(status != "red", detail, articles=articles, extra={"cluster_status": status})

    def _search(self, doing: str, **body: Any) -> ObjectApiResponse[Any]:
        with self._errors(doing):
            return self.client.search(index=self.layout.alias, **_MAYBE_MISSING, **body)

    def search(
        self,
        query: str | Node | None,
        filters: SearchFilters | None = None,
        sort: Sort = "relevance",
        page: int = 1,
        size: int = 20,
        now: datetime | None = None,
    ) -> SearchResult:
        node = combine(query, filters, now)
        response = self._search(
            "the search",
            query=ElasticsearchCompiler(now).compile(node),
            sort=(["_score", *_SORT_NEWEST] if sort == "relevance" else _SORT_NEWEST),
            from_=(max(page, 1) - 1) * size,
            size=size,
            track_total_hits=TOTAL_LIMIT,
            track_scores=True,
            source={"excludes": list(DERIVED_FIELDS)},
        )
        hits = []
        for hit in response["hits"]["hits"]:
            article = article_from(hit["_source"])
            hits.append(Hit(article, float(hit.get("_score") or 0.0), highlight(node, article)))
        total = response["hits"]["total"]
        return SearchResult(
            total=int(total["value"]), hits=hits, page=page, size=size, total_exact=total["relation"] == "eq"
        )

    def matching_ids(
        self, query: str | Node | None, now: datetime | None = None, *, filters: SearchFilters | None = None
    ) -> set[str]:
        compiled = ElasticsearchCompiler(now).compile(combine(query, filters, now))
        found: set[str] = set()
        after: list[Any] | None = None
        while True:
            page: dict[str, Any] = {"search_after": after} if after else {}
            response = self._search(
                "the search", query=compiled, sort=_SORT_NEWEST, size=PAGE, source=False, **page
            )
            hits = response["hits"]["hits"]
            found.update(hit["_id"] for hit in hits)
            if len(hits) < PAGE:
                return found
            after = hits[-1]["sort"]

    def facets(
        self,
        query: str | Node | None,
        fields: Sequence[str] = FACET_FIELDS,
        filters: SearchFilters | None = None,
        size: int = 10,
        now: datetime | None = None,
    ) -> dict[str, list[tuple[str, int]]]:
        newest = {
            "top_hits": {
                "size": 1,
                "sort": _SORT_NEWEST,
                "_source": {"includes": [f"labels.{f}" for f in fields]},
            }
        }
        aggs = {
            field: {
                "terms": {
                    "field": KEY_FIELDS[field],
                    "size": size,
                    "shard_size": max(100, 10 * size),
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                },
                "aggs": {"newest": newest},
            }
            for field in fields
        }
        response = self._search(
            "the facet counts",
            query=ElasticsearchCompiler(now).compile(combine(query, filters, now)),
            size=0,
            aggs=aggs,
        )
        out: dict[str, list[tuple[str, int]]] = {}
        for field in fields:
            buckets = response.get("aggregations", {}).get(field, {}).get("buckets", [])
            out[field] = [
                (
                    facet_display(field, b["key"], b["newest"]["hits"]["hits"][0]["_source"]),
                    int(b["doc_count"]),
                )
                for b in buckets
            ]
        return out

    def histogram(
        self,
        query: str | Node | None,
        interval: timedelta,
        filters: SearchFilters | None = None,
        now: datetime | None = None,
    ) -> list[tuple[datetime, int]]:
        step = interval_seconds(interval)
        response = self._search(
            "the histogram",
            query=ElasticsearchCompiler(now).compile(combine(query, filters, now)),
            size=0,
            aggs={
                "over_time": {
                    "date_histogram": {"field": DATE_FIELD, "fixed_interval": f"{step}s", "min_doc_count": 1}
                }
            },
        )
        buckets = response.get("aggregations", {}).get("over_time", {}).get("buckets", [])
        return [(datetime.fromtimestamp(b["key"] / 1000, UTC), int(b["doc_count"])) for b in buckets]
