"""Story-cluster store on a busy stream: cost per article as the 3-day window fills.

python -m bench clusters                                   20,000 articles (about two minutes)
python -m bench clusters --articles 150000                 a full window at 50,000 articles a day
python -m bench clusters --articles 150000 --profile       also where the last checkpoint's time goes

One stream of synthetic news (bench/search_corpus.py: Zipf words, log-normal lengths, median about
300 words) at `--per-day` articles a day, in a real SQLite store in a temporary directory. A share
of the articles (`--derived`) retell a story published in the previous six hours: copies of the
wire story (sentences dropped, words edited, a new title, a credit line, some cut short) or rewrites (new
wording around the story's rare words and names). The store is filled with matching switched
off (its own insert path, each article its own cluster: matching at 100,000+ articles a day is
what is being measured, too slow to fill with), and at each checkpoint the next `--probes`
articles of the stream are assigned for real, in batches of 32 as the enricher sends them.

Per checkpoint: articles in the window, the band query's candidates per article and how many of
them had their word weights compared, the match's time per article (p50/p95) and the whole
assignment's (batch time over batch size), how many retold probes joined a cluster of their story
and how many fresh probes joined any cluster, the time per article to insert while filling, and
the store's size on disk.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import multiprocessing
import pstats
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np

from bench._stats import percentile
from bench.search_corpus import EPOCH, SOURCES, Corpus
from stream.enrich.clusters import Assignment, SqliteClusterStore, StoryItem, fingerprint
from stream.enrich.text import article_text
from wirewatch.chunks import chunks
from wirewatch.schema import article_id

BATCH = 32  # articles per assign call (the enricher's batch)
CHECKPOINTS = (1_000, 10_000, 50_000, 100_000, 150_000)
CHUNK = 500  # articles per fill task
# Articles per transaction while filling: each transaction rewrites most of the band index's pages
# into the WAL, so small ones make the fill's cost grow with the store (the probes use BATCH).
FILL_TRANSACTION = 10_000
RARE_RANK = 300  # corpus words past this rank count as a story's own words for rewrites
FRESH, COPY, REWRITE = "fresh", "copy", "rewrite"


@dataclass(frozen=True)
class Stream:
    """Which articles retell which story: deterministic in the article's number."""

    per_day: int
    derived: float

    def published(self, n: int) -> timedelta:
        return timedelta(days=n / self.per_day)

    def origin(self, n: int) -> tuple[int, str]:
        """(number of the story's first article, kind) of article n."""
        rng = np.random.default_rng([n, 7])
        span = max(1, self.per_day // 4)  # six hours of the stream
        if n < 50 or rng.random() >= self.derived:
            return n, FRESH
        kind = COPY if rng.random() < 0.6 else REWRITE
        m = n - 1 - int(rng.integers(0, min(n, span)))
        while (up := self.origin(m))[1] != FRESH:  # a retelling of a retelling: the same story
            m = up[0]
        return m, kind


_corpus: Corpus | None = None


def _corpus_once() -> Corpus:
    global _corpus
    if _corpus is None:
        _corpus = Corpus()
    return _corpus


def text_of(stream: Stream, n: int) -> tuple[str, str, int, str, list[str]]:
    """(text, language, story, kind, entity names) of article n of the stream: a retelling names
    its story's entities."""
    corpus = _corpus_once()
    root, kind = stream.origin(n)
    base = corpus.article(root, np.random.default_rng([corpus.seed, root]))
    names = [e.name for e in base.entities]
    if kind == FRESH:
        return article_text(base), base.language or "en", root, kind, names
    rng = np.random.default_rng([n, 11])
    sentences = base.content.split(". ")
    if kind == COPY:
        kept = [s for s in sentences if rng.random() < 0.8] or sentences[:1]
        edits = rng.uniform(0.02, 0.15)  # share of words an editor changed
        kept = [
            " ".join(w if rng.random() >= edits else corpus.sample_words(rng, 1)[0] for w in s.split())
            for s in kept
        ]
        if rng.random() < 0.3:  # cut short
            kept = kept[: max(1, int(len(kept) * rng.uniform(0.5, 0.9)))]
        title = base.title.split()
        for i in rng.integers(0, len(title), max(1, len(title) // 3)):
            title[i] = corpus.sample_words(rng, 1)[0]
        credit = f"{SOURCES[int(rng.integers(0, len(SOURCES)))]} contributed reporting."
        return (
            " ".join(title).capitalize() + "\n\n" + ". ".join(kept) + " " + credit,
            base.language or "en",
            root,
            kind,
            names,
        )
    # A rewrite: new wording, about half of the story's own (rarer) words and all its names.
    rank = {w: r for r, w in enumerate(corpus.words[:RARE_RANK])}
    own = list(dict.fromkeys(w for w in base.content.lower().replace(".", "").split() if w not in rank))
    picked = [w for w in own if rng.random() < 0.5] + [e.name for e in base.entities]
    words = corpus.sample_words(rng, int(len(base.content.split()) * rng.uniform(0.6, 1.1)))
    for w in picked:
        words.insert(int(rng.integers(0, len(words) + 1)), w)
    body = ". ".join(" ".join(words[i : i + 18]).capitalize() for i in range(0, len(words), 18))
    title = " ".join(corpus.sample_words(rng, 6) + picked[:2]).capitalize()
    return title + "\n\n" + body + ".", base.language or "en", root, kind, names


def item_of(stream: Stream, n: int) -> tuple[StoryItem, int, str]:
    """The store's item for article n, its story and its kind."""
    text, language, story, kind, names = text_of(stream, n)
    url = f"https://bench.example/clusters/{n}"
    source = SOURCES[int(np.random.default_rng([n, 3]).zipf(1.5)) % len(SOURCES)]
    item = StoryItem(
        article_id(url, "bench"), source, EPOCH + stream.published(n), fingerprint(text, language, names)
    )
    return item, story, kind


def _chunk(args: tuple[Stream, int, int]) -> list[tuple[StoryItem, int, str]]:
    stream, start, end = args
    return [item_of(stream, n) for n in range(start, end)]


def items(
    pool: multiprocessing.pool.Pool, stream: Stream, start: int, end: int
) -> Iterator[list[tuple[StoryItem, int, str]]]:
    """Articles start..end-1 in chunks, fingerprinted by the pool's processes, in order."""
    tasks = [(stream, a, min(a + CHUNK, end)) for a in range(start, end, CHUNK)]
    yield from pool.imap(_chunk, tasks)


def fill(
    store: SqliteClusterStore, chunks: Iterator[list[tuple[StoryItem, int, str]]], stories: dict[str, int]
) -> tuple[int, float]:
    """Store articles with matching off (each its own cluster), FILL_TRANSACTION to a transaction,
    then checkpoint the WAL; (count, seconds in the store)."""
    store._best_match = lambda item: None  # type: ignore[method-assign]
    count, spent, pending = 0, 0.0, []
    try:
        for chunk in itertools.chain(chunks, [[]]):
            pending += chunk
            if len(pending) < FILL_TRANSACTION and chunk:
                continue
            started = time.perf_counter()
            store.assign([i for i, _, _ in pending])
            spent += time.perf_counter() - started
            count += len(pending)
            stories.update((i.article_id, story) for i, story, _ in pending)
            pending = []
        with store._lock:  # a busy stream's batches leave the checkpoints time to reset the WAL
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        del store._best_match
    return count, spent


@dataclass
class Probe:
    """Figures of one checkpoint's probe articles."""

    match_ms: list[float]
    assign_ms: list[float]  # per article: its batch's time over the batch size
    write_ms: list[float]  # per batch: the batch's time but its matches', over the batch size
    candidates: list[int]
    compared: list[int]
    joined: dict[str, list[bool]]  # kind -> per article: joined a cluster of its story (fresh: any cluster)

    def row(self, stream: int, window: int, fill_ms: float, size: str) -> str:
        """The checkpoint's line of the table."""
        joined = " | ".join(f"{sum(self.joined[k])}/{len(self.joined[k])}" for k in (COPY, REWRITE, FRESH))
        return (
            f"| {stream:,} | {window:,} | {_quantiles(self.candidates, 0)} | {_quantiles(self.compared, 0)}"
            f" | {_quantiles(self.match_ms, 1)} | {_quantiles(self.assign_ms, 1)}"
            f" | {np.median(self.write_ms):.1f} | {joined}"
            f" | {fill_ms:.2f} | {size} |"
        )


def _quantiles(values: list[float] | list[int], digits: int) -> str:
    return f"{percentile(values, 50):.{digits}f} / {percentile(values, 95):.{digits}f}"


def probe(
    store: SqliteClusterStore, batch: list[tuple[StoryItem, int, str]], stories: dict[str, int]
) -> Probe:
    """Assign articles for real, timing each match and reading the store's counts."""
    out = Probe([], [], [], [], [], {FRESH: [], COPY: [], REWRITE: []})
    original = store._best_match

    def timed(item: StoryItem) -> Assignment | None:
        started = time.perf_counter()
        found = original(item)
        out.match_ms.append((time.perf_counter() - started) * 1000)
        out.candidates.append(store.last_match.candidates)
        out.compared.append(store.last_match.compared)
        return found

    store._best_match = timed  # type: ignore[method-assign]
    try:
        for part in chunks(batch, BATCH):
            started = time.perf_counter()
            assigned = store.assign([it for it, _, _ in part])
            spent = (time.perf_counter() - started) * 1000
            out.assign_ms.extend([spent / len(part)] * len(part))
            out.write_ms.append((spent - sum(out.match_ms[-len(part) :])) / len(part))
            for (it, story, kind), a in zip(part, assigned, strict=True):
                stories[it.article_id] = story
                if kind == FRESH:
                    out.joined[kind].append(a.cluster_id != it.article_id)
                else:
                    out.joined[kind].append(stories.get(a.cluster_id) == story)
    finally:
        del store._best_match
    return out


def size_mib(path: Path) -> str:
    """The store's file and its write-ahead log, in MiB."""
    wal = path.with_name(path.name + "-wal")
    return f"{path.stat().st_size / 2**20:,.0f} + {wal.stat().st_size / 2**20 if wal.exists() else 0:,.0f}"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench clusters", description=__doc__)
    parser.add_argument(
        "--articles", type=int, default=20_000, help="articles in the stream at the last checkpoint"
    )
    parser.add_argument("--per-day", type=int, default=50_000, help="stream volume (the window is 3 days)")
    parser.add_argument(
        "--derived", type=float, default=0.3, help="share of articles retelling an earlier story"
    )
    parser.add_argument(
        "--probes", type=int, default=320, help="articles assigned for real at each checkpoint"
    )
    parser.add_argument("--profile", action="store_true", help="profile the last checkpoint's probes")
    parser.add_argument("--workers", type=int, default=2, help="processes fingerprinting the fill")
    args = parser.parse_args(argv)
    stream = Stream(args.per_day, args.derived)
    checkpoints = sorted({c for c in CHECKPOINTS if c < args.articles} | {args.articles})
    window = 3 * args.per_day
    print(
        f"{args.per_day:,} articles a day ({window:,} in a full window), {args.derived:.0%} retelling a story"
        f" of the previous 6 hours; {args.probes} probe articles per checkpoint, in batches of {BATCH}"
    )
    print(
        "\n| stream | in window | candidates p50 / p95 | word comparisons p50 / p95 | match ms p50 / p95"
        " | assign ms/article p50 / p95 | rest of assign ms/article | copies joined | rewrites joined"
        f" | fresh joined (false) | fill ms/article ({FILL_TRANSACTION:,} a transaction) | MiB (file + WAL) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    stories: dict[str, int] = {}
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp, ctx.Pool(args.workers) as pool:
        path = Path(tmp) / "clusters.db"
        store = SqliteClusterStore(path)
        done = 0
        try:
            for at in checkpoints:
                count, spent = fill(store, items(pool, stream, done, at), stories)
                done = at
                batch = [item for chunk in items(pool, stream, done, done + args.probes) for item in chunk]
                profiler = cProfile.Profile() if args.profile and at == checkpoints[-1] else None
                if profiler:
                    profiler.enable()
                r = probe(store, batch, stories)
                if profiler:
                    profiler.disable()
                done += args.probes
                fill_ms = spent * 1000 / count if count else float("nan")
                print(r.row(at, min(at, window), fill_ms, size_mib(path)), flush=True)
        finally:
            store.close()
    if args.profile:
        print("\nprofile of the last checkpoint's probes (cumulative time):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
