"""Compile the query AST to SQLite: an FTS5 MATCH expression plus SQL conditions.

The FTS5 table holds pre-analysed token streams (see search.analysis) in four columns: stemmed
and exact forms of title and body. Keyword fields live in `article_keywords`, dates in
`articles.published` (epoch seconds). Text subtrees FTS5 can express (every NOT beside a
positive term) become one MATCH string; anything else becomes SQL over `a.rowid`. Stemmed
phrases are written with the index's common grams where it has them (CommonGrams).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from search.analysis import stem
from search.document import FIELD_WEIGHTS, TOKEN_FIELDS
from search.query.ast import And, DateRange, Keyword, Near, Node, Not, Or, Phrase
from wirewatch.schema import utcnow

FTS_TABLE = "articles_fts"
STEM_COLUMNS = {"title": "title", "body": "body"}
EXACT_COLUMNS = {"title": "title_exact", "body": "body_exact"}
FTS_COLUMNS = TOKEN_FIELDS
# bm25 weights per FTS column, from the field each column indexes.
BM25_WEIGHTS = tuple(FIELD_WEIGHTS[column.removesuffix("_exact")] for column in FTS_COLUMNS)


# Leads a column's text when the tokenizer is to index common grams in it (GRAM_MARK in fts5ext.c).
GRAM_MARK = "\x1e"


@dataclass(frozen=True)
class CommonGrams:
    """Which pairs of neighbouring stemmed words the SQLite index also holds as one token
    ("minist_of", at the left word's position), as Lucene's common grams do: each pair in which
    one word is common. A phrase written with them reads short lists instead of every position
    of "of" and "the" in every candidate article."""

    words: frozenset[str] = frozenset()

    def _pairs(self, left: str, right: str) -> bool:
        return left in self.words or right in self.words

    def tokens(self, words: Sequence[str]) -> list[str]:
        """A phrase's stemmed words as the tokens at its consecutive positions: a gram at each
        word that makes one with the next, the word itself elsewhere (the last word is in the
        gram before it, if there is one)."""
        tokens = [f"{a}_{b}" if self._pairs(a, b) else a for a, b in itertools.pairwise(words)]
        if len(words) < 2 or not self._pairs(words[-2], words[-1]):
            tokens.append(words[-1])
        return tokens

    def tokenizer(self) -> str:
        """The FTS5 `tokenize` option of an index with these grams (fts5ext.c); 'ascii' without."""
        if not self.words:
            return "ascii"
        return " ".join(["wirewatch", *sorted(self.words)])


# About forty of the commonest words of English news. Each gram costs indexing time
# (docs/benchmarks.md, search, 2026-12-02 sixth session).
_COMMON_WORDS = (
    "the", "of", "and", "to", "a", "in", "is", "that", "for", "on", "said", "it", "with", "as", "was",
    "by", "at", "from", "he", "his", "be", "are", "have", "has", "an", "not", "but", "this", "they",
    "were", "will", "its", "who", "after", "their", "been", "more", "two", "which", "new",
)  # fmt: skip
COMMON_GRAMS = CommonGrams(frozenset(map(stem, _COMMON_WORDS)))
NO_GRAMS = CommonGrams()


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _columns(phrase: Phrase) -> str:
    table = EXACT_COLUMNS if phrase.exact else STEM_COLUMNS
    return "{" + " ".join(table[f] for f in phrase.fields) + "}"


def _phrase_string(phrase: Phrase, grams: CommonGrams = NO_GRAMS) -> str:
    """A phrase in FTS5 syntax; stemmed, without a prefix, written with `grams` (the exact columns
    hold none, a prefix may end inside a gram, and NEAR counts the words)."""
    words = phrase.words if phrase.exact or phrase.prefix else grams.tokens(phrase.words)
    quoted = " ".join(words).replace('"', '""')
    return f'"{quoted}"' + (" *" if phrase.prefix else "")


def fts_expression(node: Node, grams: CommonGrams = NO_GRAMS) -> str | None:
    """The FTS5 MATCH string for a text-only subtree, or None when FTS5 cannot express it;
    phrases are written with the index's `grams`."""
    if isinstance(node, Phrase):
        return f"{_columns(node)} : {_phrase_string(node, grams)}"
    if isinstance(node, Near):
        inner = " ".join(_phrase_string(p) for p in node.phrases)
        return f"{_columns(node.phrases[0])} : NEAR({inner}, {node.distance})"
    if isinstance(node, Or):
        parts = [fts_expression(c, grams) for c in node.children]
        return None if None in parts else "(" + " OR ".join(parts) + ")"  # type: ignore[arg-type]
    if isinstance(node, And):
        positive = [c for c in node.children if not isinstance(c, Not)]
        negative = [c.child for c in node.children if isinstance(c, Not)]
        pos = [fts_expression(c, grams) for c in positive]
        neg = [fts_expression(c, grams) for c in negative]
        if not pos or None in pos or None in neg:
            return None
        expr = "(" + " AND ".join(pos) + ")"  # type: ignore[arg-type]
        for part in neg:
            expr = f"({expr} NOT {part})"
        return expr
    return None


@dataclass
class CompiledQuery:
    """A MATCH string (None: no full-text part) and SQL conditions over `articles a`."""

    match: str | None = None
    where: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)

    def where_sql(self) -> str:
        return " AND ".join(self.where) if self.where else "1"

    def count_sql(self, limit: int) -> tuple[str, list[object]]:
        """SELECT count(*) of the matching articles, counting no further than `limit` (from the
        FTS index alone when it suffices)."""
        if self.match is not None and not self.where:
            rows, params = f"SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", [self.match]
        else:
            clause, params = self.from_clause()
            rows = f"SELECT 1 {clause}"
        return f"SELECT count(*) FROM ({rows} LIMIT ?)", [*params, limit]

    def from_clause(self) -> tuple[str, list[object]]:
        """FROM/WHERE selecting the matching articles as `a` (joined to the FTS table if needed)."""
        if self.match is None:
            return f"FROM articles a WHERE {self.where_sql()}", list(self.params)
        return (
            f"FROM {FTS_TABLE} f JOIN articles a ON a.rowid = f.rowid"
            f" WHERE {FTS_TABLE} MATCH ? AND {self.where_sql()}",
            [self.match, *self.params],
        )


