"""In-process evaluation of a query against one article: the stream's alert matcher.

An article is analysed once into a `PreparedDoc` (token positions per field, keyword sets);
any number of compiled queries then test it without re-analysing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeGuard

from search.analysis import analyse
from search.document import keyword_fields, text_fields
from search.query.ast import ALL_TEXT, And, DateRange, Keyword, Near, Node, Not, Or, Phrase
from wirewatch.schema import Article, utcnow


class FieldIndex:
    """The tokens of one text field: sets answer word tests at once; the word -> positions
    maps that phrases and NEAR need (`stems`, `exacts`) are built on first use, as most
    queries never ask for them."""

    __slots__ = ("_positions", "_sorted", "exact_set", "exact_tokens", "stem_set", "stem_tokens")

    def __init__(self, exact_tokens: list[str], stem_tokens: list[str]) -> None:
        self.exact_tokens, self.stem_tokens = exact_tokens, stem_tokens
        self.exact_set, self.stem_set = set(exact_tokens), set(stem_tokens)
        self._positions: dict[bool, dict[str, list[int]]] = {}
        self._sorted: list[str] | None = None

    @classmethod
    def of(cls, text: str) -> FieldIndex:
        exact, stems = analyse(text)
        return cls(exact.split(), stems.split())

    def _sorted_words(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.exact_set)
        return self._sorted

    def positions(self, exact: bool) -> dict[str, list[int]]:
        """Word -> its positions, ascending, for the exact or the stemmed tokens."""
        if exact not in self._positions:
            self._positions[exact] = _positions(self.exact_tokens if exact else self.stem_tokens)
        return self._positions[exact]

    @property
    def stems(self) -> dict[str, list[int]]:
        """Positions of each stemmed token."""
        return self.positions(exact=False)

    @property
    def exacts(self) -> dict[str, list[int]]:
        """Positions of each exact token."""
        return self.positions(exact=True)

    def word_set(self, exact: bool) -> set[str]:
        return self.exact_set if exact else self.stem_set

    def has_prefix(self, prefix: str) -> bool:
        """Does any exact word start with `prefix`?"""
        return starts_any(self._sorted_words(), prefix)

    def with_prefix(self, prefix: str) -> Iterator[str]:
        """The exact words that start with `prefix`, in order (a binary search, then a short walk)."""
        words = self._sorted_words()
        for i in range(bisect_left(words, prefix), len(words)):
            if not words[i].startswith(prefix):
                return
            yield words[i]


def starts_any(words: list[str], prefix: str) -> bool:
    """Does any of the sorted `words` start with `prefix`? (A binary search: most prefixes asked
    for are absent, and no generator is started for them.)"""
    i = bisect_left(words, prefix)
    return i < len(words) and words[i].startswith(prefix)


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
    table = index.positions(phrase.exact)
    *head, last = phrase.words
    if phrase.prefix:
        exacts = index.positions(exact=True)
        last_positions = sorted(pos for word in index.with_prefix(last) for pos in exacts[word])
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
        return _phrase_predicate(node)
    if isinstance(node, Near):
        phrases, distance = node.phrases, node.distance
        needed = frozenset(w for p in phrases for w in p.words)
        return _in_any_field(
            node.phrases[0].fields,
            lambda index: (
                needed <= index.word_set(phrases[0].exact) and near_in_field(phrases, distance, index)
            ),
        )
    if isinstance(node, Keyword):
        field, value = node.field, node.value
        return lambda doc: value in doc.keywords[field]
    if isinstance(node, DateRange):
        return _date_predicate(node, now)
    if isinstance(node, And | Or):
        if isinstance(node, Or):  # its words as set tests, then the rest
            parts = _or_of_words(node.children) + [
                compile_query(c, now) for c in node.children if not _word(c)
            ]
        else:
            parts = [compile_query(c, now) for c in node.children]
        if len(parts) == 2:  # the usual case, without a generator's overhead
            first, second = parts
            if isinstance(node, And):
                return lambda doc: first(doc) and second(doc)
            return lambda doc: first(doc) or second(doc)
        if isinstance(node, And):
            return lambda doc: all(p(doc) for p in parts)
        return lambda doc: any(p(doc) for p in parts)
    if isinstance(node, Not):
        inner = compile_query(node.child, now)
        return lambda doc: not inner(doc)
    raise TypeError(f"unknown query node {node!r}")


def _word(node: Node) -> TypeGuard[Phrase]:
    """A single word or prefix, which an OR tests together with its sibling words."""
    return isinstance(node, Phrase) and len(node.words) == 1


def _or_of_words(children: Sequence[Node]) -> list[Predicate]:
    """The single words and prefixes of an OR, one predicate per fields and form: a set test
    instead of one call per word (topic rules are ORs of dozens of words)."""
    words: defaultdict[tuple[tuple[str, ...], bool], set[str]] = defaultdict(set)
    prefixes: defaultdict[tuple[str, ...], list[str]] = defaultdict(list)
    for child in children:
        if not _word(child):
            continue
        if child.prefix:
            prefixes[child.fields].append(child.words[0])
        else:
            words[child.fields, child.exact].add(child.words[0])
    out = []
    for (fields, exact), group in words.items():
        frozen = frozenset(group)
        out.append(
            _in_any_field(fields, lambda index, w=frozen, e=exact: not w.isdisjoint(index.word_set(e)))
        )
    for fields, starts in prefixes.items():
        out.append(_in_any_field(fields, lambda index, p=tuple(starts): any(map(index.has_prefix, p))))
    return out


def _in_any_field(fields: tuple[str, ...], test: Callable[[FieldIndex], bool]) -> Predicate:
    if len(fields) == 1:
        (only,) = fields
        return lambda doc: test(doc.fields[only])
    return lambda doc: any(test(doc.fields[f]) for f in fields)


def _phrase_predicate(node: Phrase) -> Predicate:
    """Single words (most query terms) are set lookups; phrases compare positions once every
    word is known to be there."""
    word, exact = node.words[-1], node.exact
    if len(node.words) > 1:
        needed = frozenset(node.words[:-1] if node.prefix else node.words)
        return _in_any_field(
            node.fields, lambda index: needed <= index.word_set(exact) and bool(phrase_starts(node, index))
        )
    if node.prefix:
        return _in_any_field(node.fields, lambda index: index.has_prefix(word))
    if node.fields == ALL_TEXT:
        title, body = ALL_TEXT
        if exact:
            return lambda doc: word in doc.fields[title].exact_set or word in doc.fields[body].exact_set
        return lambda doc: word in doc.fields[title].stem_set or word in doc.fields[body].stem_set
    return _in_any_field(node.fields, lambda index: word in index.word_set(exact))


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
