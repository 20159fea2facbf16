"""The query index answers exactly like testing every query on its own (and like the index)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.backends.sqlite import SqliteBackend
from search.query import parse
from search.query.index import QueryIndex, required_terms
from search.query.matcher import PreparedDoc, compile_query
from wirewatch.schema import Article, Entity, article_id

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WORDS = ["patriot", "air", "defense", "kyiv", "missile", "battery", "germany", "oil", "flood", "vote"]
SOURCES = ["Wire", "Atom Daily", "Kyiv Post"]
ENTITIES = ["Kyiv", "Germany", "NATO"]
TOPICS = ["conflict/air-defense", "economy/energy", "weather"]


def make_article(rng: random.Random, n: int) -> Article:
    words = [rng.choice(WORDS) for _ in range(rng.randint(3, 14))]
    title = " ".join(words[:4]).capitalize()
    return Article(
        id=article_id(f"https://news.example/{n}", ""),
        url=f"https://news.example/{n}",
        feed_id="f",
        source=rng.choice(SOURCES),
        title=title,
        summary=" ".join(words[4:]) + ".",
        published=NOW - timedelta(hours=rng.randint(0, 48)),
        fetched=NOW,
        language=rng.choice(["en", "uk"]),
        entities=[Entity(name=e, type="GPE") for e in rng.sample(ENTITIES, rng.randint(0, 2))],
        topics=rng.sample(TOPICS, rng.randint(0, 2)),
    )


ARTICLES = [make_article(random.Random(i), i) for i in range(60)]
DOCS = [PreparedDoc.of(a) for a in ARTICLES]

word = st.sampled_from(WORDS)
term = st.one_of(
    word,
    st.builds(lambda w: f"={w}", word),
    st.builds(lambda w: f"{w[:3]}*", word),
    st.builds(lambda a, b: f'"{a} {b}"', word, word),
    st.builds(lambda a, b: f"title:{a} OR body:{b}", word, word),
    st.builds(lambda a, b: f"{a} NEAR/2 {b}", word, word),
    st.builds(lambda s: f'source:"{s}"', st.sampled_from(SOURCES)),
    st.builds(lambda e: f'entity:"{e}"', st.sampled_from(ENTITIES)),
    st.builds(lambda t: f"topic:{t.split('/')[0]}", st.sampled_from(TOPICS)),
    st.sampled_from(["lang:en", "published:>now-12h"]),
)


@st.composite
def queries(draw: st.DrawFn, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(term)
    op = draw(st.sampled_from([" AND ", " OR ", " AND NOT ", " "]))
    parts = draw(st.lists(queries(depth - 1), min_size=2, max_size=3))
    text = op.join(f"({p})" for p in parts)
    return f"NOT ({text})" if draw(st.integers(0, 9)) == 0 else text


def brute_force(texts: list[str], doc: PreparedDoc) -> set[int]:
    return {i for i, t in enumerate(texts) if compile_query(parse(t, NOW), NOW)(doc)}


def build(texts: list[str]) -> QueryIndex:
    index = QueryIndex()
    for i, text in enumerate(texts):
        index.add(i, parse(text, NOW))
    return index


@settings(max_examples=60, deadline=None)
@given(st.lists(queries(), min_size=1, max_size=25))
def test_index_equals_single_query_matcher(texts: list[str]) -> None:
    # The index resolves relative dates against the wall clock: pin them to an absolute bound.
    index = QueryIndex()
    for i, text in enumerate(texts):
        index.add(i, parse(text.replace("now-12h", "2026-11-25T00:00Z"), NOW))
    pinned = [t.replace("now-12h", "2026-11-25T00:00Z") for t in texts]
    for doc in DOCS:
        assert set(index.match(doc)) == brute_force(pinned, doc)


def test_removal_and_replacement_keep_answers_exact() -> None:
    texts = ["patriot", "pat*", "NOT oil", 'source:"Wire" AND kyiv', "patriot OR missile"]
    index = build(texts)
    index.remove(1)
    index.add(0, parse("flood"))
    assert 1 not in index and len(index) == 4
    now_texts = {0: "flood", 2: texts[2], 3: texts[3], 4: texts[4]}
    for doc in DOCS:
        expected = {i for i, t in now_texts.items() if compile_query(parse(t))(doc)}
        assert set(index.match(doc)) == expected


def test_prefilter_prunes_candidates() -> None:
    texts = [f'"{a} {b}"' for a in WORDS for b in WORDS] + ["NOT vote"]
    index = build(texts)
    assert index.always_checked == 1
    candidates = [len(index.candidates(d)) for d in DOCS]
    assert sum(candidates) / len(candidates) < len(texts) * 0.9


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ('"air defense" AND interceptor', {"s:interceptor"}),
        ("patriot OR =kyiv", {"s:patriot", "e:kyiv"}),
        ("NOT sport", None),
        ("published:>now-1h", None),
        ("pat* AND lang:en", {"p:pat"}),
        ('entity:"NATO" AND oil', {"k:entity:nato"}),
    ],
)
def test_required_terms(query: str, terms: set[str] | None) -> None:
    got = required_terms(parse(query))
    assert (None if got is None else set(got)) == terms


def test_backend_agrees_with_the_index(tmp_path: Path) -> None:
    texts = ["patriot", '"air defense"', "kyiv NOT oil", 'entity:"Germany" OR flood', "mis*", "lang:uk vote"]
    backend = SqliteBackend(tmp_path / "search.db")
    try:
        backend.index(ARTICLES)
        index = build(texts)
        by_query: dict[int, set[str]] = {i: set() for i in range(len(texts))}
        for article, doc in zip(ARTICLES, DOCS, strict=True):
            for key in index.match(doc):
                by_query[int(key)].add(article.id)
        for i, text in enumerate(texts):
            assert by_query[i] == backend.matching_ids(text, NOW), text
    finally:
        backend.close()
