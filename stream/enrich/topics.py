"""Topics from a readable taxonomy: each topic is rules written in the query language plus
entity conditions, so analysts can read why an article got a topic and add their own.

A topic matches when any of its rules holds; a rule holds when its query matches, its entity
condition holds, and together they found at least `min_evidence` distinct pieces of evidence
(words or phrases of the query found in the article, entities that met the condition), said at
least `min_mentions` times in all (an article about drones names them more than once), and,
for a rule marked `lead`, some of it in the title or the lead (diplomats named in passing in a
story about a strike make no diplomacy story). The evidence is kept in `Article.topic_evidence`.
Names are hierarchical ("conflict/air-defense"); search expands ancestors, so `topic:conflict`
finds articles tagged with any conflict sub-topic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from search.analysis import fold_keyword, token_spans
from search.document import text_fields
from search.query.ast import Node, Phrase, positive_text
from search.query.index import QueryIndex
from search.query.matcher import FieldIndex, PreparedDoc, phrase_starts
from search.query.parser import QueryError, parse
from stream.enrich.datafiles import load_layers
from stream.enrich.normalisation import EntityTrace
from stream.enrich.topic_classifier import TopicClassifier
from wirewatch.schema import Article

SHIPPED = "topics.yaml"
# The lead, where a story says what it is about: the body's first paragraph of wire copy.
LEAD_WORDS = 70
LEAD_CHARS = 400
_TOPIC_NAME = r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*$"


class EntityCondition(BaseModel):
    """Entities that count as evidence: by name, type or gazetteer category (any of them)."""

    model_config = ConfigDict(extra="forbid")

    names: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> EntityCondition:
        if not (self.names or self.types or self.categories):
            raise ValueError("an entity condition needs names, types or categories")
        return self


class RuleModel(BaseModel):
    """One rule as written: a query, an entity condition, or both."""

    model_config = ConfigDict(extra="forbid")

    query: str | None = None
    entities: EntityCondition | None = None
    min_evidence: int = Field(1, ge=1, le=20)
    min_mentions: int = Field(1, ge=1, le=50)
    lead: bool = False  # some evidence must be in the title or the lead (the body's first words)

    @model_validator(mode="after")
    def _has_condition(self) -> RuleModel:
        if self.query is None and self.entities is None:
            raise ValueError("a rule needs a query or an entity condition")
        return self

    @field_validator("query")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse(value)
            except QueryError as exc:
                raise ValueError(f"bad query {value!r}: {exc}") from None
        return value


class TopicModel(BaseModel):
    """A topic: a human title and its rules."""

    model_config = ConfigDict(extra="forbid")

    title: str
    rules: list[RuleModel] = Field(min_length=1)
    # The topic classifier's floor for this topic, instead of WIREWATCH_TOPIC_MIN_PROBABILITY.
    min_probability: float | None = Field(None, ge=0, le=1)


class TaxonomyFile(BaseModel):
    """A taxonomy YAML file: `topics: {name: {title, rules}}`."""

    model_config = ConfigDict(extra="forbid")

    topics: dict[str, TopicModel] = Field(default_factory=dict)

    @field_validator("topics")
    @classmethod
    def _names(cls, value: dict[str, TopicModel]) -> dict[str, TopicModel]:
        for name in value:
            if not re.match(_TOPIC_NAME, name):
                raise ValueError(f"topic name {name!r} must be lower-case words joined by '-' and '/'")
        return value


@dataclass
class Rule:
    """A compiled rule."""

    query: str | None
    node: Node | None
    entities: EntityCondition | None
    min_evidence: int
    min_mentions: int = 1
    lead: bool = False

    @cached_property
    def phrases(self) -> list[Phrase]:
        """The query's words and phrases that count as evidence (those not under NOT)."""
        return positive_text(self.node) if self.node is not None else []

    @cached_property
    def _by_first_word(self) -> dict[tuple[str, bool], dict[str, list[int]]]:
        """The query's whole-word phrases (by position) by field and exactness, then first word."""
        groups: dict[tuple[str, bool], dict[str, list[int]]] = {}
        for i, phrase in enumerate(self.phrases):
            if not phrase.prefix:
                for field in phrase.fields:
                    groups.setdefault((field, phrase.exact), {}).setdefault(phrase.words[0], []).append(i)
        return groups

    @cached_property
    def _prefixes(self) -> tuple[int, ...]:
        """Positions of the query's prefix phrases ("матч*"), looked for in every article."""
        return tuple(i for i, phrase in enumerate(self.phrases) if phrase.prefix)

    def present(self, text: ArticleText) -> list[Phrase]:
        """The query's words and phrases that may occur in the article, in the query's order:
        prefixes that start a word of it, and phrases whose first word it holds (most of a long
        OR list is absent, and is ruled out by one set intersection per field)."""
        fields = text.doc.fields
        positions = {
            i
            for i in self._prefixes
            if any(_may_occur(self.phrases[i], fields[f]) for f in self.phrases[i].fields)
        }
        for (field, exact), by_word in self._by_first_word.items():
            for word in by_word.keys() & text.doc.fields[field].word_set(exact):
                positions.update(by_word[word])
        return [self.phrases[i] for i in sorted(positions)]

    @cached_property
    def names(self) -> frozenset[str]:
        """Folded entity names of the entity condition."""
        return frozenset(fold_keyword(n) for n in self.entities.names) if self.entities else frozenset()

    def evidence(self, text: ArticleText, entities: Sequence[EntityTrace]) -> list[str]:
        """The evidence this rule finds in an article whose text its query (if any) matches,
        or [] when the rule does not hold (the taxonomy's query index decides the query)."""
        matched = [t for t in entities if self._entity_ok(t)] if self.entities is not None else []
        if self.entities is not None and not matched:
            return []  # decided before the costlier search for the query's words
        hits = [f"entity:{t.entity.name}" for t in matched]
        phrases = self.present(text) if self.node is not None else []
        found = _matched_text(phrases, text)
        quoted = [quote for quote, _ in found]
        if (
            self.lead
            and not any(in_lead for _, in_lead in found)
            and not any(t.entity.first_offset < text.lead_chars for t in matched)
        ):
            return []  # named only in passing, further down
        distinct: dict[str, str] = {}  # one piece of evidence per folded form
        for item in (*quoted, *hits):
            distinct.setdefault(fold_keyword(item), item)
        if len(distinct) < self.min_evidence:
            return []
        if self.min_mentions > 1 and _mentions(phrases, text) + len(hits) < self.min_mentions:
            return []
        return list(distinct.values())

    def _entity_ok(self, trace: EntityTrace) -> bool:
        assert self.entities is not None
        e = trace.entity
        return (
            fold_keyword(e.name) in self.names
            or e.type in self.entities.types
            or (trace.category is not None and trace.category in self.entities.categories)
        )


