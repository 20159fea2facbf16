"""In-stream matcher throughput: articles per second against 1 and against 1,000 queries.

Each article is analysed once (PreparedDoc) and then tested by every compiled query, as the
stream's alert matcher does. Queries look like subscriptions: words and phrases of middling
frequency, ORs, exclusions, entity and topic filters.

python -m bench search_matcher [--articles 2000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.search_corpus import TOPICS, Corpus
from search.query import parse
from search.query.matcher import PreparedDoc, compile_query
from wirewatch.schema import utcnow


def subscriptions(corpus: Corpus, count: int, rng: np.random.Generator) -> list[str]:
    def word() -> str:
        return str(corpus.words[int(rng.integers(200, 20_000))])

    shapes = [
        lambda: word(),
        lambda: f'"{word()} {word()}"',
        lambda: f"{word()} OR {word()} OR {word()}",
        lambda: f"({word()} OR {word()}) -{word()}",
        lambda: f"{word()} NEAR/5 {word()}",
        lambda: f'entity:"{corpus.entity_names[int(rng.integers(0, 500))]}" {word()}',
        lambda: f"topic:{TOPICS[int(rng.integers(0, len(TOPICS)))]} {word()}*",
    ]
    return [shapes[i % len(shapes)]() for i in range(count)]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench search_matcher", description=__doc__)
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args(argv)
    corpus = Corpus()
    articles = [a for batch in corpus.batches(args.articles) for a in batch]
    now = utcnow()
    predicates = [
        compile_query(parse(q), now) for q in subscriptions(corpus, args.queries, np.random.default_rng(3))
    ]

    started = time.process_time()
    prepared = [PreparedDoc.of(a) for a in articles]
    prepare = time.process_time() - started
    print(f"  analyse (PreparedDoc): {len(articles) / prepare:,.0f} articles/s")

    for label, subset in (("1 query", predicates[:1]), (f"{len(predicates):,} queries", predicates)):
        started = time.process_time()
        matched = sum(p(doc) for doc in prepared for p in subset)
        evaluate = time.process_time() - started
        rate = len(articles) / (prepare + evaluate)
        print(
            f"  {label:>14s}: {rate:,.0f} articles/s analysed and matched"
            f" ({len(articles) * len(subset) / evaluate:,.0f} query evaluations/s; {matched:,} matches)"
        )
