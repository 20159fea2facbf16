"""`wirewatch search`: full-text search with the query language."""

from __future__ import annotations

from typing import Annotated

import typer

from wirewatch.cli.common import JsonFlag, cli_settings
from wirewatch.cli.output import ago, console, json_line, marked
from wirewatch.durations import parse_duration
from wirewatch.errors import UsageError


def search(
    query: str,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Hits to show.")] = 10,
    since: Annotated[str | None, typer.Option(help="Only articles published within, e.g. 24h, 7d.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
    entity: Annotated[list[str] | None, typer.Option(help="Only articles naming this entity.")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Only articles with this topic.")] = None,
    lang: Annotated[list[str] | None, typer.Option(help="Only this language code.")] = None,
    sort: Annotated[str, typer.Option(help="relevance or newest.")] = "relevance",
    facets: Annotated[bool, typer.Option(help="Show top sources, entities and topics instead.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Full-text search of indexed articles with the wirewatch query language."""
    from search.backends import open_backend
    from search.backends.base import SearchFilters
    from search.query import QueryError, parse

    try:
        node = parse(query)
    except QueryError as exc:
        raise UsageError(f"invalid query: {exc}") from None
    if sort not in {"relevance", "newest"}:
        raise UsageError(f"--sort must be relevance or newest, not {sort!r}")
    try:
        window = parse_duration(since) if since else None
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    filters = SearchFilters(
        since=window,
        sources=tuple(source or ()),
        entities=tuple(entity or ()),
        topics=tuple(topic or ()),
        languages=tuple(lang or ()),
    )
    backend = open_backend(cli_settings(), readonly=True)
    try:
        if facets:
            counts = backend.facets(node, filters=filters, size=limit)
            if as_json:
                json_line(counts)
            for field, values in counts.items() if not as_json else ():
                console.print(f"[bold]{field}[/]: " + ", ".join(f"{v} ({n})" for v, n in values))
            return
        result = backend.search(node, filters=filters, sort=sort, size=limit)  # type: ignore[arg-type]
    finally:
        backend.close()
    for hit in result.hits:
        a = hit.article
        if as_json:
            json_line(
                {
                    "id": a.id,
                    "title": a.title,
                    "url": a.url,
                    "source": a.source,
                    "published": a.published.isoformat(),
                    "score": round(hit.score, 4),
                    "highlight": hit.highlight,
                }
            )
        else:
            console.print(f"[bold]{marked(a.title)}[/]")
            console.print(f"  {a.source} · {ago(a.published)} · {a.url or a.id}", markup=False)
            console.print(f"  {marked(hit.highlight)}\n")
    if not as_json:
        console.print(f"{result.total} matching articles", style="dim")


def register(app: typer.Typer) -> None:
    """Add the search commands to the main app."""
    app.command()(search)