class ArticleText:
    """An article prepared for matching, plus its token spans found on demand to quote evidence
    as written."""

    def __init__(self, article: Article) -> None:
        self.doc = PreparedDoc.of(article)
        self._fields = text_fields(article)
        self._spans: dict[str, list[tuple[int, int]]] = {}
        # Entities' offsets point into the title, a blank line, then the body (text.article_text).
        self.lead_chars = len(self._fields["title"].strip()) + 2 + LEAD_CHARS

    def quote(self, field: str, start: int, words: int) -> str:
        """The original text of `words` tokens from token position `start` of a field."""
        if field not in self._spans:
            self._spans[field] = token_spans(self._fields[field])
        spans = self._spans[field]
        first, last = spans[start][0], spans[min(start + words, len(spans)) - 1][1]
        if last > first:
            return self._fields[field][first:last]
        return " ".join(self.doc.fields[field].exact_tokens[start : start + words])


def _matched_text(phrases: list[Phrase], text: ArticleText) -> list[tuple[str, bool]]:
    """The positive words and phrases of a query, quoted as they occur first in the article, and
    whether that is in the title or the lead."""
    out = []
    for phrase in phrases:
        for field in phrase.fields:
            start = _first_start(phrase, text.doc.fields[field])
            if start is not None:
                out.append(
                    (text.quote(field, start, len(phrase.words)), field == "title" or start < LEAD_WORDS)
                )
                break
    return out


def _mentions(phrases: list[Phrase], text: ArticleText) -> int:
    """How many times the words and phrases occur in the article, all fields together (a query's
    words that stem alike, "drone OR drones", count once)."""
    unique = dict.fromkeys(phrases)
    return sum(len(phrase_starts(p, text.doc.fields[field])) for p in unique for field in p.fields)


def _may_occur(prefixed: Phrase, index: FieldIndex) -> bool:
    """Whether a phrase ending in a prefix may occur in a field: the prefix starts one of its
    words, or (a phrase of several words) its first word is one of them."""
    if len(prefixed.words) == 1:
        return index.has_prefix(prefixed.words[0])
    return prefixed.words[0] in index.word_set(prefixed.exact)


