"""Property tests: random queries (and random documents) over a small tricky vocabulary; SQLite
and Elasticsearch must return exactly the in-stream matcher's articles."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from search.backends.base import SearchBackend
from search.backends.elasticsearch import ElasticsearchBackend
from search.backends.memory import MemoryBackend
from search.backends.sqlite import SqliteBackend
from search.query import QueryError, parse
from tests.search.conftest import drop_es, es_settings
from tests.search.corpus import NOW
from wirewatch.schema import Article, Entity, article_id

WORDS = (
    "air", "defense", "defence", "air-defense", "missile", "missiles", "Missile's", "strike",
    "strikes", "struck", "Kyiv", "KYIV", "café", "cafe", "Київ", "port", "the", "F-16", "patriot",
    "of", "is", "said",
)  # fmt: skip
SOURCES = ("Reuters", "AP", "reuters")
ENTITIES = ("Kyiv", "NATO", "Zürich")
TOPICS = ("conflict/air-defense", "conflict", "economy/energy")
LANGS = ("en", "uk")


def make_article(n: int, title: list[str], body: list[str], rng: random.Random) -> Article:
    published = NOW - timedelta(hours=rng.choice((1, 5, 20, 30, 100)))
    return Article(
        id=article_id(f"https://prop.example/{n}", "prop"),
        feed_id="prop",
        source=rng.choice(SOURCES),
        title=" ".join(title),
        content=" ".join(body) or "x",
        published=published,
        fetched=published,
        language=rng.choice(LANGS),
        entities=[Entity(name=e, type="X") for e in rng.sample(ENTITIES, rng.randint(0, 2))],
        topics=rng.sample(TOPICS, rng.randint(0, 2)),
    )


def vocabulary_corpus(count: int = 90, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    return [
        make_article(
            n,
            rng.choices(WORDS, k=rng.randint(0, 4)),
            rng.choices(WORDS, k=rng.randint(1, 14)),
            rng,
        )
        for n in range(count)
    ]


# -- query strings ------------------------------------------------------------------------------

word = st.sampled_from(WORDS)
term = st.tuples(st.sampled_from(("", "=")), word, st.sampled_from(("", "", "*"))).map(lambda t: "".join(t))
phrase = st.tuples(
    st.sampled_from(("", "=")),
    st.lists(word, min_size=1, max_size=3),
    st.sampled_from(("", "", "*", "~0", "~1", "~3")),
).map(lambda t: f'{t[0]}"{" ".join(t[1])}"{t[2]}')
plain_phrase = st.lists(word, min_size=1, max_size=3).map(lambda words: f'"{" ".join(words)}"')
near = st.tuples(
    st.lists(st.one_of(word, plain_phrase), min_size=2, max_size=3),
    st.integers(0, 4),
).map(lambda t: f" NEAR/{t[1]} ".join(t[0]))
text = st.one_of(term, phrase, near)
scoped = st.tuples(st.sampled_from(("title:", "body:", "text:")), st.one_of(term, phrase)).map("".join)
keyword = st.one_of(
    st.sampled_from(SOURCES).map(lambda v: f'source:"{v}"'),
    st.sampled_from((*ENTITIES, "kyiv", "zurich")).map(lambda v: f"entity:{v}"),
    st.sampled_from((*TOPICS, "economy")).map(lambda v: f"topic:{v}"),
    st.sampled_from(LANGS).map(lambda v: f"lang:{v}"),
    st.sampled_from((">now-24h", "<now-24h", ">=now-5h", "<=now-30h")).map(lambda v: f"published:{v}"),
)
leaf = st.one_of(text, text, scoped, keyword)
queries = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from((" ", " AND ", " OR ")), inner).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"
        ),
        inner.map(lambda q: f"NOT {q}"),
        inner.map(lambda q: f"-{q}" if not q.startswith("-") else q),
    ),
    max_leaves=5,
)


def parsed(query: str) -> str:
    """The query if it is valid; the generator may build ones the language refuses (e.g. a
    one-letter prefix), which are simply skipped."""
    try:
        parse(query)
    except QueryError:
        assume(False)
    return query


# -- fixed corpus, random queries, every backend ---------------------------------------------------


@pytest.fixture(scope="module")
def vocab_memory() -> MemoryBackend:
    backend = MemoryBackend()
    backend.index(vocabulary_corpus())
    return backend


@pytest.fixture(scope="module")
def vocab_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteBackend]:
    backend = SqliteBackend(tmp_path_factory.mktemp("vocab") / "search.db")
    backend.index(vocabulary_corpus())
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def vocab_elasticsearch(elasticsearch_url: str) -> Iterator[ElasticsearchBackend]:
    backend = ElasticsearchBackend.from_settings(es_settings(elasticsearch_url))
    backend.index(vocabulary_corpus())
    backend.refresh()
    yield backend
    drop_es(backend)


def agree(backend: SearchBackend, reference: MemoryBackend, query: str) -> None:
    assert backend.matching_ids(query, now=NOW) == reference.matching_ids(query, now=NOW), str(parse(query))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=queries)
def test_sqlite_agrees_with_the_matcher(
    vocab_sqlite: SqliteBackend, vocab_memory: MemoryBackend, query: str
) -> None:
    agree(vocab_sqlite, vocab_memory, parsed(query))


@pytest.mark.integration
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=queries)
def test_elasticsearch_agrees_with_the_matcher(
    vocab_elasticsearch: ElasticsearchBackend, vocab_memory: MemoryBackend, query: str
) -> None:
    agree(vocab_elasticsearch, vocab_memory, parsed(query))


# -- random documents and proximity queries: SQLite (FTS5 itself) against the matcher ---------------


LETTERS = st.sampled_from(("a", "b", "c", "d"))
# What NEAR accepts: two words or phrases, or three and more single words.
NEAR_OPERANDS = st.one_of(
    st.lists(st.lists(LETTERS, min_size=1, max_size=3), min_size=2, max_size=2),
    st.lists(LETTERS.map(lambda w: [w]), min_size=3, max_size=4),
)


NEAR_DOCS = st.lists(
    st.lists(st.sampled_from(("a", "b", "c", "d", "x")), min_size=1, max_size=12), min_size=1, max_size=25
)


def near_case(
    docs: list[list[str]], operands: list[list[str]], distance: int
) -> tuple[list[Article], str, MemoryBackend]:
    rng = random.Random(0)
    articles = [make_article(n, [], words, rng) for n, words in enumerate(docs)]
    reference = MemoryBackend()
    reference.index(articles)
    return articles, f" NEAR/{distance} ".join(f'"{" ".join(words)}"' for words in operands), reference


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=NEAR_DOCS, operands=NEAR_OPERANDS, distance=st.integers(0, 4))
def test_sqlite_near_is_the_matchers(
    tmp_path: Path, docs: list[list[str]], operands: list[list[str]], distance: int
) -> None:
    articles, query, reference = near_case(docs, operands, distance)
    path = tmp_path / f"near-{uuid.uuid4().hex}.db"
    sqlite = SqliteBackend(path)
    try:
        sqlite.index(articles)
        agree(sqlite, reference, query)
    finally:
        sqlite.close()
        path.unlink()


@pytest.mark.integration
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=NEAR_DOCS, operands=NEAR_OPERANDS, distance=st.integers(0, 4))
def test_elasticsearch_near_is_the_matchers(
    elasticsearch_url: str, docs: list[list[str]], operands: list[list[str]], distance: int
) -> None:
    articles, query, reference = near_case(docs, operands, distance)
    backend = ElasticsearchBackend.from_settings(es_settings(elasticsearch_url))
    try:
        backend.index(articles)
        backend.refresh()
        agree(backend, reference, query)
    finally:
        drop_es(backend)
