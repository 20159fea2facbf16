"""Feed parsing: feedparser against fastfeedparser on one corpus, and where feedparser's time goes.

python -m bench ingest_parsers [--docs 200] [--profile]

The corpus is what the 20% of changed feeds deliver: RSS and Atom documents of 1-20 items with
HTML summaries and content (the demo articles). Each parser parses every document in this
process; ingest's own decode + DOCTYPE strip + normalise steps are timed separately, and
feedparser is also run with its defaults (HTML sanitising and relative-URI resolution on).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import fastfeedparser
import feedparser

from ingest.document import read_feed
from ingest.normalise import FeedContext
from wirewatch.demo.server import Item, Outlet, load_outlets, render_atom, render_rss


def corpus(docs: int) -> list[bytes]:
    """`docs` feed documents of 1-20 items, half RSS half Atom, from the demo articles."""
    rng = random.Random(3)
    items = [i for o in load_outlets(datetime(2026, 11, 1, tzinfo=UTC)) for i in o.items]
    out = []
    for n in range(docs):
        chosen = [
            Item(
                url=f"{i.url}-{n}-{k}",
                title=i.title,
                summary=i.summary,
                content=i.content,
                author=i.author,
                categories=i.categories,
                published=i.published - timedelta(minutes=k),
                release_after=0,
            )
            for k, i in enumerate(rng.sample(items, rng.randint(1, 20)))
        ]
        outlet = Outlet(f"o{n}", f"Outlet {n}", "rss" if n % 2 else "atom", "https://o.example", "en", ())
        render = render_rss if n % 2 else render_atom
        out.append(render(outlet, chosen).encode())
    return out


def _time(name: str, fn: Callable[[bytes], object], docs: list[bytes]) -> float:
    started = time.perf_counter()
    for doc in docs:
        fn(doc)
    elapsed = time.perf_counter() - started
    per_doc = elapsed / len(docs) * 1000
    print(f"  {name:<44} {per_doc:7.2f} ms/doc  {len(docs) / elapsed:8.0f} docs/s")
    return elapsed


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ingest_parsers")
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print feedparser's top functions")
    args = parser.parse_args(argv)
    docs = corpus(args.docs)
    items = sum(d.count(b"<item>") + d.count(b"<entry>") for d in docs)
    print(f"{len(docs)} documents, {items} items, {sum(map(len, docs)) / len(docs) / 1024:.0f} KB on average")
    context = FeedContext("bench", "https://o.example/feed", "", ())
    now = datetime.now(UTC)

    def fp(doc: bytes, **options: bool) -> object:
        return feedparser.parse(
            io.BytesIO(doc), response_headers={"content-type": "application/xml"}, **options
        )

    _time("feedparser (defaults: sanitise + resolve URIs)", fp, docs)
    _time(
        "feedparser (as ingest runs it)",
        lambda d: fp(d, sanitize_html=False, resolve_relative_uris=False),
        docs,
    )
    _time("fastfeedparser", fastfeedparser.parse, docs)
    _time("ingest read_feed with feedparser", lambda d: read_feed(d, None, context, now, "feedparser"), docs)
    _time(
        "ingest read_feed with fastfeedparser",
        lambda d: read_feed(d, None, context, now, "fastfeedparser"),
        docs,
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for doc in docs:
            fp(doc, sanitize_html=False, resolve_relative_uris=False)
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(10)
