"""In-process evaluation of a query against one article: the stream's alert matcher.

An article is analysed once into a `PreparedDoc` (token positions per field, keyword sets);
any number of compiled queries then test it without re-analysing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from search.analysis import analyse
from search.document import keyword_fields, text_fields
from search.query.ast import And, DateRange, Keyword, Near, Node, Not, Or, Phrase
from wirewatch.schema import Article, utcnow


@dataclass(frozen=True)
class FieldIndex:
    """Positions of each stemmed and exact word in one text field."""

    stems: dict[str, list[int]]
    exacts: dict[str, list[int]]

    @classmethod
    def of(cls, text: str) -> FieldIndex:
        exact, stemmed = analyse(text)
        return cls(_positions(stemmed.split()), _positions(exact.split()))


def _positions(words: list[str]) -> dict[str, list[int]]:
    out: defaultdict[str, list[int]] = defaultdict(list)
    for position, word in enumerate(words):
        out[word].append(position)
    return dict(out)


@dataclass(frozen=True)
class PreparedDoc:
    """An article analysed once for matching against many queries."""

    fields: dict[str, FieldIndex]
    keywords: dict[str, set[str]]
    published: datetime

    @classmethod
    def of(cls, article: Article) -> PreparedDoc:
        return cls(
            {name: FieldIndex.of(text) for name, text in text_fields(article).items()},
            keyword_fields(article),
            article.published,
        )


Predicate = Callable[[PreparedDoc], bool]


def phrase_starts(phrase: Phrase, index: FieldIndex) -> list[int]:
    """Sorted start positions of `phrase` in a field (the last word a prefix when `phrase.prefix`)."""
    table = index.exacts if phrase.exact else index.stems
    *head, last = phrase.words
    if phrase.prefix:
        last_positions = sorted(
            pos for word, positions in index.exacts.items() if word.startswith(last) for pos in positions
        )
    else:
        last_positions = table.get(last, [])
    if not head:
        return list(last_positions)
    first = table.get(head[0], [])
    later = [set(table.get(word, ())) for word in head[1:]]
    last_set = set(last_positions)
    n = len(head)
    return [
        start
        for start in first
        if all(start + i + 1 in positions for i, positions in enumerate(later)) and start + n in last_set
    ]


def near_in_field(phrases: Sequence[Phrase], distance: int, index: FieldIndex) -> bool:
    """FTS5 NEAR semantics: one instance of each phrase such that the latest start is at most
    `distance` words after the earliest end (max(start) - min(start + length) <= distance).

    Some instance ends first, at x; the group exists iff every phrase has an instance with
    x - length <= start <= x + distance, so trying each instance's end as x is exact.
    """
    starts = [phrase_starts(p, index) for p in phrases]
    if not all(starts):
        return False
    lengths = [len(p.words) for p in phrases]
    for own, length in zip(starts, lengths, strict=True):
        for start in own:
            end = start + length
            if all(_any_between(s, end - n, end + distance) for s, n in zip(starts, lengths, strict=True)):
                return True
    return False


def _any_between(sorted_positions: list[int], low: int, high: int) -> bool:
    i = bisect_left(sorted_positions, low)
    return i < len(sorted_positions) and sorted_positions[i] <= high


def compile_query(node: Node, now: datetime | None = None) -> Predicate:
    """Compile an AST into a predicate; relative dates resolve against `now` (default: at call)."""
    if isinstance(node, Phrase):
        fields = node.fields
        return lambda doc: any(phrase_starts(node, doc.fields[f]) for f in fields)
    if isinstance(node, Near):
        phrases, distance, fields = node.phrases, node.distance, node.phrases[0].fields
        return lambda doc: any(near_in_field(phrases, distance, doc.fields[f]) for f in fields)
    if isinstance(node, Keyword):
        field, value = node.field, node.value
        return lambda doc: value in doc.keywords[field]
    if isinstance(node, DateRange):
        return _date_predicate(node, now)
    if isinstance(node, And):
        parts = [compile_query(c, now) for c in node.children]
        return lambda doc: all(p(doc) for p in parts)
    if isinstance(node, Or):
        parts = [compile_query(c, now) for c in node.children]
        return lambda doc: any(p(doc) for p in parts)
    if isinstance(node, Not):
        inner = compile_query(node.child, now)
        return lambda doc: not inner(doc)
    raise TypeError(f"unknown query node {node!r}")


def _date_predicate(node: DateRange, now: datetime | None) -> Predicate:
    compare: dict[str, Callable[[datetime, datetime], bool]] = {
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
    }
    op = compare[node.op]
    return lambda doc: op(doc.published, node.resolve(now or utcnow()))


def matches(node: Node, article: Article, now: datetime | None = None) -> bool:
    """Does one article match one query? (Convenience; the stream prepares docs once.)"""
    return compile_query(node, now)(PreparedDoc.of(article))
