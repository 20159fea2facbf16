"""The `wirewatch` command: run the pipeline, manage feeds and subscriptions, search, inspect.

Every failure is one line on stderr (`wirewatch: error: ...`) and a non-zero exit: 2 for a bad
argument or query, 1 for anything else.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from wirewatch.cli import alerts, enrich, feeds, kibana, search, tokens
from wirewatch.cli.common import JsonFlag, cli_settings
from wirewatch.cli.output import console, json_line
from wirewatch.errors import WirewatchError

app = typer.Typer(
    name="wirewatch",
    help="Streaming news monitoring: feeds -> Kafka -> Faust -> search index and keyword alerts.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


# -- the pipeline -----------------------------------------------------------------------------


@app.command()
def run(
    demo: Annotated[bool, typer.Option(help="Also serve bundled sample feeds and alert on them.")] = False,
) -> None:
    """Start the whole pipeline on this machine (broker, stream worker, poller, API) until Ctrl-C."""
    from wirewatch.stack import run_stack

    raise typer.Exit(run_stack(cli_settings(), demo=demo))


@app.command()
def ingest() -> None:
    """Run one poller process (what `run` starts; scale out by running more)."""
    from ingest.service import run_ingest

    run_ingest(cli_settings())


@app.command()
def stream() -> None:
    """Run one Faust stream worker (what `run` starts; scale out by running more)."""
    from stream.worker import run_stream

    run_stream(cli_settings())


@app.command()
def setup() -> None:
    """Create the Kafka topics, install the Elasticsearch template, import the Kibana dashboards.

    Each step runs when its settings are given (Kafka always); rerunning is harmless.
    """
    from wirewatch.setup import run_setup

    for line in run_setup(cli_settings()):
        console.print(line, markup=False)


@app.command()
def healthcheck(
    max_age: Annotated[
        float | None,
        typer.Option(min=1, help="Seconds without a heartbeat before unhealthy (default: 3 intervals)."),
    ] = None,
) -> None:
    """Exit 0 when this container's stream worker or poller beat recently (a Docker health check)."""
    from wirewatch.heartbeat import check

    settings = cli_settings()
    age = check(settings.heartbeat_file, max_age or 3 * settings.heartbeat_interval)
    console.print(f"alive: last heartbeat {age:.0f}s ago")


@app.command()
def status(as_json: JsonFlag = False) -> None:
    """Broker and index reachability, consumer lag, alerts sent, and per-feed health."""
    from wirewatch.status import collect_status, status_lines

    facts = collect_status(cli_settings())
    if as_json:
        json_line(facts)
        return
    for line in status_lines(facts):
        console.print(line, markup=False)


app.add_typer(feeds.app, name="feeds")
app.add_typer(kibana.app, name="kibana")
alerts.register(app)
search.register(app)
enrich.register(app)
tokens.register(app)


# -- entry point ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error ends as one line and a non-zero exit code, never a traceback."""
    try:
        code = app(argv, standalone_mode=False, prog_name="wirewatch")
    except typer.TyperException as exc:
        print(f"wirewatch: error: {exc.format_message()}", file=sys.stderr)  # type: ignore[attr-defined]
        sys.exit(2)
    except WirewatchError as exc:
        print(f"wirewatch: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        logging.getLogger("wirewatch").debug("unexpected error", exc_info=True)
        print(
            f"wirewatch: internal error: {type(exc).__name__}: {exc}"
            " (set WIREWATCH_LOG_LEVEL=DEBUG for details)",
            file=sys.stderr,
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
