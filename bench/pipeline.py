"""End-to-end benchmark of the embedded stack: poll -> Kafka -> enrich -> index -> alert.

Throughput: N articles across F feeds, from the first article fetched to the last one
searchable. Alert latency: new matching items appear in the feeds while the pipeline runs;
each sample is the time from the poller fetching the item to the webhook receiving its alert.

    python -m bench pipeline [--articles 2000] [--feeds 10] [--alerts 60]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from search.backends.sqlite import SqliteBackend
from tests.conftest import free_port
from tests.feeds import distinct_story, feed, item
from tests.servers import FeedServer, Response, WebhookReceiver
from wirewatch.broker import broker_argv, wait_for_port
from wirewatch.demo.server import Item

WIREWATCH = [sys.executable, "-m", "wirewatch"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Feeds:
    """F feeds on a loopback server whose items can grow while the benchmark runs."""

    def __init__(self, server: FeedServer, count: int, per_feed: int) -> None:
        self.lock = threading.Lock()
        self.items: dict[str, list[Item]] = {}
        for f in range(count):
            path = f"/bench{f}.xml"
            site = f"https://outlet{f}.example"
            self.items[path] = [
                item(
                    f"b{f}-{n}",
                    f"Budget talks {f}-{n}",
                    f"Report {n}. {distinct_story(f * 100_000 + n)}",
                    n % 600,
                    site,
                )
                for n in range(per_feed)
            ]
            server.routes[path] = lambda path=path, f=f: self.render(path, f)

    def render(self, path: str, number: int) -> Response:
        with self.lock:
            return Response(feed(list(self.items[path]), name=f"Outlet {number}", slug=f"o{number}"))

    def publish(self, new: Item) -> None:
        with self.lock:
            self.items[random.choice(list(self.items))].insert(0, new)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench pipeline")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--alerts", type=int, default=60, help="latency samples to collect")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="wirewatch-bench-"))
    port = free_port()
    broker = subprocess.Popen(broker_argv(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    server, hook = FeedServer(), WebhookReceiver()
    per_feed = args.articles // args.feeds
    feeds = Feeds(server, args.feeds, per_feed)
    (tmp / "feeds.yaml").write_text(
        "feeds:\n" + "".join(f"  - {{url: {server.url(p)}, interval: 10}}\n" for p in feeds.items)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")} | {
        "WIREWATCH_DATA_DIR": str(tmp / "data"),
        "WIREWATCH_KAFKA_BOOTSTRAP": f"127.0.0.1:{port}",
        "WIREWATCH_FEEDS": str(tmp / "feeds.yaml"),
        "WIREWATCH_ALLOW_PRIVATE_NETWORKS": "1",
        "WIREWATCH_LOG_LEVEL": "WARNING",
        "WIREWATCH_DELIVERY_RATE_LIMIT": "100000",  # one receiver gets every alert
    }
    procs: list[subprocess.Popen[bytes]] = []
    log = (tmp / "pipeline.log").open("wb")

    def start(command: str) -> None:
        procs.append(subprocess.Popen([*WIREWATCH, command], env=env, stdout=log, stderr=subprocess.STDOUT))

    try:
        subscribe = [*WIREWATCH, "subscribe", "bench", "Patriot", "--webhook", hook.url("/h")]
        subprocess.run(subscribe, env=env, check=True, capture_output=True)
        subprocess.run([*WIREWATCH, "setup"], env=env, check=True, capture_output=True)
        start("stream")
        time.sleep(8)  # let the worker join its group: we time the pipeline, not start-up
        start("ingest")
        index_path = tmp / "data" / "search.db"
        while not index_path.exists():
            time.sleep(0.2)
        index = SqliteBackend(index_path, readonly=True)
        total = per_feed * args.feeds
        while index.count() < total:
            time.sleep(0.2)
        done = time.time()
        first_fetch = min(h.article.fetched for h in index.search(None, sort="newest", size=total).hits)
        elapsed = done - first_fetch.timestamp()
        print(
            f"throughput: {total} articles, first fetch to all searchable in {elapsed:.1f}s"
            f" = {total / elapsed:.0f} articles/s"
        )

        # Alert latency: matching items appear one by one in random feeds (polled every 10 s).
        for n in range(args.alerts):
            feeds.publish(
                item(
                    f"alert-{n}",
                    f"Patriot battery {n} delivered",
                    f"Patriot news {n}. {distinct_story(-n - 1)}",
                    0,
                )
            )
            time.sleep(0.5)
        deadline = time.time() + 60
        while len(hook.delivered()) < args.alerts and time.time() < deadline:
            time.sleep(0.2)
        latencies = []
        for request in hook.received:
            article = index.get(json.loads(request.body)["article"]["id"])
            if article is not None:
                latencies.append(request.at - article.fetched.timestamp())
        index.close()
        if latencies:
            p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
            print(
                f"alert latency, fetch -> webhook, {len(latencies)} alerts:"
                f" p50 {p50:.0f} ms, p99 {p99:.0f} ms"
            )
        print(f"alerts delivered: {len(hook.delivered())}/{args.alerts}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(20)
        broker.terminate()
        server.close()
        hook.close()
    print(f"logs in {tmp}")
