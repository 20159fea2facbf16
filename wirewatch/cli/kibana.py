"""`wirewatch kibana import`: load the wirewatch data views, saved search and dashboard into Kibana."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wirewatch.cli.common import cli_settings
from wirewatch.cli.output import console
from wirewatch.errors import ConfigError

app = typer.Typer(help="Kibana dashboards for the production deployment.", no_args_is_help=True)


@app.command("import")
def import_objects(
    url: Annotated[str | None, typer.Option(help="Kibana URL (default: WIREWATCH_KIBANA_URL).")] = None,
    file: Annotated[
        Path | None, typer.Option(help="Saved-objects NDJSON (default: deploy/kibana/wirewatch.ndjson).")
    ] = None,
) -> None:
    """Import (and overwrite) the saved objects; rerunning is harmless."""
    from wirewatch.kibana import import_saved_objects, objects_file

    settings = cli_settings()
    kibana_url = url or settings.kibana_url
    if not kibana_url:
        raise ConfigError("no Kibana URL: pass --url or set WIREWATCH_KIBANA_URL")
    path = objects_file(settings, file)
    count = import_saved_objects(settings, kibana_url, path)
    console.print(
        f"imported {count} saved objects from {path.name} into Kibana at {kibana_url}", markup=False
    )
