"""`wirewatch search` (full-text search with the query language) and `wirewatch query explain`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from wirewatch.cli.common import JsonFlag, cli_settings
from wirewatch.cli.output import ago, console, json_line, marked
from wirewatch.durations import parse_duration
from wirewatch.errors import UsageError

if TYPE_CHECKING:
    from search.query import Node

query_app = typer.Typer(help="Inspect the query language.", no_args_is_help=True)


def _parse(query: str) -> Node:
    """The AST of a query; a bad query is a usage error (one line, exit 2)."""
    from search.query import QueryError, parse

    try:
        return parse(query)
    except QueryError as exc:
        raise UsageError(f"invalid query: {exc}") from None


def search(
    query: str,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Hits (or facet values) to show.")] = 10,
    page: Annotated[int, typer.Option(min=1, max=1000, help="Page of hits to show.")] = 1,
    since: Annotated[str | None, typer.Option(help="Only articles published within, e.g. 24h, 7d.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
    entity: Annotated[list[str] | None, typer.Option(help="Only articles naming this entity.")] = None,
    topic: Annotated[
        list[str] | None, typer.Option(help="Only articles with this topic (or a subtopic).")
    ] = None,
    lang: Annotated[list[str] | None, typer.Option(help="Only this language code.")] = None,
    sort: Annotated[str, typer.Option(help="relevance or newest.")] = "relevance",
    facets: Annotated[
        bool, typer.Option(help="Show top sources, entities, topics, languages instead.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Full-text search of indexed articles with the wirewatch query language (docs/query-language.md)."""
    from search.backends import open_backend
    from search.backends.base import SearchFilters

    node = _parse(query)
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
        else:
            result = backend.search(node, filters=filters, sort=sort, page=page, size=limit)  # type: ignore[arg-type]
    finally:
        backend.close()
    if facets:
        if as_json:
            json_line(
                {field: [{"value": v, "count": n} for v, n in values] for field, values in counts.items()}
            )
            return
        for field, values in counts.items():
            shown = ", ".join(f"{v} ({n})" for v, n in values) or "-"
            console.print(f"[bold]{field}[/]: ", end="")
            console.print(shown, markup=False)
        return
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
        shown = f"{(page - 1) * limit + 1}-{(page - 1) * limit + len(result.hits)} of " if result.hits else ""
        at_least = "" if result.total_exact else "+"
        console.print(f"{shown}{result.total:,}{at_least} matching articles", style="dim")


@query_app.command()
def explain(query: str, as_json: JsonFlag = False) -> None:
    """Print a query's AST, its SQLite FTS5 SQL and its Elasticsearch DSL."""
    from search.query.explain import explain as explain_query

    facts = explain_query(_parse(query)).as_dict()
    params = json.dumps(facts["sqlite"]["params"], ensure_ascii=False)
    if as_json:
        json_line(facts)
        return
    for title, text in (
        ("Query", facts["query"]),
        ("AST", facts["ast"]),
        (
            "SQLite FTS5",
            f"{facts['sqlite']['sql']}\n-- params: {params}",
        ),
        ("Elasticsearch", json.dumps(facts["elasticsearch"], indent=2, ensure_ascii=False)),
    ):
        console.print(f"[bold]{title}[/]")
        console.print(text + "\n", markup=False)


def register(app: typer.Typer) -> None:
    """Add `search` and `query explain` to the main app."""
    app.command()(search)
    app.add_typer(query_app, name="query")
