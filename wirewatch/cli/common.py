"""What every CLI module shares: the --json flag and settings loading (which also sets up logging)."""

from __future__ import annotations

from typing import Annotated

import typer

from wirewatch.logs import setup_logging
from wirewatch.settings import Settings, load_settings

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (one object per line) instead of text.")]


def cli_settings() -> Settings:
    """Load and validate settings once per command, and configure logging from them."""
    loaded = load_settings()
    setup_logging(loaded.log_level)
    return loaded
