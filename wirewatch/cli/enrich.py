"""`wirewatch enrich`: enrich one article and print it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from wirewatch.cli.common import cli_settings


def enrich(
    file: Annotated[Path | None, typer.Argument(help="Article JSON or plain text (default: stdin).")] = None,
) -> None:
    """Print the enriched article (language, entities, topics) for one article."""
    from stream.enrich import Enricher
    from stream.enrich_input import article_from_input

    raw = file.read_bytes() if file is not None else sys.stdin.buffer.read()
    article = article_from_input(raw, str(file) if file else "stdin")
    settings = cli_settings()
    enriched = Enricher(settings.spacy_model if settings.ner else None).enrich([article])[0]
    print(json.dumps(enriched.model_dump(mode="json"), ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    """Add the enrich command to the main app."""
    app.command()(enrich)
