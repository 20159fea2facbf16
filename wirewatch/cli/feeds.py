"""`wirewatch feeds ...`: the feeds that are polled, their health and history, OPML/YAML in and out."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from wirewatch.cli.common import JsonFlag, cli_settings
from wirewatch.cli.output import ago, console, json_line
from wirewatch.errors import ConfigError, UsageError

app = typer.Typer(help="Manage the feeds that are polled.", no_args_is_help=True)


def _store() -> Any:
    from ingest.poller import load_feeds, open_store

    settings = cli_settings()
    store = open_store(settings)
    load_feeds(settings, store)
    return store


def _choose(url: str, candidates: tuple[Any, ...], pick: int | None) -> Any:
    """The candidate the user picks: --pick N, else asked on a terminal, else an error."""
    if pick is not None:
        if not 1 <= pick <= len(candidates):
            raise UsageError(f"--pick must be between 1 and {len(candidates)}")
        return candidates[pick - 1]
    if len(candidates) == 1:
        return candidates[0]
    for number, c in enumerate(candidates, start=1):
        console.print(f"{number}) {c.url}  {c.title or ''} ({c.type})", markup=False)
    if not sys.stdin.isatty():
        raise UsageError(f"{len(candidates)} feeds found at {url} (listed above): choose one with --pick N")
    number = typer.prompt(f"Which feed (1-{len(candidates)})", type=int)
    if not 1 <= number <= len(candidates):
        raise UsageError(f"no feed number {number}")
    return candidates[number - 1]


@app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="A feed URL, or a site URL whose page links to its feeds.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the feed's title).")] = None,
    interval: Annotated[
        int | None, typer.Option(help="Fixed seconds between polls (default: adaptive).", min=10, max=86400)
    ] = None,
    min_interval: Annotated[
        int | None, typer.Option(help="Floor of the adaptive interval (s).", min=10)
    ] = None,
    max_interval: Annotated[
        int | None, typer.Option(help="Ceiling of the adaptive interval (s).", min=10)
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option(help="Tag kept on the feed's articles (repeatable).")
    ] = None,
    fulltext: Annotated[bool, typer.Option(help="Fetch each article's page for its full text.")] = False,
    pick: Annotated[
        int | None, typer.Option(help="Which discovered feed to add when a page links to several.")
    ] = None,
    check: Annotated[bool, typer.Option(help="Fetch the URL first (discovery, feed title).")] = True,
) -> None:
    """Register a feed (a running poller picks it up within seconds)."""
    import asyncio

    from pydantic import ValidationError

    from ingest.feedlist import FeedSpec
    from ingest.registry import discover_feed
    from wirewatch.schema import describe_validation_error

    def spec_for(feed_url: str) -> FeedSpec:
        try:
            return FeedSpec(
                url=feed_url,
                name=name,
                interval=interval,
                min_interval=min_interval,
                max_interval=max_interval,
                tags=tuple(tag or ()),
                fulltext=fulltext,
            )
        except ValidationError as exc:
            raise UsageError(describe_validation_error(exc)) from None

    spec = spec_for(url)  # validate the arguments before any network access
    settings = cli_settings()
    if check:
        found = asyncio.run(discover_feed(settings, spec.url))
        if found.feed_url is None:
            chosen = _choose(url, found.candidates, pick)
            spec = spec_for(chosen.url)
            name = name or chosen.title or None
        else:
            spec = spec_for(found.feed_url)
            name = name or found.title
        spec = spec.model_copy(update={"name": name})
    store = _store()
    feed = store.add(spec)
    cadence = f"every {feed.interval}s" if feed.interval else "adaptive interval"
    console.print(f"added {feed.label} <{feed.url}> ({cadence})", markup=False)


@app.command("import")
def feeds_import(
    file: Annotated[
        Path, typer.Argument(help="An OPML file (.opml/.xml) or a YAML feed list.", exists=False)
    ],
) -> None:
    """Register every feed of an OPML or YAML file (feeds already registered are skipped)."""
    from ingest.feedlist import load_feed_list
    from ingest.opml import read_opml

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}") from None
    is_opml = file.suffix.lower() in {".opml", ".xml"} or data.lstrip()[:200].lower().find(b"<opml") >= 0
    specs = read_opml(data, str(file)) if is_opml else load_feed_list(file)
    added, skipped = _store().import_specs(specs, "opml" if is_opml else "import")
    console.print(f"imported {len(added)} feeds, {len(skipped)} already registered", markup=False)


@app.command("export")
def feeds_export(
    fmt: Annotated[str, typer.Option("--format", help="opml or yaml.")] = "opml",
    include_paused: Annotated[bool, typer.Option(help="Also export paused and removed feeds.")] = False,
) -> None:
    """Print the feed list as OPML (for any feed reader) or as a wirewatch YAML feed list."""
    import yaml

    from ingest.opml import write_opml

    if fmt not in {"opml", "yaml"}:
        raise UsageError("--format must be opml or yaml")
    specs = [f.spec() for f in _store().list(active_only=not include_paused)]
    if fmt == "opml":
        sys.stdout.write(write_opml(specs))
        return
    entries = [s.model_dump(exclude_defaults=True, mode="json") for s in specs]
    sys.stdout.write(yaml.safe_dump({"feeds": entries}, allow_unicode=True, sort_keys=False))


@app.command("remove")
def feeds_remove(url: str) -> None:
    """Stop polling a feed (its articles stay searchable, its history stays visible)."""
    feed = _store().remove(url)
    console.print(f"removed {feed.url}", markup=False)


@app.command("resume")
def feeds_resume(url: str) -> None:
    """Poll a paused (gone, moved) or removed feed again."""
    feed = _store().resume(url)
    console.print(f"resumed {feed.url}", markup=False)


def _until(when: float | None) -> str:
    if when is None:
        return "-"
    delta = when - time.time()
    if delta <= 0:
        return "due"
    for unit, seconds in (("h", 3_600), ("m", 60)):
        if delta >= seconds:
            return f"in {delta / seconds:.0f}{unit}"
    return f"in {delta:.0f}s"


@app.command("list")
def feeds_list(as_json: JsonFlag = False) -> None:
    """Every feed: status, last success, last error, failures in a row, items/day, next poll."""
    from ingest.registry import feed_health

    feeds = _store().list()
    if as_json:
        for feed in feeds:
            json_line(feed_health(feed))
        return
    console.print(
        f"{'FEED':<36} {'STATUS':<14} {'LAST OK':<9} {'FAIL':>4} {'ITEMS/D':>7} {'NEXT':<8} LAST ERROR"
    )
    for feed in feeds:
        status = feed.last_status or "new" if feed.active else "paused"
        error = (
            feed.inactive_reason if not feed.active else feed.last_error if feed.consecutive_failures else ""
        )
        console.print(
            f"{feed.label[:36]:<36} {status:<14} {ago(feed.last_success):<9} {feed.consecutive_failures:>4} "
            f"{feed.items_per_day():>7.1f} {_until(feed.next_poll) if feed.active else '-':<8} "
            f"{(error or '').splitlines()[0][:80] if error else ''}",
            markup=False,
        )


@app.command("show")
def feeds_show(
    url: str,
    history: Annotated[int, typer.Option(help="How many recent polls to show.", min=1, max=100)] = 20,
    as_json: JsonFlag = False,
) -> None:
    """One feed in detail, with its recent poll history."""
    from ingest.registry import feed_health

    store = _store()
    feed = store.get(url)
    if feed is None:
        raise UsageError(f"no feed {url}")
    rows = store.history(feed, history)
    if as_json:
        json_line(feed_health(feed) | {"aliases": store.aliases(feed), "history": [r.__dict__ for r in rows]})
        return
    facts = feed_health(feed)
    lines = [
        f"feed        {feed.label}",
        f"url         {feed.url}",
        f"state       {'active' if feed.active else 'paused: ' + (feed.inactive_reason or '')}",
        f"tags        {', '.join(feed.tags) or '-'}",
        f"last ok     {ago(feed.last_success)}   failures in a row {feed.consecutive_failures}",
        f"items       {feed.items_total} total, {facts['items_per_day']} per day",
        f"next poll   {_until(feed.next_poll) if feed.active else '-'}",
        f"websub      {feed.websub_state or '-'}" + (f" via {feed.websub_hub}" if feed.websub_hub else ""),
    ]
    if store.aliases(feed):
        lines.append(f"moved from  {', '.join(store.aliases(feed))}")
    for line in lines:
        console.print(line, markup=False)
    console.print("\nWHEN       VIA   STATUS         HTTP  NEW  SECONDS  ERROR", markup=False)
    for r in rows:
        console.print(
            f"{ago(r.at):<10} {r.via:<5} {r.status:<14} {r.http_status or '-':>4} {r.items:>4} "
            f"{(r.elapsed or 0):>8.2f}  {(r.error or '')[:80]}",
            markup=False,
        )