class Fts5Compiler:
    """Turns an AST into a CompiledQuery for an index with `grams`; relative dates resolve
    against `now`."""

    def __init__(self, now: datetime | None = None, grams: CommonGrams = NO_GRAMS) -> None:
        self.now = now or utcnow()
        self.grams = grams

    def _expression(self, node: Node) -> str | None:
        return fts_expression(node, self.grams)

    def compile(self, node: Node | None) -> CompiledQuery:
        out = CompiledQuery()
        if node is None:
            return out
        conjuncts = list(node.children) if isinstance(node, And) else [node]
        positive = [c for c in conjuncts if not isinstance(c, Not) and self._expression(c) is not None]
        negative = [c for c in conjuncts if isinstance(c, Not) and self._expression(c.child) is not None]
        if positive:
            match = " AND ".join(self._expression(c) for c in positive)  # type: ignore[misc]
            match = f"({match})"
            for neg in negative:
                match = f"({match} NOT {self._expression(neg.child)})"
            out.match = match
            rest = [c for c in conjuncts if c not in positive and c not in negative]
        else:
            rest = conjuncts
        for clause in rest:
            sql, params = self.condition(clause)
            out.where.append(sql)
            out.params.extend(params)
        return out

    def condition(self, node: Node) -> tuple[str, list[object]]:
        """A SQL boolean over `a.rowid` for any node."""
        expr = self._expression(node)
        if expr is not None:
            return (f"a.rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?)", [expr])
        if isinstance(node, Keyword):
            return (
                "EXISTS (SELECT 1 FROM article_keywords k"
                " WHERE k.field = ? AND k.key = ? AND k.article = a.rowid)",
                [node.field, node.value],
            )
        if isinstance(node, DateRange):
            return (f"a.published {node.op} ?", [node.resolve(self.now).timestamp()])
        if isinstance(node, Not):
            sql, params = self.condition(node.child)
            return (f"NOT ({sql})", params)
        if isinstance(node, And | Or):
            parts = [self.condition(c) for c in node.children]
            joiner = " AND " if isinstance(node, And) else " OR "
            return (
                "(" + joiner.join(sql for sql, _ in parts) + ")",
                [p for _, params in parts for p in params],
            )
        raise TypeError(f"unknown query node {node!r}")  # pragma: no cover
