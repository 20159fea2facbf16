"""Poller throughput: feed polls per minute and items/s against a local server with a realistic mix.

python -m bench ingest [--feeds 1000] [--hosts 50] [--seconds 40] [--concurrency 100]

A separate process serves N feeds over H loopback addresses (127.0.1.x, so the per-host limit
applies as on the web): 80% unchanged (304 on a conditional GET), 20% with 1-20 new items on
every poll, 1% slow (3 s), 2% broken (HTTP 500 or not a feed). The real Poller (APScheduler,
guarded fetcher, parse workers, Tansu broker, SQLite index, feeds.db) polls every feed every
10 s, more than it can do, so the figures are its capacity. Before that, a warm-up round fetches
every feed once in full (validators stored; its duration is reported too); then it measures
polls, items produced, CPU and peak memory of the poller process and its parse workers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import logging
import multiprocessing
import os
import random
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from ingest.feedlist import FeedSpec
from ingest.poller import Poller, open_store
from search.backends.sqlite import SqliteBackend
from wirewatch.broker import broker_argv, wait_for_port
from wirewatch.kafka import ensure_topics, make_producer
from wirewatch.settings import Settings
from wirewatch.sqlite import sqlite3

WORDS = [
    "air",
    "defense",
    "Kyiv",
    "Patriot",
    "battery",
    "minister",
    "allies",
    "winter",
    "missile",
    "strike",
    "energy",
    "grid",
    "talks",
    "ceasefire",
    "Brussels",
    "Warsaw",
    "Berlin",
    "officials",
    "said",
    "on",
    "Tuesday",
    "according",
    "to",
    "statement",
    "delivered",
    "systems",
]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _item(feed: int, n: int, rng: random.Random) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(60))
    when = format_datetime(datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=n), usegmt=True)
    return (
        f"<item><title>{escape(text[:80])}</title><link>https://site{feed}.example/{n}</link>"
        f"<guid>https://site{feed}.example/{n}</guid><pubDate>{when}</pubDate>"
        f"<description>{escape('<p>' + text + '</p>')}</description></item>"
    )


def _document(feed: int, first: int, count: int, rng: random.Random) -> bytes:
    items = "".join(_item(feed, n, rng) for n in range(first, first + count))
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {feed}</title>'
        f"<link>https://site{feed}.example/</link>{items}</channel></rss>"
    ).encode()


def serve_feeds(port: int, hosts: int, feeds: int, ready: multiprocessing.synchronize.Event) -> None:
    """The feed server process: a minimal HTTP/1.1 keep-alive server on `hosts` loopback addresses."""
    rng = random.Random(7)
    kinds = {}
    for feed in range(feeds):
        roll = rng.random()
        kinds[feed] = (
            "slow" if roll < 0.01 else "broken" if roll < 0.03 else "active" if roll < 0.23 else "static"
        )
    static = {f: _document(f, 0, 20, rng) for f, k in kinds.items() if k in {"static", "slow"}}
    etags = {f: '"' + hashlib.sha256(doc).hexdigest()[:16] + '"' for f, doc in static.items()}
    counters = dict.fromkeys(kinds, 0)

    def respond(feed: int, headers: dict[str, str]) -> tuple[int, bytes, str | None]:
        kind = kinds.get(feed)
        if kind is None:
            return 404, b"", None
        if kind == "broken":
            return (500, b"oops", None) if feed % 2 else (200, b"<html>not a feed</html>", None)
        if kind == "active":
            new = rng.randint(1, 20)
            counters[feed] += new
            return 200, _document(feed, counters[feed] - new, new, rng), None
        if headers.get("if-none-match") == etags[feed]:
            return 304, b"", etags[feed]
        return 200, static[feed], etags[feed]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                feed = int(path.strip("/").split(".")[0]) if path.strip("/").split(".")[0].isdigit() else -1
                if kinds.get(feed) == "slow":
                    await asyncio.sleep(3)
                status, body, etag = respond(feed, headers)
                reason = {200: "OK", 304: "Not Modified", 404: "Not Found", 500: "Internal Server Error"}[
                    status
                ]
                extra = f"ETag: {etag}\r\n" if etag else ""
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/rss+xml\r\n{extra}"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        addresses = [f"127.0.1.{h + 1}" for h in range(hosts)]
        server = await asyncio.start_server(handle, addresses, port, backlog=1024)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _history(db: Path, since: float) -> tuple[int, int, dict[str, int]]:
    conn = sqlite3.connect(db)
    try:
        polls, items = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(items), 0) FROM poll_history WHERE at >= ? AND via = 'poll'",
            (since,),
        ).fetchone()
        by_status = dict(
            conn.execute("SELECT status, COUNT(*) FROM poll_history WHERE at >= ? GROUP BY status", (since,))
        )
        return int(polls), int(items), by_status
    finally:
        conn.close()


def _specs(urls: list[str], interval: int) -> list[FeedSpec]:
    return [FeedSpec(url=url, interval=interval) for url in urls]


async def _measure(settings: Settings, urls: list[str], warmup: float, seconds: float) -> dict[str, object]:
    store = open_store(settings)
    store.sync_file(_specs(urls, 3_600))  # warm-up: each feed fetched once, in full
    index = SqliteBackend(settings.index_db)
    producer = make_producer(settings.bootstrap)
    poller = Poller(settings, store, index, producer)
    stop = asyncio.Event()
    run = asyncio.create_task(poller.run(stop))
    started = time.time()
    while True:
        await asyncio.sleep(1)
        polled = sum(1 for f in store.list() if f.last_poll)
        if polled >= len(urls) or time.time() - started > warmup:
            break
    warm = time.time() - started
    # Then every 10 s, more than the poller can do: the polls it completes are its capacity.
    store.sync_file(_specs(urls, 10))
    poller.reconcile()
    await asyncio.sleep(5)
    workers = poller.workers.pids()
    pids = [os.getpid(), *workers]
    cpu_before = sum(_cpu_seconds(p) for p in pids)
    t0 = time.time()
    await asyncio.sleep(seconds)
    elapsed = time.time() - t0
    cpu = sum(_cpu_seconds(p) for p in pids) - cpu_before
    polls, items, by_status = _history(settings.feeds_db, t0)
    memory = _peak_rss_mb(os.getpid()) + sum(_peak_rss_mb(p) for p in workers)
    stop.set()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(run, 30)
    producer.close(timeout=10)
    index.close()
    store.close()
    return {
        "first full fetch of all feeds s": round(warm, 1),
        "first fetches/s": round(polled / warm, 1),
        "polls/min": round(polls / elapsed * 60),
        "items/s": round(items / elapsed, 1),
        "cpu cores": round(cpu / elapsed, 2),
        "peak rss MB": round(memory),
        "outcomes": by_status,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--feeds", type=int, default=1_000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument(
        "--warmup", type=float, default=600, help="at most this long to fetch every feed once"
    )
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--parser", default="fastfeedparser", choices=["fastfeedparser", "feedparser"])
    args = parser.parse_args(argv)
    logging.getLogger("wirewatch").setLevel(logging.ERROR)  # broken feeds are part of the mix

    port, broker_port = _free_port(), _free_port()
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(target=serve_feeds, args=(port, args.hosts, args.feeds, ready), daemon=True)
    server.start()
    broker = subprocess.Popen(broker_argv(broker_port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready.wait(30)
        wait_for_port(broker_port)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                data_dir=Path(tmp),
                feeds=Path(tmp) / "none.yaml",
                kafka_bootstrap=f"127.0.0.1:{broker_port}",
                allow_private_networks=True,
                poll_concurrency=args.concurrency,
                http_timeout=10,
                feed_parser=args.parser,
                log_level="WARNING",
            )
            ensure_topics(settings)
            urls = [f"http://127.0.1.{n % args.hosts + 1}:{port}/{n}.xml" for n in range(args.feeds)]
            figures = asyncio.run(_measure(settings, urls, args.warmup, args.seconds))
    finally:
        broker.terminate()
        broker.wait(10)
        server.terminate()
        server.join(10)
    print(
        f"{args.feeds} feeds on {args.hosts} hosts, parser {args.parser}, concurrency {args.concurrency}, "
        f"{args.seconds:g} s measured"
    )
    for key, value in figures.items():
        print(f"  {key:<12} {value}")
