"""HTTP API benchmark: search latency under concurrent clients, and live-alert fan-out over SSE.

Seeds a temporary SQLite index with the synthetic corpus of the search benchmarks (kept for
reruns with --data DIR), runs `wirewatch api` in a subprocess (rate limit off), then
(1) CLIENTS concurrent clients run varied searches (words, phrases, boolean, filters, newest;
half with facets, then none) for SECONDS and report p50/p95/throughput; (2) STREAMS clients hold
/api/alerts/stream while ALERTS alerts are recorded in alerts.db one by one: the delay from
recording to each client receiving it is reported as p50/p95/max.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench._stats import percentile
from bench.search_corpus import SOURCES, Corpus
from search.backends.sqlite import SqliteBackend
from stream.alerts.db import AlertsDb
from stream.alerts.store import AlertStore, NewAlert
from stream.alerts.subscriptions import new_subscription


def seed(path: Path, articles: int) -> None:
    backend = SqliteBackend(path)
    have = backend.count()
    if have < articles:
        started = time.perf_counter()
        for batch in Corpus().batches(articles - have, start=have):
            backend.index(batch)
        print(f"  indexed {articles - have:,} articles in {time.perf_counter() - started:.0f}s")
    backend.close()


def queries(rng: random.Random, words: list[str], facets: float) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for _ in range(500):
        a, b, c = rng.sample(words, 3)
        q = rng.choice([a, f"{a} {b}", f'"{a} {b}"', f"({a} OR {b}) -{c}", f"{a}*"[:6] + "*", ""])
        params: dict[str, object] = {"q": q, "size": 20, "facets": rng.random() < facets}
        if rng.random() < 0.3:
            params["sort"] = "newest"
        if rng.random() < 0.2:
            params["source"] = rng.choice(SOURCES[:20])
        out.append(params)
    return out


async def search_load(url: str, clients: int, seconds: float, words: list[str], facets: float) -> None:
    rng = random.Random(7)
    plan = queries(rng, words, facets)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            i = n
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await http.get("/api/search", params=plan[i % len(plan)])
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != 200
                i += clients

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    print(
        f"  search ({facets:.0%} with facets), {clients} concurrent clients, {elapsed:.0f}s:"
        f" {len(latencies):,} requests,"
        f" {len(latencies) / elapsed:,.1f} req/s, p50 {percentile(latencies, 50):.0f} ms,"
        f" p95 {percentile(latencies, 95):.0f} ms, max {max(latencies):.0f} ms, {errors} errors"
    )


async def fanout(url: str, data_dir: Path, streams: int, alerts: int) -> None:
    received: dict[str, list[float]] = {}
    connected = 0

    async def listen(http: httpx.AsyncClient) -> None:
        nonlocal connected
        async with http.stream("GET", "/api/alerts/stream") as response:
            connected += 1
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    alert_id = line[6:].split('"id":"', 1)[1].split('"', 1)[0]
                    received.setdefault(alert_id, []).append(time.time())

    limits = httpx.Limits(max_connections=streams + 10)
    async with httpx.AsyncClient(base_url=url, timeout=None, limits=limits) as http:
        tasks = [asyncio.create_task(listen(http)) for _ in range(streams)]
        while connected < streams:
            await asyncio.sleep(0.1)
        db = AlertsDb(data_dir / "alerts.db")
        store = AlertStore(db)
        sub = new_subscription("bench", "x", ["console"])
        sent: dict[str, float] = {}
        for n in range(alerts):
            alert_id = f"bench-{n}-{time.time_ns()}"
            sent[alert_id] = time.time()
            await asyncio.to_thread(store.record, [NewAlert(alert_id, sub, f"a{n}", f"s{n}", {"n": n})])
            await asyncio.sleep(0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sum(len(v) for v in received.values()) < streams * alerts:
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        db.close()
    delays = [(t - sent[a]) * 1000 for a, times in received.items() if a in sent for t in times]
    everyone = [(max(times) - sent[a]) * 1000 for a, times in received.items() if a in sent]
    print(
        f"  SSE fan-out, {streams} clients, {alerts} alerts: {len(delays):,}/{streams * alerts:,} deliveries,"
        f" per client p50 {percentile(delays, 50):.0f} ms, p95 {percentile(delays, 95):.0f} ms,"
        f" max {max(delays):.0f} ms; until every client had it p50 {percentile(everyone, 50):.0f} ms,"
        f" max {max(everyone):.0f} ms"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench api", description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--data", type=Path, help="data dir to keep or reuse (default: a temporary one)")
    args = parser.parse_args(argv)
    workdir = tempfile.TemporaryDirectory(prefix="bench-api-")
    data_dir = args.data or Path(workdir.name)
    data_dir.mkdir(parents=True, exist_ok=True)
    seed(data_dir / "search.db", args.articles)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    env |= {"WIREWATCH_DATA_DIR": str(data_dir), "WIREWATCH_API_RATE_LIMIT": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "wirewatch", "api", "--port", str(port)],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        words = [str(w) for w in Corpus().words[100:3_000]]
        for share in (0.5, 0.0):
            asyncio.run(search_load(url, args.clients, args.seconds, words, share))
        asyncio.run(fanout(url, data_dir, args.streams, args.alerts))
    finally:
        proc.terminate()
        proc.wait(15)
        workdir.cleanup()
