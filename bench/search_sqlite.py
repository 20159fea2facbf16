"""SQLite FTS5 backend: indexing rate, size per article, search latency by query kind.

python -m bench search_sqlite                                    20,000 articles, queries at 20,000
python -m bench search_sqlite --articles 1000000 --at 100000     also measure queries at 100,000
python -m bench search_sqlite --db PATH ...                      keep (or reuse) the database
python -m bench search_sqlite --no-common-grams ...              an index without common grams

Rates are given per wall-clock second and per CPU second of this process (SQLite runs inside
it): on a busy shared machine the second is the steadier figure. Query latencies likewise come as
wall-clock and CPU percentiles, with what each kind read from the disk: where wall and CPU part,
the process waited (for the disk, or the machine).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import numpy as np

from bench._stats import percentile
from bench.search_corpus import Corpus
from search.analysis import exact_terms
from search.backends.base import BULK_SIZE
from search.backends.sqlite import SqliteBackend

QUERIES_PER_KIND = 100


def query_sets(corpus: Corpus, rng: np.random.Generator, articles: int) -> dict[str, list[str]]:
    """Queries of each kind: terms in three frequency classes of the Zipf vocabulary; phrases
    that occur in indexed articles (entity names, content words, any words)."""

    def words(low: int, high: int) -> list[str]:
        return [str(corpus.words[r]) for r in rng.integers(low, high, QUERIES_PER_KIND)]

    rank = {str(w): r for r, w in enumerate(corpus.words)}
    windows: list[list[str]] = []
    for batch in corpus.batches(
        QUERIES_PER_KIND, start=int(rng.integers(0, max(1, articles - QUERIES_PER_KIND)))
    ):
        for article in batch:
            tokens = exact_terms(article.content)
            windows.extend(tokens[i : i + 3] for i in range(0, len(tokens) - 3, 3))
    content = [w[:2] for w in windows if all(rank.get(t, 0) >= 200 for t in w[:2])]
    picks = rng.choice(len(windows), QUERIES_PER_KIND, replace=False)
    names = [corpus.entity_names[i] for i in np.searchsorted(corpus.entity_cdf, rng.random(QUERIES_PER_KIND))]
    common, mid, rare = words(20, 200), words(200, 5_000), words(5_000, 40_000)
    return {
        "term, common word": common,
        "term, mid word": mid,
        "term, rare word": rare,
        "phrase, entity name": [f'"{n}"' for n in names],
        "phrase, content words": ['"' + " ".join(w) + '"' for w in content[:QUERIES_PER_KIND]],
        "phrase, any words": ['"' + " ".join(windows[i][: 2 + i % 2]) + '"' for i in picks],
        "boolean": [
            f"({a} OR {b}) {c} -{d}" for a, b, c, d in zip(mid, rare, common, mid[::-1], strict=True)
        ],
        "faceted": mid,
        "newest": mid,
    }


def measure(call: Callable[[str], object], queries: list[str]) -> tuple[float, ...]:
    """Wall-clock p50, p95 and max, and CPU p50 and p95, in milliseconds. A wall p95 far above the
    CPU one is time the process waited (for the disk, or the machine), not the query's own work."""
    wall, cpu = [], []
    for query in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        call(query)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return percentile(wall, 50), percentile(wall, 95), max(wall), percentile(cpu, 50), percentile(cpu, 95)


def disk_read_bytes() -> int | None:
    """Bytes this process has had read from storage so far (Linux's /proc/self/io, which counts
    page faults on a mapped file too); None where the system does not tell."""
    try:
        lines = Path("/proc/self/io").read_text().splitlines()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in lines if line.startswith("read_bytes:")), None)


def report_queries(path: Path, corpus: Corpus, articles: int) -> None:
    """Each kind's latency through a read-only backend opened for it, as the API and CLI query the
    index: the writer's connection, warm from indexing, is not what serves users."""
    with closing(SqliteBackend(path, readonly=True)) as backend:
        sets = query_sets(corpus, np.random.default_rng(articles), articles)
        print(
            f"  queries at {articles:,} articles, {QUERIES_PER_KIND} each"
            " (ms: wall p50 / p95 / max, CPU p50 / p95; MB read from the disk; median hits):"
        )
        calls: dict[str, Callable[[str], object]] = {
            "faceted": lambda q: backend.facets(q, size=10),
            "newest": lambda q: backend.search(q, size=20, sort="newest"),
        }
        for kind, queries in sets.items():
            call = calls.get(kind, lambda q: backend.search(q, size=20))
            before = disk_read_bytes()
            figures = " ".join(f"{ms:8.1f}" for ms in measure(call, queries))
            after = disk_read_bytes()
            disk = "-" if before is None or after is None else f"{(after - before) / 1e6:,.0f}"
            hits = statistics.median(backend.search(q, size=1).total for q in queries[:25])
            print(f"    {kind:22s} {figures} {disk:>8s}   {hits:>10,.0f}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench search_sqlite", description=__doc__)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument(
        "--at", type=int, action="append", default=[], help="also measure queries at this size"
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=BULK_SIZE,
        help="articles per index() call (one transaction; default: the stream's bulk size)",
    )
    parser.add_argument("--db", type=Path, help="database file to keep or reuse (default: a temporary one)")
    parser.add_argument(
        "--no-common-grams",
        action="store_true",
        help="index without common grams (WIREWATCH_SEARCH_COMMON_GRAMS)",
    )
    args = parser.parse_args(argv)
    workdir = tempfile.TemporaryDirectory(prefix="bench-search-")
    path = args.db or Path(workdir.name) / "search.db"
    backend = SqliteBackend(path, common_grams=not args.no_common_grams)
    corpus = Corpus()
    have = backend.count()
    checkpoints = sorted({n for n in (*args.at, args.articles) if n > have})
    if have:
        print(f"  reusing {path} with {have:,} articles")
        if have >= args.articles:
            report_queries(path, corpus, have)
    wall = cpu = 0.0
    indexed = 0
    for checkpoint in checkpoints:
        for batch in corpus.batches(checkpoint - have, size=args.batch, start=have):
            started, started_cpu = time.perf_counter(), time.process_time()
            backend.index(batch)
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
            indexed += len(batch)
        have = checkpoint
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        print(
            f"  indexed {indexed:,} articles in batches of {args.batch:,}: {indexed / wall:,.0f} articles/s"
            f" ({indexed / cpu:,.0f} per CPU second); database {size / 2**20:,.0f} MiB"
            f" = {size / have:,.0f} bytes/article"
        )
        report_queries(path, corpus, have)
    backend.close()
    workdir.cleanup()
