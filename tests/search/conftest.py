"""Search fixtures: each backend as a fresh empty index, and loaded with the conformance corpus.

Elasticsearch tests run against the session's `elasticsearch_url` (the noida-db stand-in, or a
real cluster from WIREWATCH_TEST_ELASTICSEARCH_URL); each index gets its own prefix so tests
never see each other's articles, and a real cluster is cleaned up afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search.backends.base import SearchBackend
from search.backends.elasticsearch import ElasticsearchBackend
from search.backends.memory import MemoryBackend
from search.backends.sqlite import SqliteBackend
from tests.search.corpus import ARTICLES
from wirewatch.settings import Settings


def es_settings(url: str, prefix: str | None = None) -> Settings:
    return Settings(
        elasticsearch_url=url, elasticsearch_index_prefix=prefix or f"wwtest-{uuid.uuid4().hex[:12]}"
    )


def drop_es(backend: ElasticsearchBackend) -> None:
    """Remove a test's indices and template (matters on a shared real cluster)."""
    for index in backend.indices():  # by name: clusters refuse wildcard deletes by default
        backend.client.indices.delete(index=index)
    backend.client.indices.delete_index_template(name=backend.layout.template_name)
    backend.close()


@pytest.fixture
def make_backend(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str], SearchBackend]]:
    """Factory of fresh, empty backends by name; all closed (and ES indices dropped) at teardown."""
    made: list[SearchBackend] = []

    def make(name: str) -> SearchBackend:
        backend: SearchBackend
        if name == "memory":
            backend = MemoryBackend()
        elif name == "sqlite":
            backend = SqliteBackend(tmp_path / f"search-{len(made)}.db")
        else:
            url = request.getfixturevalue("elasticsearch_url")
            backend = ElasticsearchBackend.from_settings(es_settings(url))
        made.append(backend)
        return backend

    yield make
    for backend in made:
        if isinstance(backend, ElasticsearchBackend):
            drop_es(backend)
        else:
            backend.close()


def _loaded(backend: SearchBackend) -> SearchBackend:
    backend.index(ARTICLES)
    backend.refresh()
    return backend


@pytest.fixture(scope="session")
def corpus_memory() -> MemoryBackend:
    backend = MemoryBackend()
    _loaded(backend)
    return backend


@pytest.fixture(scope="session")
def corpus_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteBackend]:
    backend = SqliteBackend(tmp_path_factory.mktemp("corpus") / "search.db")
    _loaded(backend)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def corpus_elasticsearch(elasticsearch_url: str) -> Iterator[ElasticsearchBackend]:
    backend = ElasticsearchBackend.from_settings(es_settings(elasticsearch_url))
    _loaded(backend)
    yield backend
    drop_es(backend)
