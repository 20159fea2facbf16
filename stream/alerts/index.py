"""An index over subscriptions, so an article is tested only against queries it could match.

In the spirit of Lucene's Monitor (Luwak) and the Elasticsearch percolator: from each query's
AST we extract terms of which at least one must occur in any article the query matches (the
rarest-looking term of one conjunct; every term of each disjunct). An inverted index maps those
terms to subscriptions; an article's own terms select the candidates, and only candidates are
evaluated exactly with `search.query.matcher`. Queries with no such terms (pure negations, date
ranges alone) sit on an always-check list. The pre-filter never drops a match, it only saves work.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from search.query.ast import And, DateRange, Keyword, Near, Node, Not, Or, Phrase
from search.query.matcher import Predicate, PreparedDoc, compile_query

# Term keys: "s:" stemmed word, "e:" exact (folded) word, "p:" exact-word prefix,
# "k:field:value" keyword value. Weights guess rarity: longer words are rarer, languages common.
_KEYWORD_WEIGHT = {"lang": 1, "topic": 4, "source": 8, "entity": 8}


def _weight(term: str) -> int:
    kind, _, rest = term.partition(":")
    if kind == "k":
        return _KEYWORD_WEIGHT.get(rest.partition(":")[0], 4)
    if kind == "p":
        return len(rest) - 1
    return len(rest)


def _phrase_terms(phrase: Phrase) -> frozenset[str]:
    """The one word of a phrase most worth indexing (every word must occur)."""
    kind = "e" if phrase.exact else "s"
    *head, last = phrase.words
    options = [f"{kind}:{w}" for w in head] + [f"p:{last}" if phrase.prefix else f"{kind}:{last}"]
    return frozenset({max(options, key=_weight)})


def _strength(terms: frozenset[str]) -> int:
    """How selective a disjunction of terms is: as weak as its weakest term."""
    return min(_weight(t) for t in terms)


def required_terms(node: Node) -> frozenset[str] | None:
    """Terms of which at least one occurs in every article `node` matches; None if none exist."""
    if isinstance(node, Phrase):
        return _phrase_terms(node)
    if isinstance(node, Near):
        return max((_phrase_terms(p) for p in node.phrases), key=_strength)
    if isinstance(node, Keyword):
        return frozenset({f"k:{node.field}:{node.value}"})
    if isinstance(node, And):
        options = [t for t in (required_terms(c) for c in node.children) if t is not None]
        return max(options, key=_strength) if options else None
    if isinstance(node, Or):
        parts = [required_terms(c) for c in node.children]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*parts)  # type: ignore[arg-type]
    if isinstance(node, Not | DateRange):
        return None
    raise TypeError(f"unknown query node {node!r}")  # pragma: no cover


def doc_terms(doc: PreparedDoc, prefix_lengths: Iterable[int] = ()) -> set[str]:
    """The terms of an analysed article, in the keys `required_terms` produces."""
    terms: set[str] = set()
    exacts: set[str] = set()
    for index in doc.fields.values():
        terms.update("s:" + w for w in index.stems)
        exacts.update(index.exacts)
    terms.update("e:" + w for w in exacts)
    for n in prefix_lengths:
        terms.update("p:" + w[:n] for w in exacts if len(w) >= n)
    for field, values in doc.keywords.items():
        terms.update(f"k:{field}:{v}" for v in values)
    return terms


@dataclass(frozen=True)
class _Entry:
    terms: frozenset[str] | None
    predicate: Predicate


class SubscriptionIndex:
    """Queries by key, indexed by their required terms; `match` answers like testing each one."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}
        self._postings: dict[str, set[Hashable]] = {}
        self._always: set[Hashable] = set()
        self._prefix_lengths: dict[int, int] = {}  # prefix length -> how many postings use it

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    @property
    def always_checked(self) -> int:
        return len(self._always)

    def add(self, key: Hashable, node: Node) -> None:
        """Index a query under `key` (replacing any query with that key)."""
        self.remove(key)
        terms = required_terms(node)
        self._entries[key] = _Entry(terms, compile_query(node))
        if terms is None:
            self._always.add(key)
            return
        for term in terms:
            self._postings.setdefault(term, set()).add(key)
            if term.startswith("p:"):
                n = len(term) - 2
                self._prefix_lengths[n] = self._prefix_lengths.get(n, 0) + 1

    def remove(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        if entry.terms is None:
            self._always.discard(key)
            return
        for term in entry.terms:
            keys = self._postings[term]
            keys.discard(key)
            if not keys:
                del self._postings[term]
            if term.startswith("p:"):
                n = len(term) - 2
                self._prefix_lengths[n] -= 1
                if not self._prefix_lengths[n]:
                    del self._prefix_lengths[n]

    def candidates(self, doc: PreparedDoc) -> set[Hashable]:
        """Keys whose query may match the article: the pre-filter's answer."""
        found: set[Hashable] = set(self._always)
        postings = self._postings
        for term in doc_terms(doc, self._prefix_lengths):
            keys = postings.get(term)
            if keys:
                found.update(keys)
        return found

    def match(self, doc: PreparedDoc) -> list[Hashable]:
        """Keys whose query matches the article (candidates evaluated exactly)."""
        entries = self._entries
        return [key for key in self.candidates(doc) if entries[key].predicate(doc)]
