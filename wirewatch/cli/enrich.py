"""`wirewatch enrich`: enrich one article and print it, or explain how each tag was produced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wirewatch.cli.common import cli_settings
from wirewatch.cli.output import console

if TYPE_CHECKING:
    from stream.enrich import Explanation

MAX_INPUT_BYTES = 50_000_000


def enrich(
    file: Annotated[Path | None, typer.Argument(help="Article JSON or plain text (default: stdin).")] = None,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Show which rule, alias, gazetteer entry or model produced each tag."),
    ] = False,
) -> None:
    """Print the enriched article (language, entities, topics, story cluster) for one article.

    The story cluster is looked up in the data dir's cluster store without recording the article.
    """
    from stream.enrich import Enricher
    from stream.enrich.article_input import article_from_input, read_input

    settings = cli_settings()
    raw = read_input(file, MAX_INPUT_BYTES)
    article = article_from_input(raw, str(file) if file else "stdin")
    enricher = Enricher.from_settings(settings, record_clusters=False)
    try:
        enriched, why = enricher.explain([article])[0]
    finally:
        enricher.close()
    if not explain:
        print(json.dumps(enriched.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    for line in explanation_lines(enriched.model_dump(mode="json"), why):
        console.print(line, markup=False)


def explanation_lines(article: dict[str, Any], why: Explanation) -> list[str]:
    """Human-readable lines: language, then each entity, topic and the cluster with their sources."""
    lines = [f"language  {article['language'] or 'unknown'}  ({why.ner})", "", "entities"]
    if not why.entities:
        lines.append("  (none)")
    for trace in why.entities:
        e = trace.entity
        lines.append(f"  {e.name}  {e.type}  x{e.mentions}  first at {e.first_offset}")
        lines.extend(f"      <- {rule}" for rule in trace.rules)
    lines += ["", "topics"]
    if not why.topics:
        lines.append("  (none)")
    for match in why.topics:
        rule = match.rule
        conditions = [f"query {rule.query!r}"] if rule.query else []
        if rule.entities is not None:
            conditions.append(f"entities {rule.entities.model_dump(exclude_defaults=True)}")
        lines.append(
            f"  {match.topic}  <- rule {match.rule_index} ({match.origin}): {' AND '.join(conditions)}"
        )
        lines.append(f"      evidence: {', '.join(match.evidence)}")
    lines += ["", "story cluster"]
    cluster = why.cluster
    if cluster is None:
        lines.append("  (no cluster store: WIREWATCH_CLUSTERS=0 or the stream has not run yet)")
    elif cluster.similar_to:
        lines.append(
            f"  {cluster.cluster_id}  size {cluster.size}  <- similar to article {cluster.similar_to}"
            f" ({cluster.measure} {cluster.similarity:.2f})"
        )
    else:
        lines.append(f"  {cluster.cluster_id}  <- no similar recent article: a new story")
    return lines


def register(app: typer.Typer) -> None:
    """Add the enrich command to the main app."""
    app.command()(enrich)
