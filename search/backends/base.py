"""The contract every search backend fulfils (SQLite FTS5 embedded, Elasticsearch in production).

Backends index the token streams of `search.analysis` and evaluate the query AST, so their
answers equal the in-stream matcher's. Optional capabilities are flagged on the class; a backend
lacking one raises NotImplementedError with a message naming it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar, Literal

from search.analysis import fold_keyword
from search.query import Node, parse
from search.query.ast import And, DateRange, Keyword, Or
from wirewatch.errors import UnreachableError, WirewatchError
from wirewatch.failures import TemporaryError
from wirewatch.schema import Article

Sort = Literal["relevance", "newest"]
FACET_FIELDS = ("source", "entity", "topic", "lang")


class IndexUnavailable(UnreachableError, TemporaryError):
    """The index is down, busy (429) or failing (5xx): retry later; shown to users as one line."""


class IndexNotMadeYet(UnreachableError):
    """A reader opened the index before its writer made it (the file may already exist): the
    pipeline has not started, or is starting; shown to users as one line."""


class QueryRejected(WirewatchError):
    """The index refused a query it was given (e.g. a prefix expanding to too many terms)."""

    exit_code = 2


class DocumentRejected(WirewatchError):
    """The index refused some articles for good (bad data, not a passing outage)."""


def interval_seconds(interval: timedelta) -> int:
    """A histogram bucket width in whole seconds (what every backend can bucket by)."""
    seconds = interval.total_seconds()
    if seconds < 1 or seconds != int(seconds):
        raise ValueError("histogram interval must be a positive whole number of seconds")
    return int(seconds)


@dataclass(frozen=True)
class SearchFilters:
    """Structured filters (from CLI flags, API parameters) ANDed with the query."""

    since: timedelta | None = None
    sources: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def nodes(self) -> list[Node]:
        """The filters as query nodes: values of one field are ORed, fields ANDed."""
        out: list[Node] = []
        if self.since is not None:
            out.append(DateRange("published", ">=", relative_seconds=int(self.since.total_seconds())))
        for name, values in (
            ("source", self.sources),
            ("entity", self.entities),
            ("topic", self.topics),
            ("lang", self.languages),
        ):
            keys = [Keyword(name, fold_keyword(v)) for v in values if fold_keyword(v)]
            if keys:
                out.append(keys[0] if len(keys) == 1 else Or(tuple(keys)))
        return out


def combine(query: str | Node | None, filters: SearchFilters | None, now: datetime | None) -> Node | None:
    """One AST for query plus filters; None means 'every article'."""
    node = parse(query) if isinstance(query, str) else query
    parts = ([node] if node is not None else []) + (filters.nodes() if filters else [])
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


@dataclass(frozen=True)
class Hit:
    """One search result: the article, its relevance score and a highlighted snippet."""

    article: Article
    score: float
    highlight: str


# Like Elasticsearch's default `track_total_hits`: totals are counted up to here, then "at least".
TOTAL_LIMIT = 10_000


@dataclass(frozen=True)
class SearchResult:
    """A page of hits and the total number of matching articles."""

    total: int
    hits: list[Hit]
    page: int
    size: int
    total_exact: bool = True  # False: at least `total` (counting stopped there)


# Articles per index() call from the stream when it has that many waiting (a backlog): the SQLite
# index writes one FTS5 segment per call, and bulks of 5,000 cost 9-23% less CPU per article than
# bulks of 1,000 (docs/benchmarks.md, search, 2026-12-03, second session). Elasticsearch's usual
# advice is bulks of 1,000-5,000 documents; its backend splits them into smaller requests.
BULK_SIZE = 5_000


@dataclass(frozen=True)
class IndexResult:
    """What a bulk index call did: new or changed articles written, identical ones skipped."""

    written: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Health:
    """Whether the backend answers, and a one-line description."""

    ok: bool
    detail: str
    articles: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


class SearchBackend(ABC):
    """Index and query articles. Writes are idempotent by article id."""

    name: ClassVar[str]
    supports_facets: ClassVar[bool] = False
    supports_histogram: ClassVar[bool] = False
    supports_retention: ClassVar[bool] = False

    @abstractmethod
    def index(self, articles: Sequence[Article]) -> IndexResult:
        """Create or update articles by id, in bulk; durable when this returns."""

    @abstractmethod
    def get(self, article_id: str) -> Article | None:
        """One article by id, or None."""

    @abstractmethod
    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        """The subset of `ids` already indexed (the poller emits only the others)."""

    @abstractmethod
    def search(
        self,
        query: str | Node | None,
        filters: SearchFilters | None = None,
        sort: Sort = "relevance",
        page: int = 1,
        size: int = 20,
        now: datetime | None = None,
    ) -> SearchResult:
        """Matching articles, best first (or newest first), with highlighted snippets."""

    @abstractmethod
    def matching_ids(
        self, query: str | Node | None, now: datetime | None = None, *, filters: SearchFilters | None = None
    ) -> set[str]:
        """Ids of every matching article, unranked (conformance tests, backfills, exports)."""

    @abstractmethod
    def count(self) -> int:
        """Number of indexed articles."""

    def refresh(self) -> None:  # noqa: B027 - optional hook: most backends show writes at once
        """Make every completed write visible to searches now (Elasticsearch does so each second)."""

    @abstractmethod
    def health(self) -> Health:
        """Reachability and size; never raises."""

    def facets(
        self,
        query: str | Node | None,
        fields: Sequence[str] = FACET_FIELDS,
        filters: SearchFilters | None = None,
        size: int = 10,
        now: datetime | None = None,
    ) -> dict[str, list[tuple[str, int]]]:
        """Top values with counts per keyword field among the matching articles.

        Values group by their folded key (case and accents ignored), most frequent first, ties
        by key; each is shown as spelled in the newest matching article that has it. A backend
        may count only the newest TOTAL_LIMIT matches (SQLite does).
        """
        raise NotImplementedError(f"the {self.name} backend does not support facets")

    def histogram(
        self,
        query: str | Node | None,
        interval: timedelta,
        filters: SearchFilters | None = None,
        now: datetime | None = None,
    ) -> list[tuple[datetime, int]]:
        """Counts of matching articles per time bucket of `interval` (whole seconds, buckets
        aligned on the Unix epoch, empty buckets left out), oldest first."""
        raise NotImplementedError(f"the {self.name} backend does not support histograms")

    def delete_older_than(self, age: timedelta, now: datetime | None = None) -> int:
        """Retention: delete articles published more than `age` ago; returns how many."""
        raise NotImplementedError(f"the {self.name} backend does not support retention")

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections."""
