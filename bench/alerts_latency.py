"""Alert latency on the embedded stack: from the poller fetching an item to the webhook receiving it.

python -m bench alerts_latency                           60 s at 50 articles/s (the default)
python -m bench alerts_latency --rate 50 --seconds 120 --no-ner
python -m bench alerts_latency --workers 2               two stream worker processes
python -m bench alerts_latency --no-early-alerts         every subscription matched after NER

Starts a Tansu broker, a loopback feed server, `wirewatch stream` and `wirewatch ingest`, and a
webhook receiver. Feeds gain items at `--rate` per second in total (sentences of the bundled
demo articles); one item in `--probe-every` mentions "Patriot", which one subscription watches.
For each probe: latency = time its webhook arrived - time the feed server first served it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer

from wirewatch import topics
from wirewatch.broker import broker_argv, wait_for_port
from wirewatch.demo.server import Item, Outlet, load_outlets, render_rss
from wirewatch.sqlite import sqlite3

WIREWATCH = [sys.executable, "-m", "wirewatch"]


class LoadFeeds:
    """Feeds whose items appear at a steady rate; remembers when each probe was first served."""

    def __init__(self, feeds: int, rate: float, probe_every: int, sentences: list[str]) -> None:
        self.feeds, self.per_feed, self.probe_every = feeds, rate / feeds, probe_every
        self.sentences = sentences
        self.started = time.time()
        self.first_served: dict[str, float] = {}
        self.lock = threading.Lock()

    def item(self, feed: int, n: int) -> Item:
        rng = random.Random(feed * 1_000_003 + n)
        url = f"https://load{feed}.example/{n}"
        probe = (feed + n * self.feeds) % self.probe_every == 0
        title = " ".join(rng.choice(self.sentences).split()[:10])
        if probe:
            title = f"Patriot {title}"
        text = " ".join(rng.sample(self.sentences, 2))
        published = datetime.fromtimestamp(self.started + n / self.per_feed, UTC)
        return Item(url, title, text, text, "Bench", ("World",), published, 0)

    def render(self, feed: int) -> bytes:
        now = time.time()
        last = int((now - self.started) * self.per_feed)
        items = [self.item(feed, n) for n in range(max(0, last - 200), last)]
        with self.lock:
            for i in items:
                if i.title.startswith("Patriot"):
                    self.first_served.setdefault(i.url, now)
        site = f"https://load{feed}.example"
        outlet = Outlet(f"load{feed}", f"Load {feed}", "rss", site, "en", tuple(items))
        return render_rss(outlet, items[::-1]).encode()


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    class Server(ThreadingHTTPServer):
        request_queue_size = 128
        daemon_threads = True

    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def topic_times(bootstrap: str, topic: str) -> dict[str, tuple[float, float]]:
    """url -> (fetched, record timestamp) of every article in a topic: when each stage sent it on."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=[bootstrap], auto_offset_reset="earliest", consumer_timeout_ms=3000
    )
    out = {}
    try:
        for record in consumer:
            article = json.loads(record.value)
            fetched = datetime.fromisoformat(article["fetched"]).timestamp()
            out.setdefault(article["url"], (fetched, record.timestamp / 1000))
    finally:
        consumer.close()
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench alerts_latency")
    parser.add_argument("--rate", type=float, default=50.0, help="articles per second, all feeds")
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured period")
    parser.add_argument("--probe-every", type=int, default=25, help="one item in N is a probe")
    parser.add_argument("--ner", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--early-alerts", action=argparse.BooleanOptionalAction, default=True, help="match before NER"
    )
    parser.add_argument("--workers", type=int, default=1, help="`wirewatch stream` processes")
    args = parser.parse_args(argv)

    sentences = [
        s.strip()
        for o in load_outlets(datetime.now(UTC))
        for i in o.items
        for s in re.split(r"(?<=[.!?])\s+", i.content)
        if len(s.split()) > 6 and "patriot" not in s.lower()
    ]
    feeds = LoadFeeds(args.feeds, args.rate, args.probe_every, sentences)
    received: dict[str, float] = {}
    matched: dict[str, float] = {}  # when the match agent raised each alert

    class FeedHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = feeds.render(int(self.path.strip("/").split(".")[0]))
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    class HookHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if "article" in body:  # an alert (a summary would mean the rate limit kicked in)
                received.setdefault(body["article"]["url"], time.time())
                matched.setdefault(
                    body["article"]["url"], datetime.fromisoformat(body["created"]).timestamp()
                )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    feed_server, hook_server = serve(FeedHandler), serve(HookHandler)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        port = int(feed_server.server_address[1])
        lines = ["feeds:"] + [
            f"  - url: http://127.0.0.1:{port}/{k}.xml\n    interval: 10" for k in range(args.feeds)
        ]
        (data / "feeds.yaml").write_text("\n".join(lines) + "\n")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            broker_port = int(probe.getsockname()[1])
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        broker = subprocess.Popen(broker_argv(broker_port), **quiet)
        wait_for_port(broker_port)
        env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")} | {
            "WIREWATCH_DATA_DIR": str(data),
            "WIREWATCH_KAFKA_BOOTSTRAP": f"127.0.0.1:{broker_port}",
            "WIREWATCH_FEEDS": str(data / "feeds.yaml"),
            "WIREWATCH_ALLOW_PRIVATE_NETWORKS": "1",
            "WIREWATCH_NER": "1" if args.ner else "0",
            "WIREWATCH_EARLY_ALERTS": "1" if args.early_alerts else "0",
            "WIREWATCH_LOG_LEVEL": "WARNING",
            "WIREWATCH_DELIVERY_RATE_LIMIT": "100000",  # latency, not the rate limiter, is measured
        }
        hook = f"http://127.0.0.1:{hook_server.server_address[1]}/hook"
        subprocess.run([*WIREWATCH, "setup"], env=env, check=True, capture_output=True)
        # Every probe is its own alert: with story dedup, probes the clusterer folds together would
        # count as missing though nothing was late.
        subscribe = ["subscribe", "probe", "Patriot", "--webhook", hook, "--no-dedup"]
        subprocess.run([*WIREWATCH, *subscribe], env=env, check=True)
        logs = [data / f"stream{k}.log" for k in range(args.workers)]
        procs = [
            subprocess.Popen([*WIREWATCH, "stream"], env=env | {"WIREWATCH_LOG_LEVEL": "INFO"},
                             stdout=log.open("wb"), stderr=subprocess.STDOUT)
            for log in logs
        ]  # fmt: skip
        try:
            deadline = time.time() + 120
            while not all("partitions assigned" in log.read_text(errors="replace") for log in logs):
                if time.time() > deadline:
                    sys.exit("the stream workers did not become ready in 120 s")
                time.sleep(0.2)
            if args.workers > 1:
                time.sleep(5.0)  # the group settles once every worker has joined
            feeds.started = time.time()  # items start appearing now
            procs.append(subprocess.Popen([*WIREWATCH, "ingest"], env=env, stderr=subprocess.DEVNULL))
            warmup = 15.0
            time.sleep(warmup + args.seconds)
            cutoff = feeds.started + warmup
            time.sleep(10.0)  # let the last probes arrive
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(20)
        try:  # the topics are complete now that nothing produces: read them before the broker goes
            bootstrap = f"127.0.0.1:{broker_port}"
            raw, enriched = topic_times(bootstrap, topics.RAW), topic_times(bootstrap, topics.ENRICHED)
        finally:
            broker.terminate()
            broker.wait(10)
        with feeds.lock:
            probes = {u: t for u, t in feeds.first_served.items() if cutoff <= t <= cutoff + args.seconds}
        with sqlite3.connect(data / "alerts.db") as db:  # when notify recorded each alert
            recorded = {
                json.loads(payload)["article"]["url"]: created
                for payload, created in db.execute("SELECT payload, created FROM alerts WHERE kind = 'alert'")
            }
        latencies = sorted(received[u] - t for u, t in probes.items() if u in received)
        to_match = sorted(matched[u] - t for u, t in probes.items() if u in matched)
        # Upstream of the match, per hop: HTTP fetch, parse + produce, raw -> enriched, -> matched.
        hops = [u for u in probes if u in matched and u in raw and u in enriched]
        to_fetched = sorted(raw[u][0] - probes[u] for u in hops)
        to_raw = sorted(raw[u][1] - raw[u][0] for u in hops)
        to_enriched = sorted(enriched[u][1] - raw[u][1] for u in hops)
        to_matched = sorted(matched[u] - enriched[u][1] for u in hops)
        early = sorted(matched[u] - raw[u][1] for u in hops)  # the early-match agent reads raw
        to_record = sorted(recorded[u] - matched[u] for u in probes if u in received and u in recorded)
        to_hook = sorted(received[u] - recorded[u] for u in probes if u in received and u in recorded)
        missing = len(probes) - len(latencies)
    if not latencies:
        print("no probe alerts arrived", flush=True)
        return
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")  # never beyond the max
    print(
        f"{args.rate:g} articles/s over {args.feeds} feeds, NER {'on' if args.ner else 'off'}, "
        f"early alerts {'on' if args.early_alerts and args.ner else 'off'}, "
        f"{args.workers} stream worker{'s' if args.workers > 1 else ''}, "
        f"{len(latencies)} probe alerts in {args.seconds:g}s ({missing} missing): "
        f"p50 {cuts[49]:.2f}s  p90 {cuts[89]:.2f}s  p99 {cuts[98]:.2f}s  max {latencies[-1]:.2f}s",
        flush=True,
    )
    for label, part in (
        ("fetch -> matched", to_match),
        ("  served -> fetched (HTTP)", to_fetched),
        ("  fetched -> produced (parse, dedup)", to_raw),
        *(
            [
                ("  produced -> matched (before NER)", early),
                ("  (produced -> enriched: off the path)", to_enriched),
            ]
            if args.early_alerts and args.ner
            else [("  produced -> enriched", to_enriched), ("  enriched -> matched", to_matched)]
        ),
        ("matched -> recorded", to_record),
        ("recorded -> webhook", to_hook),
    ):
        q = statistics.quantiles(part, n=100, method="inclusive")
        print(f"  {label}: p50 {q[49]:.2f}s  p99 {q[98]:.2f}s", flush=True)
