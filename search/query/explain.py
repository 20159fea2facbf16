"""What a query means and how each place runs it: the AST and both backend translations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from search.query.ast import And, DateRange, Keyword, Near, Node, Not, Or, Phrase
from search.query.elasticsearch_dsl import ElasticsearchCompiler
from search.query.fts5 import COMMON_GRAMS, Fts5Compiler
from wirewatch.schema import utcnow


def _label(node: Node) -> str:
    if isinstance(node, Phrase):
        kind = "PREFIX" if node.prefix else ("EXACT" if node.exact else "STEMMED")
        words = " ".join(node.words)
        return f"{kind} {'PHRASE' if len(node.words) > 1 else 'WORD'} {words!r} in {'|'.join(node.fields)}"
    if isinstance(node, Near):
        return f"NEAR/{node.distance} in {'|'.join(node.phrases[0].fields)}"
    if isinstance(node, Keyword):
        return f"{node.field} = {node.value!r}"
    if isinstance(node, DateRange):
        return str(node)
    return type(node).__name__.upper()


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, And | Or):
        return node.children
    if isinstance(node, Not):
        return (node.child,)
    if isinstance(node, Near):
        return node.phrases
    return ()


def tree(node: Node) -> str:
    """The AST drawn as an indented tree, one node per line."""
    lines = [_label(node)]

    def draw(parent: Node, indent: str) -> None:
        kids = _children(parent)
        for i, child in enumerate(kids):
            last = i == len(kids) - 1
            lines.append(f"{indent}{'└─ ' if last else '├─ '}{_label(child)}")
            draw(child, indent + ("   " if last else "│  "))

    draw(node, "")
    return "\n".join(lines)


@dataclass(frozen=True)
class Explanation:
    """A parsed query, its SQLite FTS5 form and its Elasticsearch DSL."""

    node: Node
    sqlite_sql: str
    sqlite_params: list[object]
    elasticsearch: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": str(self.node),
            "ast": tree(self.node),
            "sqlite": {"sql": self.sqlite_sql, "params": self.sqlite_params},
            "elasticsearch": self.elasticsearch,
        }


def explain(node: Node, now: datetime | None = None) -> Explanation:
    """Translate one AST for both backends (relative dates resolved against one `now`; SQLite's
    as an index with the FTS5 extension runs it, with common grams)."""
    now = now or utcnow()
    clause, params = Fts5Compiler(now, COMMON_GRAMS).compile(node).from_clause()
    return Explanation(
        node=node,
        sqlite_sql=f"SELECT a.id {clause}",
        sqlite_params=params,
        elasticsearch={"query": ElasticsearchCompiler(now).compile(node)},
    )
