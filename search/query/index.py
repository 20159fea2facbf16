"""An index over stored queries (alert subscriptions, topic rules), so an article is tested only
against the queries it could match.

In the spirit of Lucene's Monitor (Luwak) and the Elasticsearch percolator: from each query's
AST we extract terms of which at least one must occur in any article the query matches (the
rarest-looking term of one conjunct; every term of each disjunct). An inverted index maps those
terms to queries; an article's own terms select the candidates, and only candidates are
evaluated. Queries made only of single words and keyword values (the common case) are decided
by set lookups on the article's terms; the rest by `search.query.matcher`. Queries with no
required terms (pure negations, date ranges alone) sit on an always-check list. The pre-filter
never drops a match, it only saves work.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from functools import partial

from search.query.ast import ALL_TEXT, And, DateRange, Keyword, Near, Node, Not, Or, Phrase
from search.query.matcher import PreparedDoc, compile_query, starts_any

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


def _word_term(phrase: Phrase, word: str, last: bool) -> str:
    if last and phrase.prefix:
        return f"p:{word}"
    return f"{'e' if phrase.exact else 's'}:{word}"


def _phrase_terms(phrase: Phrase) -> frozenset[str]:
    """The one word of a phrase most worth indexing (every word must occur)."""
    n = len(phrase.words)
    options = [_word_term(phrase, w, i == n - 1) for i, w in enumerate(phrase.words)]
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


@dataclass(frozen=True)
class DocTerms:
    """An article's terms by kind, as sets: what postings and term predicates look up."""

    stems: frozenset[str]
    exacts: frozenset[str]
    prefixes: frozenset[str]
    keywords: dict[str, set[str]]

    @classmethod
    def of(cls, doc: PreparedDoc, prefix_terms: Collection[str] = ()) -> DocTerms:
        """`prefixes` holds those of `prefix_terms` (the prefixes queries look up) that some word
        of the article starts with."""
        # The word sets, not the position maps: those are built only if a phrase needs them.
        stems = frozenset().union(*(f.stem_set for f in doc.fields.values()))
        exacts = frozenset().union(*(f.exact_set for f in doc.fields.values()))
        # A binary search per prefix in the sorted words: cutting every word to every prefix
        # length the queries use (17 for the topic rules) cost half of matching an article.
        prefixes = (
            frozenset(filter(partial(starts_any, sorted(exacts)), prefix_terms))
            if prefix_terms
            else frozenset()
        )
        return cls(stems, exacts, prefixes, doc.keywords)


TermPredicate = Callable[[DocTerms], bool]


def term_predicate(node: Node) -> TermPredicate | None:
    """A predicate over the article's term sets when the query needs nothing else (no phrases of
    several words, NEAR, single-field words or dates); None otherwise."""
    if isinstance(node, Phrase):
        if len(node.words) != 1 or node.fields != ALL_TEXT:
            return None
        word = node.words[0]
        if node.prefix:
            return lambda d: word in d.prefixes
        if node.exact:
            return lambda d: word in d.exacts
        return lambda d: word in d.stems
    if isinstance(node, Keyword):
        field, value = node.field, node.value
        return lambda d: value in d.keywords.get(field, ())
    if isinstance(node, And | Or):
        parts = [term_predicate(c) for c in node.children]
        if any(p is None for p in parts):
            return None
        checks: list[TermPredicate] = parts  # type: ignore[assignment]
        if len(checks) == 2:  # the common case, without a generator per call
            a, b = checks
            return (lambda d: a(d) and b(d)) if isinstance(node, And) else (lambda d: a(d) or b(d))
        if isinstance(node, And):
            return lambda d: all(p(d) for p in checks)
        return lambda d: any(p(d) for p in checks)
    if isinstance(node, Not):
        inner = term_predicate(node.child)
        return None if inner is None else (lambda d: not inner(d))
    return None


def _prefix_terms(node: Node) -> set[str]:
    """The prefix terms a term predicate or the postings of `node` may look up."""
    if isinstance(node, Phrase):
        return {node.words[-1]} if node.prefix else set()
    if isinstance(node, And | Or):
        return set().union(*(_prefix_terms(c) for c in node.children))
    if isinstance(node, Not):
        return _prefix_terms(node.child)
    return set()


@dataclass(frozen=True)
class _Entry:
    terms: frozenset[str] | None
    by_terms: TermPredicate | None
    predicate: Callable[[PreparedDoc], bool]
    prefix_terms: frozenset[str]


class QueryIndex:
    """Queries by key, indexed by their required terms; `match` answers like testing each one."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}
        # Postings per term kind: s(tem), e(xact), p(refix) by word; k(eyword) by "field:value".
        self._postings: dict[str, dict[str, set[Hashable]]] = {"s": {}, "e": {}, "p": {}, "k": {}}
        self._always: set[Hashable] = set()
        self._prefix_terms: dict[str, int] = {}  # prefix term -> entries that look it up

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
        prefixes = frozenset(_prefix_terms(node))
        entry = _Entry(terms, term_predicate(node), compile_query(node), prefixes)
        self._entries[key] = entry
        for prefix in prefixes:
            self._prefix_terms[prefix] = self._prefix_terms.get(prefix, 0) + 1
        if terms is None:
            self._always.add(key)
            return
        for term in terms:
            kind, _, rest = term.partition(":")
            self._postings[kind].setdefault(rest, set()).add(key)

    def remove(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for prefix in entry.prefix_terms:
            self._prefix_terms[prefix] -= 1
            if not self._prefix_terms[prefix]:
                del self._prefix_terms[prefix]
        if entry.terms is None:
            self._always.discard(key)
            return
        for term in entry.terms:
            kind, _, rest = term.partition(":")
            keys = self._postings[kind][rest]
            keys.discard(key)
            if not keys:
                del self._postings[kind][rest]

    def terms(self, doc: PreparedDoc) -> DocTerms:
        return DocTerms.of(doc, self._prefix_terms.keys())

    def candidates(self, doc: PreparedDoc, terms: DocTerms | None = None) -> set[Hashable]:
        """Keys whose query may match the article: the pre-filter's answer."""
        terms = terms or self.terms(doc)
        found: set[Hashable] = set(self._always)
        for kind, words in (("s", terms.stems), ("e", terms.exacts), ("p", terms.prefixes)):
            postings = self._postings[kind]
            for word in postings.keys() & words:  # CPython iterates the smaller side
                found.update(postings[word])
        keywords = self._postings["k"]
        for field, values in terms.keywords.items():
            for value in values:
                keys = keywords.get(f"{field}:{value}")
                if keys:
                    found.update(keys)
        return found

    def match(self, doc: PreparedDoc) -> list[Hashable]:
        """Keys whose query matches the article (candidates evaluated exactly)."""
        terms = self.terms(doc)
        entries = self._entries
        out = []
        for key in self.candidates(doc, terms):
            entry = entries[key]
            if entry.by_terms(terms) if entry.by_terms is not None else entry.predicate(doc):
                out.append(key)
        return out
