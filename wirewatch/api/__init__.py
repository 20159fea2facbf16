"""The HTTP API and web console: FastAPI over the same stores the CLI and the pipeline use.

`wirewatch.api.app.create_app(settings)` builds the app; `wirewatch api` serves it alone,
`wirewatch run` as a supervised child. Contract and examples: docs/api.md. Nothing is imported
here, so `wirewatch tokens` loads the token store without the app (and spaCy behind it).
"""
