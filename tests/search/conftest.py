"""Search fixtures: each backend as a fresh empty index, and loaded with the conformance corpus."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search.backends.base import SearchBackend
from search.backends.memory import MemoryBackend
from search.backends.sqlite import SqliteBackend
from tests.search.corpus import ARTICLES


@pytest.fixture
def make_backend(tmp_path: Path) -> Iterator[Callable[[str], SearchBackend]]:
    """Factory of fresh, empty backends by name; all closed at teardown."""
    made: list[SearchBackend] = []

    def make(name: str) -> SearchBackend:
        backend = MemoryBackend() if name == "memory" else SqliteBackend(tmp_path / f"search-{len(made)}.db")
        made.append(backend)
        return backend

    yield make
    for backend in made:
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
