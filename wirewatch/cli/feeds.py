"""`wirewatch feeds ...`: the feeds that are polled."""

from __future__ import annotations

from typing import Annotated

import typer

from wirewatch.cli.common import JsonFlag, cli_settings
from wirewatch.cli.output import console, json_line
from wirewatch.errors import UsageError

app = typer.Typer(help="Manage the feeds that are polled.", no_args_is_help=True)


@app.command("add")
def feeds_add(
    url: str,
    name: Annotated[str | None, typer.Option(help="Display name (default: the feed's title).")] = None,
    interval: Annotated[int | None, typer.Option(help="Seconds between polls.", min=10, max=86400)] = None,
) -> None:
    """Register a feed to poll (picked up by a running pipeline within seconds)."""
    from pydantic import ValidationError

    from ingest.feedlist import FeedSpec
    from ingest.state import FeedStore
    from wirewatch.schema import describe_validation_error

    try:
        spec = FeedSpec(url=url, name=name, interval=interval)
    except ValidationError as exc:
        raise UsageError(describe_validation_error(exc)) from None
    settings = cli_settings()
    feed = FeedStore(settings.feeds_db).add(spec)
    console.print(f"added {feed.url} (every {feed.interval or settings.poll_interval}s)", markup=False)


@app.command("remove")
def feeds_remove(url: str) -> None:
    """Stop polling a feed (its articles stay searchable)."""
    from ingest.state import FeedStore

    FeedStore(cli_settings().feeds_db).remove(url)
    console.print(f"removed {url}", markup=False)


@app.command("list")
def feeds_list(as_json: JsonFlag = False) -> None:
    """Every feed with its last success, last error and item count."""
    from ingest.poller import load_feeds
    from ingest.state import FeedStore
    from wirewatch.status import feed_line, feeds_status

    settings = cli_settings()
    load_feeds(settings, FeedStore(settings.feeds_db))
    for f in feeds_status(settings):
        if as_json:
            json_line(f)
        else:
            console.print(f"{feed_line(f)}  {f['url']}", markup=False)
