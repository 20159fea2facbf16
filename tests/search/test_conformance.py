"""The conformance suite: one set of tests every backend passes, on the same corpus.

`Conformance` holds the tests; each subclass names its backend (the style of wagtail's
django-modelsearch tests/test_backends.py). The in-memory backend is the in-stream matcher, the
reference: every other backend must return exactly its ids, facets and histograms, and every
backend must satisfy each query's hand-written expectations.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from search.backends.base import SearchBackend, SearchFilters
from search.backends.memory import MemoryBackend
from search.query import QueryError
from tests.search.corpus import ARTICLES, DOCS, NOW, id_of, ids
from tests.search.queries import CASES, Case

FACET_QUERIES = [None, "port", "patriot OR kyiv", "NOT port", "topic:conflict", "lang:en defense"]
FILTERS = [
    SearchFilters(since=timedelta(hours=24)),
    SearchFilters(sources=("Reuters", "ap")),
    SearchFilters(entities=("kyiv",), topics=("conflict",)),
    SearchFilters(languages=("uk", "en"), since=timedelta(days=30)),
    SearchFilters(topics=("economy/energy", "politics"), sources=("Reuters",)),
]


class Conformance:
    """Tests shared by every backend; subclasses provide the `backend` fixture."""

    @pytest.fixture
    def backend(self) -> SearchBackend:
        raise NotImplementedError

    @pytest.mark.parametrize("case", CASES, ids=str)
    def test_query(self, backend: SearchBackend, corpus_memory: MemoryBackend, case: Case) -> None:
        found = backend.matching_ids(case.query, now=NOW)
        missing = ids(*case.must) - found
        unwanted = ids(*case.never) & found
        assert not missing, f"{case.query!r} misses {sorted(_slugs(missing))}"
        assert not unwanted, f"{case.query!r} wrongly finds {sorted(_slugs(unwanted))}"
        assert found == corpus_memory.matching_ids(case.query, now=NOW), "differs from the stream matcher"

    @pytest.mark.parametrize("filters", FILTERS, ids=repr)
    @pytest.mark.parametrize("query", [None, "port OR missile"])
    def test_filters(
        self, backend: SearchBackend, corpus_memory: MemoryBackend, query: str | None, filters: SearchFilters
    ) -> None:
        found = backend.matching_ids(query, NOW, filters=filters)
        assert found == corpus_memory.matching_ids(query, NOW, filters=filters)
        assert found, "each filter combination selects some corpus articles"

    @pytest.mark.parametrize("query", FACET_QUERIES)
    def test_facets(self, backend: SearchBackend, corpus_memory: MemoryBackend, query: str | None) -> None:
        assert backend.facets(query, size=5, now=NOW) == corpus_memory.facets(query, size=5, now=NOW)

    def test_facets_group_spellings_and_show_the_newest(self, backend: SearchBackend) -> None:
        facets = backend.facets("president", fields=("source", "entity"), now=NOW)
        # "Kyiv Independent" and "kyiv independent" are one source, spelled as the newest has it.
        assert facets["source"] == [("kyiv independent", 2)]
        assert ("volodymyr zelensky", 2) in facets["entity"]

    @pytest.mark.parametrize("hours", [1, 24, 24 * 7])
    def test_histogram(self, backend: SearchBackend, corpus_memory: MemoryBackend, hours: int) -> None:
        interval = timedelta(hours=hours)
        got = backend.histogram("port OR missile", interval, now=NOW)
        assert got == corpus_memory.histogram("port OR missile", interval, now=NOW)
        assert sum(n for _, n in got) == len(corpus_memory.matching_ids("port OR missile", now=NOW))

    def test_newest_first_pages(self, backend: SearchBackend, corpus_memory: MemoryBackend) -> None:
        for page in (1, 2, 3):
            got = backend.search("port", sort="newest", page=page, size=4, now=NOW)
            want = corpus_memory.search("port", sort="newest", page=page, size=4, now=NOW)
            assert [h.article.id for h in got.hits] == [h.article.id for h in want.hits]
            assert got.total == want.total
        assert got.total > 8

    def test_hits_carry_the_article_and_a_highlight(self, backend: SearchBackend) -> None:
        result = backend.search('"air defense"', size=50, now=NOW)
        by_id = {h.article.id: h for h in result.hits}
        hit = by_id[id_of("air-defense-space")]
        assert hit.article == next(a for a in ARTICLES if a.id == hit.article.id)
        assert "<mark>Air</mark> <mark>defense</mark>" in hit.highlight

    def test_relevance_prefers_title_hits(self, backend: SearchBackend) -> None:
        result = backend.search("patriot", sort="relevance", size=50, now=NOW)
        ranked = [h.article.id for h in result.hits]
        assert ranked.index(id_of("title-only-patriot")) < ranked.index(id_of("body-only-patriot"))
        scores = [h.score for h in result.hits]
        assert scores == sorted(scores, reverse=True)

    def test_get_count_and_existing_ids(self, backend: SearchBackend) -> None:
        assert backend.count() == len(ARTICLES)
        assert backend.get(id_of("zurich")) == next(a for a in ARTICLES if a.id == id_of("zurich"))
        assert backend.get("0" * 32) is None
        assert backend.existing_ids([id_of("zurich"), "0" * 32, id_of("gen-001")]) == ids("zurich", "gen-001")

    def test_every_article_matches_nothing_but_itself_by_absence(self, backend: SearchBackend) -> None:
        assert backend.matching_ids(None, now=NOW) == {a.id for a in ARTICLES}
        assert backend.matching_ids("zzzunknownword", now=NOW) == set()

    def test_bad_query_raises_query_error(self, backend: SearchBackend) -> None:
        with pytest.raises(QueryError):
            backend.search('"unbalanced', now=NOW)


def _slugs(found: set[str]) -> set[str]:
    by_id = {id_of(d.slug): d.slug for d in DOCS}
    return {by_id.get(i, i) for i in found}


class TestMemory(Conformance):
    """The stream matcher against the hand-written expectations (and itself)."""

    @pytest.fixture
    def backend(self, corpus_memory: MemoryBackend) -> SearchBackend:
        return corpus_memory

    @pytest.mark.skip(reason="the in-memory backend does not rank: relevance order is newest first")
    def test_relevance_prefers_title_hits(self, backend: SearchBackend) -> None:
        super().test_relevance_prefers_title_hits(backend)


class TestSqlite(Conformance):
    @pytest.fixture
    def backend(self, corpus_sqlite: SearchBackend) -> SearchBackend:
        return corpus_sqlite


@pytest.mark.integration
class TestElasticsearch(Conformance):
    @pytest.fixture
    def backend(self, corpus_elasticsearch: SearchBackend) -> SearchBackend:
        return corpus_elasticsearch
