"""A speed probe: how long this machine takes, now, for a fixed piece of work.

Shared machines change speed (the one of docs/benchmarks.md halved its speed within an hour), so
every benchmark prints the probe before and after it runs: a figure is then read against the
machine's speed at that moment, and two runs are comparable when their probes are.
"""

from __future__ import annotations

import functools
import random
import statistics
import time
import zlib
from collections import Counter

from wirewatch.sqlite import sqlite3

_ROWS = 400
_WORDS_PER_ROW = 200


@functools.cache
def _rows() -> list[str]:
    """Fixed rows of made-up words with a skewed frequency, like news text."""
    rng = random.Random(0)
    vocabulary = ["".join(rng.choices("etaoinshrdlucmfw", k=rng.randint(2, 9))) for _ in range(5_000)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    return [" ".join(rng.choices(vocabulary, weights, k=_WORDS_PER_ROW)) for _ in range(_ROWS)]


def _work() -> None:
    """Python string and dict work, zlib, and an SQLite FTS5 index: the mix the stages run."""
    rows = _rows()
    counts = Counter(word.upper().lower() for row in rows for word in row.split())
    for row in rows:
        zlib.compress(row.encode(), 1)
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE probe USING fts5(body)")
        conn.executemany("INSERT INTO probe (body) VALUES (?)", [(row,) for row in rows])
        word = counts.most_common(50)[-1][0]
        conn.execute("SELECT count(*) FROM probe WHERE probe MATCH ?", (word,)).fetchone()
    finally:
        conn.close()


def speed_probe(seconds: float = 1.0) -> float:
    """Milliseconds the fixed work takes: the median of its rounds over about `seconds` (lower is
    faster). The machine's speed moves from one second to the next, hence a median, not one round."""
    rounds: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(rounds) < 3 or time.perf_counter() < deadline:
        started = time.perf_counter()
        _work()
        rounds.append(time.perf_counter() - started)
    return statistics.median(rounds) * 1000