def _first_start(phrase: Phrase, index: FieldIndex) -> int | None:
    """The first token position where `phrase` occurs in a field, if it does. Most evidence is
    one word, found by a scan in C without building the field's word -> positions map; a word
    prefix ("матч*") by a binary search in the field's sorted words, most often finding none."""
    if phrase.prefix and len(phrase.words) == 1:
        if not index.has_prefix(phrase.words[0]):
            return None
        return min(index.exacts[word][0] for word in index.with_prefix(phrase.words[0]))
    if phrase.prefix or len(phrase.words) > 1:
        if not phrase.prefix and phrase.words[0] not in index.word_set(phrase.exact):
            return None
        starts = phrase_starts(phrase, index)
        return starts[0] if starts else None
    word = phrase.words[0]
    if word not in index.word_set(phrase.exact):
        return None
    return (index.exact_tokens if phrase.exact else index.stem_tokens).index(word)


@dataclass(frozen=True)
class TopicMatch:
    """A topic a rule found: which rule (1-based, in which file) and the evidence; the topic
    classifier's probability and the topic's floor, when the classifier knows the topic."""

    topic: str
    rule_index: int
    rule: Rule
    evidence: list[str]
    origin: str
    probability: float | None = None
    floor: float = 0.0

    @property
    def kept(self) -> bool:
        """Whether the article gets the topic: always, unless the classifier finds it too unlikely."""
        return self.probability is None or self.probability >= self.floor


class Taxonomy:
    """All topics with compiled rules, their queries indexed like subscriptions (only the rules
    whose query can match an article are evaluated; rules with no query are checked always)."""

    def __init__(
        self,
        layers: list[tuple[str, TaxonomyFile]],
        classifier: TopicClassifier | None = None,
        min_probability: float = 0.0,
    ) -> None:
        self.classifier = classifier
        self.min_probability = min_probability
        self.topics: dict[str, tuple[str, list[Rule], str]] = {}
        self._floors: dict[str, float] = {}  # topics with a classifier floor of their own
        for origin, data in layers:
            for name, topic in data.topics.items():
                self._floors.pop(name, None)
                if topic.min_probability is not None:
                    self._floors[name] = topic.min_probability
                rules = [
                    Rule(
                        r.query,
                        parse(r.query) if r.query else None,
                        r.entities,
                        r.min_evidence,
                        r.min_mentions,
                        r.lead,
                    )
                    for r in topic.rules
                ]
                self.topics[name] = (topic.title, rules, origin)  # a later file replaces a same-named topic
        self._queries = QueryIndex()
        for name, (_, rules, _) in self.topics.items():
            for index, rule in enumerate(rules):
                if rule.node is not None:
                    self._queries.add((name, index), rule.node)

    @classmethod
    def load(
        cls,
        user_file: Path | None = None,
        classifier: TopicClassifier | None = None,
        min_probability: float = 0.0,
    ) -> Taxonomy:
        """The shipped taxonomy, extended (or overridden by topic name) by the user's file; with a
        classifier, a topic it finds less likely than the topic's own floor or `min_probability`
        is not kept."""
        layers = [(str(path), data) for path, data in load_layers(SHIPPED, user_file, TaxonomyFile)]
        return cls(layers, classifier, min_probability)

    def classify(self, article: Article, entities: Sequence[EntityTrace]) -> list[TopicMatch]:
        """Every topic with a rule that holds, with the first such rule and its evidence, and
        whether the classifier lets it be kept (`TopicMatch.kept`)."""
        text = ArticleText(article)
        matches = self._rule_matches(text, entities)
        if self.classifier is None or not matches:
            return matches
        probabilities = self.classifier.probabilities(text.doc)
        return [
            replace(m, probability=p, floor=self._floors.get(m.topic, self.min_probability))
            if (p := probabilities.get(m.topic)) is not None
            else m
            for m in matches
        ]

    def _rule_matches(self, text: ArticleText, entities: Sequence[EntityTrace]) -> list[TopicMatch]:
        """Every topic with a rule that holds, with the first such rule and its evidence."""
        matching = set(self._queries.match(text.doc))
        out = []
        for name, (_, rules, origin) in self.topics.items():
            for index, rule in enumerate(rules):
                if rule.node is not None and (name, index) not in matching:
                    continue
                evidence = rule.evidence(text, entities)
                if evidence:
                    out.append(TopicMatch(name, index + 1, rule, evidence, origin))
                    break
        return out
