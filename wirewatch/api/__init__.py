"""The HTTP API and web console: FastAPI over the same stores the CLI and the pipeline use.

`create_app(settings)` builds the app; `wirewatch api` serves it alone, `wirewatch run` as a
supervised child. Contract and examples: docs/api.md.
"""

from wirewatch.api.app import create_app

__all__ = ["create_app"]
