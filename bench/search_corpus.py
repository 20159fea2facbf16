"""Synthetic news corpus for the search benchmarks: deterministic, any size, generated in batches.

Words follow a Zipf law over a vocabulary of real function/news words followed by pronounceable
made-up words (with English inflections, so stemming has work to do); body lengths are
log-normal (median about 300 words, long tail to 3,000) like wire copy; entity names are drawn
from their own Zipf list and appear in the text too. `python -m bench search_corpus` prints
the generation rate and length statistics.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np

from wirewatch.schema import Article, Entity, article_id

COMMON = (
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "said", "it", "with", "as", "was",
    "by", "at", "from", "he", "his", "be", "are", "have", "has", "an", "not", "but", "this", "they",
    "were", "will", "its", "who", "after", "their", "been", "more", "two", "which", "new", "one", "year",
    "over", "government", "people", "also", "would", "president", "minister", "police", "state", "first",
    "officials", "told", "last", "against", "military", "war", "forces", "country", "city", "talks",
    "attack", "security", "week", "since", "could", "about", "ukraine", "russia", "china", "market",
    "prices", "energy", "election", "court", "report", "water", "health", "troops", "missile", "drone",
    "strike", "air", "defense", "border", "deal", "bank", "oil", "gas", "power", "support", "aid",
    "leaders",
)  # fmt: skip
SYLLABLES = (
    "ka", "ro", "mi", "ten", "sal", "dor", "vi", "pe", "lan", "tor", "bri", "sen", "gal", "mo", "ru",
    "fi", "del", "ast", "ner", "col", "pa", "tu", "ve", "shi",
)  # fmt: skip
SUFFIXES = ("", "", "", "s", "ed", "ing", "er", "ation")
SOURCES = tuple(f"Source {n:03d}" for n in range(200))
TOPICS = tuple(
    f"{top}/{sub}"
    for top, subs in {
        "conflict": ("air-defense", "frontline", "drones", "diplomacy"),
        "economy": ("energy", "banking", "trade", "markets"),
        "politics": ("elections", "parliament", "protests"),
        "society": ("health", "education", "climate", "crime"),
    }.items()
    for sub in subs
)
LANGUAGES = ("en",) * 8 + ("uk", "de")
EPOCH = datetime(2026, 11, 25, tzinfo=UTC)


def _pseudo_words(rng: np.random.Generator, count: int) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < count:
        lengths = rng.choice((1, 2, 2, 3), 20_000)
        syllables = rng.integers(0, len(SYLLABLES), (20_000, 3))
        suffixes = rng.integers(0, len(SUFFIXES), 20_000)
        for n, row, suffix in zip(lengths, syllables, suffixes, strict=True):
            words.setdefault("".join(SYLLABLES[i] for i in row[:n]) + SUFFIXES[suffix], None)
            if len(words) == count:
                break
    return list(words)


class Corpus:
    """A deterministic synthetic corpus; `batches` yields lists of Articles."""

    def __init__(self, vocabulary: int = 60_000, entities: int = 3_000, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.seed = seed
        self.words = np.array([*COMMON, *_pseudo_words(rng, vocabulary - len(COMMON))], dtype=object)
        weights = 1.0 / np.arange(1, len(self.words) + 1) ** 1.07
        self.word_cdf = np.cumsum(weights) / weights.sum()
        first = _pseudo_words(rng, entities)
        last = _pseudo_words(rng, entities)
        self.entity_names = [f"{a.capitalize()} {b.capitalize()}" for a, b in zip(first, last, strict=True)]
        eweights = 1.0 / np.arange(1, entities + 1) ** 1.0
        self.entity_cdf = np.cumsum(eweights) / eweights.sum()

    def sample_words(self, rng: np.random.Generator, n: int) -> list[str]:
        return list(self.words[np.searchsorted(self.word_cdf, rng.random(n))])

    def article(self, n: int, rng: np.random.Generator) -> Article:
        body_len = int(np.clip(rng.lognormal(np.log(300), 0.6), 20, 3_000))
        words = self.sample_words(rng, body_len + int(rng.integers(6, 15)))
        title_words, body_words = words[: len(words) - body_len], words[len(words) - body_len :]
        names = sorted(
            {self.entity_names[i] for i in np.searchsorted(self.entity_cdf, rng.random(rng.integers(0, 8)))}
        )
        for name in names:  # entities are mentioned in the text, as in real copy
            body_words.insert(int(rng.integers(0, len(body_words))), name)
        sentences = [
            " ".join(body_words[i : i + 18]).capitalize() + "." for i in range(0, len(body_words), 18)
        ]
        published = EPOCH - timedelta(seconds=float(rng.random()) * 365 * 86_400)
        url = f"https://bench.example/{self.seed}/{n}"
        return Article(
            id=article_id(url, "bench"),
            url=url,
            feed_id="bench",
            source=SOURCES[int(rng.zipf(1.5)) % len(SOURCES)],
            title=" ".join(title_words).capitalize(),
            summary=sentences[0],
            content=" ".join(sentences),
            published=published,
            fetched=published,
            language=LANGUAGES[int(rng.integers(0, len(LANGUAGES)))],
            entities=[Entity(name=name, type="PERSON") for name in names],
            topics=[TOPICS[int(i)] for i in rng.choice(len(TOPICS), int(rng.integers(0, 3)), replace=False)],
        )

    def batches(self, count: int, size: int = 1_000, start: int = 0) -> Iterator[list[Article]]:
        """`count` articles numbered from `start`, in lists of `size`; same numbers, same articles."""
        for first in range(start, start + count, size):
            end = min(first + size, start + count)
            yield [self.article(n, np.random.default_rng([self.seed, n])) for n in range(first, end)]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench search_corpus", description=__doc__)
    parser.add_argument("--articles", type=int, default=5_000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    corpus = Corpus()
    setup = time.perf_counter() - started
    lengths: list[int] = []
    started = time.perf_counter()
    for batch in corpus.batches(args.articles):
        lengths.extend(len(a.content.split()) for a in batch)
    elapsed = time.perf_counter() - started
    quantiles = np.percentile(lengths, [10, 50, 90, 99])
    print(f"vocabulary {len(corpus.words):,} words, {len(corpus.entity_names):,} entity names ({setup:.1f}s)")
    print(f"generated {args.articles:,} articles in {elapsed:.1f}s ({args.articles / elapsed:,.0f}/s)")
    print("body words p10/p50/p90/p99: " + " / ".join(f"{q:.0f}" for q in quantiles))
