"""Alert matcher throughput: articles per second against N subscriptions, and the memory it takes.

python -m bench alerts_matcher                     1k and 10k subscriptions (the default)
python -m bench alerts_matcher --subs 1000,10000,100000 --articles 2000

Articles are 362 words drawn by Zipf's law from a 500,000-word vocabulary (as word frequencies
in news are); queries use words below the 300 most common, in the shapes people write: words,
phrases, ORs of names, AND, AND NOT, prefixes, NEAR, keyword filters. A word of rank 1,000
occurs in about 3% of articles, one of rank 30,000 in 0.1%. One process, single thread.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path

from search.query import parse
from search.query.index import QueryIndex
from search.query.matcher import PreparedDoc
from wirewatch.schema import Article, Entity, article_id

SOURCES = ["Meridian Wire", "Atom Daily", "Kyiv Post", "Baltic Times", "Harbour Herald"]
ENTITIES = ["Kyiv", "Germany", "NATO", "Odesa", "Berlin", "Warsaw", "Brussels", "OPEC"]
VOCABULARY = 500_000
COMMON = 300  # the most frequent words; nobody subscribes to "the" or "said"


def rss_mib() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def words() -> list[str]:
    """Pseudo-words that the analyser keeps as they are (no stemming changes)."""
    letters = "bcdfghjklmnpqrstvwxz"
    out = []
    for i in range(VOCABULARY):
        n, word = i, ""
        while True:
            word += letters[n % 20] + "aeiou"[n % 5]
            n //= 20
            if not n:
                break
        out.append(word + "x")
    return out


def corpus(n: int, vocab: list[str], rng: random.Random) -> list[Article]:
    """n articles of 12 + 350 words drawn by Zipf's law (rank r has frequency ~ 1/r)."""
    weights = list(accumulate(1.0 / r for r in range(1, VOCABULARY + 1)))
    now = datetime.now(UTC)
    out = []
    for k in range(n):
        title = " ".join(rng.choices(vocab, cum_weights=weights, k=12))
        body = " ".join(rng.choices(vocab, cum_weights=weights, k=350))
        out.append(
            Article(
                id=article_id(f"https://bench.example/{k}", ""),
                url=f"https://bench.example/{k}",
                feed_id="bench",
                source=rng.choice(SOURCES),
                title=title,
                summary=body,
                published=now,
                fetched=now,
                language="en",
                entities=[Entity(name=e, type="GPE") for e in rng.sample(ENTITIES, 2)],
                topics=[rng.choice(["conflict/air-defense", "economy/energy", "politics"])],
            )
        )
    return out


def query_maker(vocab: list[str], rng: random.Random, n: int) -> list[str]:
    """n queries in the shapes people write, over words below the most common ones."""

    def word() -> str:
        return vocab[rng.randrange(COMMON, VOCABULARY)]

    shapes = [
        lambda: word(),
        lambda: f'"{word()} {word()}"',
        lambda: f"{word()} OR {word()} OR {word()}",
        lambda: f"{word()} AND {word()}",
        lambda: f"{word()} AND NOT {word()}",
        lambda: f"{word()[:-1]}*",  # the word and its longer forms
        lambda: f"{word()} NEAR/5 {word()}",
        lambda: f'{word()} AND source:"{rng.choice(SOURCES)}"',
        lambda: f'entity:"{rng.choice(ENTITIES)}" AND {word()}',
        lambda: f"title:{word()} AND lang:en",
    ]
    return [rng.choice(shapes)() for _ in range(n)]


def measure(queries: list[str], docs_articles: list[Article], n_subs: int) -> None:
    gc.unfreeze()
    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    index = QueryIndex()
    for i, text in enumerate(queries[:n_subs]):
        index.add(i, parse(text))
    built = time.perf_counter() - started
    gc.collect()
    gc.freeze()  # as SubscriptionMatcher does: the collector then skips the index's objects
    memory = rss_mib() - before
    started = time.perf_counter()
    docs = [PreparedDoc.of(a) for a in docs_articles]
    analysed = time.perf_counter() - started
    started = time.perf_counter()
    matches = sum(len(index.match(doc)) for doc in docs)
    took = time.perf_counter() - started
    candidates = sum(len(index.candidates(doc)) for doc in docs)  # untimed: for the record
    n = len(docs)
    print(
        f"{n_subs:>7} subscriptions: matching {n / took:6.0f} articles/s ({1000 * took / n:5.2f} ms each; "
        f"with analysis {n / (took + analysed):5.0f}/s), {candidates / n:6.1f} candidates, "
        f"{matches / n:5.1f} matches, {index.always_checked} always checked; "
        f"index built in {built:5.1f}s, +{memory:4.0f} MiB RSS",
        flush=True,
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench alerts_matcher")
    parser.add_argument("--subs", default="1000,10000", help="comma-separated subscription counts")
    parser.add_argument("--articles", type=int, default=1000, help="articles matched per size")
    args = parser.parse_args(argv)
    rng = random.Random(42)
    vocab = words()
    sizes = [int(x) for x in args.subs.split(",")]
    articles = corpus(args.articles, vocab, rng)
    queries = query_maker(vocab, rng, max(sizes))
    for n in sizes:
        measure(queries, articles, n)
