"""`wirewatch enrich`: enrich one article and print it, or explain how each tag was produced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wirewatch.cli.common import cli_settings
from wirewatch.cli.output import console
from wirewatch.errors import UsageError

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
        if match.probability is not None:
            verdict = "kept" if match.kept else "NOT KEPT"
            lines.append(
                f"      classifier: probability {match.probability:.2f}, floor {match.floor:.2f}: {verdict}"
            )
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


def train_topics(
    files: Annotated[
        list[Path], typer.Argument(help="YAML files of labelled articles (title, text, topics).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write the classifier.")] = Path(
        "topic_classifier.npz"
    ),
) -> None:
    """Train the topic classifier on labelled articles (the evaluation set's format).

    Use it with WIREWATCH_TOPIC_CLASSIFIER_FILE; it then vetoes the topics it was trained on.
    """
    from stream.enrich.datafiles import load_file
    from stream.enrich.topic_classifier import LabelledFile, train

    examples = [article for path in files for article in load_file(path, LabelledFile).articles]
    classifier = train(examples)
    try:
        classifier.save(out)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    console.print(
        f"{out}: {len(classifier.topics)} topics learnt from {len(examples)} articles", markup=False
    )


def register(app: typer.Typer) -> None:
    """Add the enrich and train-topics commands to the main app."""
    app.command()(enrich)
    app.command("train-topics")(train_topics)
