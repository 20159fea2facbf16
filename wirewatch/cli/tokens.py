"""`wirewatch tokens create|list|revoke` and `wirewatch api`: the HTTP API and who may use it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from wirewatch.cli.common import JsonFlag, cli_settings
from wirewatch.cli.output import ago, console, json_line

tokens_app = typer.Typer(help="Manage HTTP API tokens (stored hashed in the data dir).", no_args_is_help=True)


@tokens_app.command("create")
def tokens_create(
    name: str,
    scope: Annotated[str, typer.Option(help="read, or write (which can also read).")] = "read",
) -> None:
    """Create a token and print it once: only its hash is kept."""
    from wirewatch.api.tokens import TokenStore

    store = TokenStore(cli_settings().api_db)
    try:
        token, secret = store.create(name, scope)
    finally:
        store.close()
    console.print(f"created {token.scope} token {token.name!r}; it is shown only now:", markup=False)
    print(secret)


@tokens_app.command("list")
def tokens_list(as_json: JsonFlag = False) -> None:
    """Every token: name, scope, when created and last used, whether revoked (never the secret)."""
    from wirewatch.api.tokens import TokenStore

    store = TokenStore(cli_settings().api_db)
    try:
        tokens = store.list()
    finally:
        store.close()
    for t in tokens:
        if as_json:
            json_line(
                {
                    "name": t.name,
                    "scope": t.scope,
                    "created": datetime.fromtimestamp(t.created, UTC).isoformat(),
                    "last_used": t.last_used,
                    "revoked": t.revoked is not None,
                }
            )
            continue
        state = "revoked" if t.revoked is not None else f"last used {ago(t.last_used)}"
        console.print(f"{t.name:<30} {t.scope:<6} created {ago(t.created):<10} {state}", markup=False)


@tokens_app.command("revoke")
def tokens_revoke(name: str) -> None:
    """Revoke a token: the API refuses it from the next request on."""
    from wirewatch.api.tokens import TokenStore

    store = TokenStore(cli_settings().api_db)
    try:
        store.revoke(name)
    finally:
        store.close()
    console.print(f"revoked {name!r}", markup=False)


def api(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default WIREWATCH_API_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (default WIREWATCH_API_PORT, 8765).")
    ] = None,
) -> None:
    """Serve the HTTP API and web console (what `run` starts; docs/api.md)."""
    from wirewatch.api.server import serve

    serve(cli_settings(), host, port)


def register(app: typer.Typer) -> None:
    """Add `api` and `tokens ...` to the main app."""
    app.command()(api)
    app.add_typer(tokens_app, name="tokens")
