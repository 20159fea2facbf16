"""Query AST: immutable nodes that every compiler (matcher, SQLite FTS5, Elasticsearch) reads.

Text nodes carry already analysed tokens, so compilers never re-tokenise user input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from wirewatch.durations import UNITS

# Which full-text fields a text node searches.
ALL_TEXT = ("title", "body")


@dataclass(frozen=True)
class Phrase:
    """Consecutive words (one word is a one-word phrase) in any of `fields`.

    `exact` matches folded unstemmed forms; `prefix` makes the last word a prefix (exact form).
    """

    words: tuple[str, ...]
    fields: tuple[str, ...] = ALL_TEXT
    exact: bool = False
    prefix: bool = False

    def __str__(self) -> str:
        body = " ".join(self.words)
        text = f'"{body}"' if len(self.words) > 1 else body
        text = ("=" if self.exact and not self.prefix else "") + text + ("*" if self.prefix else "")
        return text if self.fields == ALL_TEXT else f"{'|'.join(self.fields)}:{text}"


@dataclass(frozen=True)
class Near:
    """All phrases within `distance` words of each other, in any order, in one field."""

    phrases: tuple[Phrase, ...]
    distance: int

    def __str__(self) -> str:
        return f"NEAR/{self.distance}({' '.join(str(p) for p in self.phrases)})"


@dataclass(frozen=True)
class Keyword:
    """Exact (folded) value of a keyword field: source, entity, topic or lang."""

    field: str
    value: str

    def __str__(self) -> str:
        return f'{self.field}:"{self.value}"'


@dataclass(frozen=True)
class DateRange:
    """Published time bound; `relative` keeps the user's `now-24h` form for display."""

    field: str
    op: str  # one of > >= < <=
    value: datetime | None = None
    relative_seconds: int | None = None

    def resolve(self, now: datetime) -> datetime:
        """The absolute bound, relative forms being taken from `now`."""
        if self.value is not None:
            return self.value
        assert self.relative_seconds is not None
        return now - timedelta(seconds=self.relative_seconds)

    def __str__(self) -> str:
        if self.value is not None:
            bound = self.value.isoformat().replace("+00:00", "Z")
        else:
            seconds = self.relative_seconds or 0
            unit = next(u for u in "wdhms" if seconds % UNITS[u] == 0)
            bound = f"now-{seconds // UNITS[unit]}{unit}" if seconds else "now"
        return f"{self.field}:{self.op}{bound}"


@dataclass(frozen=True)
class And:
    """All children match."""

    children: tuple[Node, ...]

    def __str__(self) -> str:
        return "(" + " AND ".join(str(c) for c in self.children) + ")"


@dataclass(frozen=True)
class Or:
    """At least one child matches."""

    children: tuple[Node, ...]

    def __str__(self) -> str:
        return "(" + " OR ".join(str(c) for c in self.children) + ")"


@dataclass(frozen=True)
class Not:
    """The child does not match."""

    child: Node

    def __str__(self) -> str:
        return f"NOT {self.child}"


Node = Phrase | Near | Keyword | DateRange | And | Or | Not
TEXT_NODES = (Phrase, Near)


def walk(node: Node) -> list[Node]:
    """All nodes of a tree, parents before children."""
    out: list[Node] = [node]
    if isinstance(node, And | Or):
        for child in node.children:
            out.extend(walk(child))
    elif isinstance(node, Not):
        out.extend(walk(node.child))
    return out


def positive_text(node: Node, negated: bool = False) -> list[Phrase]:
    """Phrases that count towards a match (not under NOT): what highlighting marks."""
    if isinstance(node, Phrase):
        return [] if negated else [node]
    if isinstance(node, Near):
        return [] if negated else list(node.phrases)
    if isinstance(node, And | Or):
        return [p for child in node.children for p in positive_text(child, negated)]
    if isinstance(node, Not):
        return positive_text(node.child, not negated)
    return []


def is_negative_only(node: Node) -> bool:
    """True when the query can only match by exclusion (e.g. `NOT sport`)."""
    if isinstance(node, Not):
        return True
    if isinstance(node, And):
        return all(is_negative_only(c) for c in node.children)
    if isinstance(node, Or):
        return any(is_negative_only(c) for c in node.children)
    return False
