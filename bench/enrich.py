"""Enrich-stage throughput: 600-word articles per second, one and two worker processes.

python -m bench enrich [--articles 120] [--words 600] [--ner-chars 1200]

Articles are stitched from the evaluation set's dev paragraphs (realistic entity density), each
different. Every worker process runs the enricher as a stream worker does: the model in a child
process of its own, one SQLite cluster store shared by all (`--scale stream=2`). Timing starts
once every worker's model is loaded; CPU time counts the workers and their model processes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.enrich_eval import load
from wirewatch.chunks import chunks
from wirewatch.schema import Article, article_id
from wirewatch.settings import Settings

BATCH = 32


def articles(count: int, words: int, seed: int = 7) -> list[Article]:
    """`count` distinct articles of about `words` words from shuffled evaluation paragraphs."""
    rng = random.Random(seed)
    paragraphs = [c.article.content for c in load("dev") if c.lang == "en"]
    start = datetime(2026, 11, 20, tzinfo=UTC)
    out = []
    for n in range(count):
        body: list[str] = []
        while sum(len(p.split()) for p in body) < words:
            body.append(rng.choice(paragraphs))
        text = " ".join(" ".join(body).split()[:words])
        url = f"https://bench.example/{n}"
        when = start + timedelta(minutes=n)
        out.append(
            Article(
                id=article_id(url, "bench"),
                url=url,
                feed_id="bench",
                source=f"outlet-{n % 7}",
                title=f"Story {n}: " + " ".join(text.split()[:8]),
                content="\n\n".join(text[i : i + 600] for i in range(0, len(text), 600)),
                published=when,
                fetched=when,
            )
        )
    return out


def _cpu_seconds(pid: int) -> float:
    """CPU seconds a live process has used (Linux: user + system time from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker(
    settings: Settings, batch: list[Article], ready: multiprocessing.Barrier, done: multiprocessing.Queue
) -> None:
    from stream.enrich import Enricher

    enricher = Enricher.from_settings(settings, worker=True)
    spacy_model = enricher.recognisers.get("en")
    model = spacy_model.wait_ready() if spacy_model is not None else None  # the child's pid
    enricher.enrich(batch[:2])  # warm up (first call allocates the model's buffers)
    ready.wait()
    cpu = lambda: time.process_time() + (_cpu_seconds(model) if model else 0.0)  # noqa: E731
    started, started_cpu = time.perf_counter(), cpu()
    for part in chunks(batch, BATCH):
        enricher.enrich(part)
    done.put((time.perf_counter() - started, cpu() - started_cpu))
    enricher.close()


def run(workers: int, batch: list[Article], settings: Settings) -> tuple[float, float]:
    """Articles per second over all workers (wall time of the slowest), and per CPU-second.

    The CPU figure (articles / CPU seconds the workers used) does not drop when other work
    shares the machine; times the number of cores it is what idle cores would do.
    """
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Barrier(workers)
    done: multiprocessing.Queue = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(settings, batch[i::workers], ready, done)) for i in range(workers)
    ]
    for p in procs:
        p.start()
    times = [done.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    return len(batch) / max(wall for wall, _ in times), len(batch) / sum(cpu for _, cpu in times)


def agreement(batch: list[Article], ner_chars: int) -> float:
    """F1 of the entities (name + type) found with a NER window against reading whole articles:
    what the window costs in quality on 600-word articles, which the evaluation set cannot show."""
    from bench.enrich_eval import score
    from stream.enrich import Enricher

    sets = []
    for chars in (ner_chars, 200_000):
        enricher = Enricher.from_settings(Settings(clusters=False, ner_max_chars=chars))
        sets.append([frozenset((e.name, e.type) for e in a.entities) for a in enricher.enrich(batch)])
    return score(list(zip(sets[1], sets[0], strict=True))).f1


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench enrich")
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--words", type=int, default=600)
    parser.add_argument("--ner-chars", type=int, default=Settings.model_fields["ner_max_chars"].default)
    args = parser.parse_args(argv)
    batch = articles(args.articles, args.words)
    print(f"{len(batch)} articles of {args.words} words; NER reads the first {args.ner_chars} characters")
    print("| workers | NER window | articles/s (wall) | articles per CPU-second |\n|---|---|---|---|")
    for ner_chars in (args.ner_chars, 200_000):
        window = "whole article" if ner_chars == 200_000 else f"{ner_chars} chars"
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                settings = Settings(data_dir=Path(tmp), ner_max_chars=ner_chars)
                rate, per_cpu = run(workers, batch, settings)
            print(f"| {workers} | {window} | {rate:.1f} | {per_cpu:.1f} |", flush=True)
    f1 = agreement(batch, args.ner_chars)
    print(f"\nentities with the {args.ner_chars}-character window vs whole articles: F1 {f1:.3f}")
