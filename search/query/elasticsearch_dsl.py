"""Compile the query AST to Elasticsearch query DSL over the pre-analysed token fields.

Documents carry the analyser's token streams (see search.document.token_fields) in fields that
Elasticsearch splits on spaces only, so a term here is exactly a token there. Each construct is
chosen to be exact, never approximate:
- a phrase is `match_phrase` (slop 0); a prefix is `prefix`, inside a phrase `span_multi`
  (neither truncates its expansion the way `match_phrase_prefix` does);
- NEAR is an unordered `span_near`. Lucene's unordered slop is (last end - first start - sum of
  the operands' lengths); FTS5 NEAR/N asks for (latest start - earliest end) <= N. For two
  operands the two are equal for every placement, overlaps included, so slop = N. For k >= 3
  single words (the parser allows nothing else) FTS5 asks last - first <= N + 1 and Lucene
  last - first <= slop + k - 1, so slop = N + 2 - k; when that is negative no k distinct words
  fit and the clause matches nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from search.document import FIELD_WEIGHTS
from search.query.ast import And, DateRange, Keyword, Near, Node, Not, Or, Phrase
from wirewatch.schema import utcnow

STEM_FIELDS = {"title": "tokens.title", "body": "tokens.body"}
EXACT_FIELDS = {"title": "tokens.title_exact", "body": "tokens.body_exact"}
KEY_FIELDS = {name: f"keys.{name}" for name in ("source", "entity", "topic", "lang")}
DATE_FIELD = "published"
_RANGE_OPS = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}

Query = dict[str, Any]
MATCH_ALL: Query = {"match_all": {}}
MATCH_NONE: Query = {"match_none": {}}


def _any_of(clauses: list[Query]) -> Query:
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def _token_field(phrase: Phrase, field: str) -> str:
    return (EXACT_FIELDS if phrase.exact else STEM_FIELDS)[field]


def _phrase_in(phrase: Phrase, field: str) -> Query:
    name, boost = _token_field(phrase, field), FIELD_WEIGHTS[field]
    *head, last = phrase.words
    if not phrase.prefix:
        if not head:
            return {"term": {name: {"value": last, "boost": boost}}}
        return {"match_phrase": {name: {"query": " ".join(phrase.words), "boost": boost}}}
    if not head:
        return {"prefix": {name: {"value": last, "boost": boost}}}
    return {"span_near": {**_span_phrase(phrase, name)["span_near"], "boost": boost}}


def _span_phrase(phrase: Phrase, name: str) -> Query:
    """A phrase as a span (for span_near and phrase prefixes): consecutive, in order."""
    spans: list[Query] = [{"span_term": {name: word}} for word in phrase.words]
    if phrase.prefix:
        spans[-1] = {"span_multi": {"match": {"prefix": {name: {"value": phrase.words[-1]}}}}}
    if len(spans) == 1:
        return spans[0]
    return {"span_near": {"clauses": spans, "slop": 0, "in_order": True}}


def _near_in(node: Near, field: str) -> Query:
    count = len(node.phrases)
    slop = node.distance if count == 2 else node.distance + 2 - count
    if slop < 0:
        return MATCH_NONE
    clauses = [_span_phrase(p, _token_field(p, field)) for p in node.phrases]
    return {"span_near": {"clauses": clauses, "slop": slop, "in_order": False, "boost": FIELD_WEIGHTS[field]}}


class ElasticsearchCompiler:
    """Turns an AST into a query; relative dates resolve against `now`."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or utcnow()

    def compile(self, node: Node | None) -> Query:
        return MATCH_ALL if node is None else self.query(node)

    def query(self, node: Node) -> Query:
        if isinstance(node, Phrase):
            return _any_of([_phrase_in(node, f) for f in node.fields])
        if isinstance(node, Near):
            return _any_of([_near_in(node, f) for f in node.phrases[0].fields])
        if isinstance(node, Keyword):
            return {"term": {KEY_FIELDS[node.field]: node.value}}
        if isinstance(node, DateRange):
            bound = node.resolve(self.now).isoformat()
            return {"range": {DATE_FIELD: {_RANGE_OPS[node.op]: bound}}}
        if isinstance(node, And):
            return self._and(node)
        if isinstance(node, Or):
            return _any_of([self.query(c) for c in node.children])
        if isinstance(node, Not):
            return {"bool": {"must_not": [self.query(node.child)]}}
        raise TypeError(f"unknown query node {node!r}")  # pragma: no cover

    def _and(self, node: And) -> Query:
        """Text clauses score (`must`); keyword and date clauses only filter."""
        must: list[Query] = []
        filters: list[Query] = []
        must_not: list[Query] = []
        for child in node.children:
            if isinstance(child, Not):
                must_not.append(self.query(child.child))
            elif isinstance(child, Keyword | DateRange):
                filters.append(self.query(child))
            else:
                must.append(self.query(child))
        body = {"must": must, "filter": filters, "must_not": must_not}
        return {"bool": {key: value for key, value in body.items() if value}}
