"""The enrich stage: language, entities, topics and story cluster of a batch of articles.

Pure with respect to the stream (articles in, enriched copies out); the Faust agent only moves
records. Built once per worker process: the model, gazetteer, alias table and taxonomy are
loaded at start, so a bad data file stops the worker at start with one clear message.
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from stream.enrich.aliases import AliasTable
from stream.enrich.clusters import Assignment, ClusterStore, SqliteClusterStore, StoryItem, fingerprint
from stream.enrich.entities import NerModel, NerProcess, Recogniser
from stream.enrich.gazetteer import Gazetteer
from stream.enrich.german import GermanNames
from stream.enrich.given_names import given_names
from stream.enrich.language import detect_language
from stream.enrich.normalisation import (
    GAZETTEER,
    REPEAT,
    EntityTrace,
    Mention,
    SpanIndex,
    drop_offices,
    given_named_people,
    located_places,
    normalise,
    resolve_overlaps,
    stated_names,
    titled_people,
    with_stated,
)
from stream.enrich.patterns import Pattern, PatternMatcher
from stream.enrich.places import (
    LARGE_CITY,
    continents,
    country_spellings,
    place_names,
    place_spellings,
    region_names,
)
from stream.enrich.russian import RussianNer
from stream.enrich.text import article_text, dateline_place, head
from stream.enrich.topic_classifier import TopicClassifier
from stream.enrich.topics import Taxonomy, TopicMatch
from stream.enrich.ukrainian import UkrainianNames
from wirewatch.schema import Article
from wirewatch.settings import Settings


@dataclass
class Explanation:
    """How one article was enriched: what `wirewatch enrich --explain` prints."""

    language: str | None
    ner: str
    entities: list[EntityTrace] = field(default_factory=list)
    topics: list[TopicMatch] = field(default_factory=list)
    cluster: Assignment | None = None


class Enricher:
    """Adds language, entities, topics and story cluster to articles."""

    def __init__(
        self,
        recognisers: Sequence[Recogniser],
        aliases: AliasTable,
        gazetteer: Gazetteer,
        taxonomy: Taxonomy,
        clusters: ClusterStore | None = None,
        *,
        ner_max_chars: int = 1_200,
        record_clusters: bool = True,
    ) -> None:
        self.recognisers: dict[str, Recogniser] = {}  # by language; none: NER is off
        for recogniser in recognisers:
            self.recognisers.setdefault(recogniser.language, recogniser)  # the first for a language
        self.aliases = aliases
        self.gazetteer = gazetteer
        self.taxonomy = taxonomy
        self.clusters = clusters
        self.ner_max_chars = ner_max_chars
        self.record_clusters = record_clusters
        self._nationalities = PatternMatcher(
            Pattern(name, name, case_sensitive=True) for name in aliases.pinned("NORP")
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, record_clusters: bool = True, worker: bool = False
    ) -> Enricher:
        """The enricher a stream worker runs with (the CLI reads clusters without recording them).

        A worker runs the spaCy model in a child process of its own (`NerProcess`); the CLI loads it in
        process. Natasha runs in process: it reads only Russian articles, and quickly; so do the
        Ukrainian and German rules.
        """
        # First: a worker's model process is forked before the cluster store starts its thread.
        recognisers: list[Recogniser] = []
        if settings.ner:
            recognisers.append((NerProcess if worker else NerModel)(settings.spacy_model))
        # Then the data files, so that a broken one stops the start at once.
        aliases = AliasTable.load(settings.aliases_file)
        gazetteer = Gazetteer.load(settings.gazetteer_file)
        classifier = None
        if settings.topic_min_probability > 0:
            classifier = TopicClassifier.load(settings.topic_classifier_file)
        taxonomy = Taxonomy.load(settings.topics_file, classifier, settings.topic_min_probability)
        if settings.ner:
            if settings.ner_russian:
                recognisers.append(RussianNer())  # unless the spaCy model is a Russian one
            if settings.ner_ukrainian:
                recognisers.append(UkrainianNames())
            if settings.ner_german:
                recognisers.append(GermanNames())
        # GeoNames', ISO 3166-2's and Faker's names for datelines and model spans: now (about 1.5 s,
        # while a worker's model loads), not in the first batch.
        place_spellings()
        region_names()
        given_names()
        clusters = None
        if settings.clusters and (record_clusters or settings.clusters_db.exists()):
            clusters = SqliteClusterStore(
                settings.clusters_db,
                settings.cluster_threshold,
                timedelta(seconds=settings.cluster_window),
                retention=timedelta(seconds=settings.cluster_retention),
            )
        enricher = cls(
            recognisers,
            aliases,
            gazetteer,
            taxonomy,
            clusters,
            ner_max_chars=settings.ner_max_chars,
            record_clusters=record_clusters,
        )
        if worker:
            # A worker keeps these tables for its life: frozen, the collector's full passes no longer
            # walk their ~230,000 objects (0.6-0.8 ms per article, docs/benchmarks.md).
            gc.collect()
            gc.freeze()
        return enricher

    def close(self) -> None:
        """Release the models and the cluster store."""
        for recogniser in self.recognisers.values():
            recogniser.close()
        if self.clusters is not None:
            self.clusters.close()

    def enrich(self, articles: Sequence[Article]) -> list[Article]:
        """Enriched copies of `articles`, in order."""
        return [article for article, _ in self.explain(articles)]

    def without_model(self, articles: Sequence[Article]) -> list[Article]:
        """Enriched copies as far as they go without the NER model: language, gazetteer entities,
        topics and story cluster. What early alerts carry, so they never wait for the model."""
        return [article for article, _ in self.explain(articles, with_model=False)]

    def explain(
        self, articles: Sequence[Article], *, with_model: bool = True
    ) -> list[tuple[Article, Explanation]]:
        """Enriched copies with the explanation of every entity, topic and cluster."""
        texts = [article_text(a) for a in articles]
        languages = [detect_language(t) for t in texts]
        model_mentions, notes = self._model_mentions(texts, languages, with_model)
        out: list[tuple[Article, Explanation]] = []
        for article, text, lang, mentions, note in zip(
            articles, texts, languages, model_mentions, notes, strict=True
        ):
            hits = [
                Mention(h.surface, h.entry.type, h.start, h.end, GAZETTEER, h.name)
                for h in self.gazetteer.find(text)
            ]
            people = titled_people(text) if lang == "en" else []
            hits = with_stated(hits, stated_names(text, _dateline(text, mentions)) + people)
            mentions = drop_offices(mentions, text)
            traces = normalise(resolve_overlaps(mentions, hits), self.aliases, self.gazetteer.entries, text)
            tagged = article.model_copy(update={"language": lang, "entities": [t.entity for t in traces]})
            topics = self.taxonomy.classify(tagged, traces)
            kept = [m for m in topics if m.kept]
            tagged = tagged.model_copy(
                update={
                    "topics": [m.topic for m in kept],
                    "topic_evidence": {m.topic: m.evidence for m in kept},
                }
            )
            out.append((tagged, Explanation(lang, note, traces, topics)))
        return self._cluster(out, texts)

    def _model_mentions(
        self, texts: list[str], languages: list[str | None], with_model: bool
    ) -> tuple[list[list[Mention]], list[str]]:
        """NER mentions per text (by the model for its language) and a note on what ran."""
        mentions: list[list[Mention]] = [[] for _ in texts]
        if not self.recognisers:
            return mentions, ["NER disabled (WIREWATCH_NER=0)"] * len(texts)
        if not with_model:
            return mentions, ["NER not run yet (early alerts)"] * len(texts)
        notes = [f"no NER model for language {lang or 'unknown'}; gazetteer only" for lang in languages]
        for model in self.recognisers.values():
            wanted = [i for i, lang in enumerate(languages) if lang == model.language]
            if not wanted:
                continue
            windows = [head(texts[i], model.max_chars or self.ner_max_chars) for i in wanted]
            for i, window, found in zip(wanted, windows, model.mentions(windows), strict=True):
                mentions[i] = found + _repeats(found, texts[i], len(window))
                if model.language == "en":
                    mentions[i] += _unfound_places(mentions[i], texts[i])
                    mentions[i] += _nationalities(mentions[i], texts[i], self._nationalities)
                    mentions[i] += given_named_people(texts[i], mentions[i])
                notes[i] = f"NER {model.name} on the first {len(window)} of {len(texts[i])} characters"
        return mentions, notes

    def _cluster(
        self, out: list[tuple[Article, Explanation]], texts: list[str]
    ) -> list[tuple[Article, Explanation]]:
        store = self.clusters
        if store is None:
            return out
        items = [
            StoryItem(
                a.id, a.source, a.published, fingerprint(text, a.language, [e.name for e in a.entities])
            )
            for (a, _), text in zip(out, texts, strict=True)
        ]
        assigned = store.assign(items) if self.record_clusters else [store.lookup(i) for i in items]
        result = []
        for (article, why), assignment in zip(out, assigned, strict=True):
            why.cluster = assignment
            update = {"cluster_id": assignment.cluster_id, "cluster_size": assignment.size}
            result.append((article.model_copy(update=update), why))
        return result


def _dateline(text: str, mentions: list[Mention]) -> tuple[int, int] | None:
    """Where the dateline's place is, unless it is in Cyrillic and the language's own rules
    named it: theirs is the name by Ukraine's romanisation (Vinnytsia, not GeoNames' Vinnytsya)."""
    span = dateline_place(text)
    if span is None or text[slice(*span)].isascii() or all((m.start, m.end) != span for m in mentions):
        return span
    return None


def _repeats(found: list[Mention], text: str, window_end: int) -> list[Mention]:
    """Model surfaces seen again past the NER window, with the label of their first mention.

    A person's last name counts too ("Kallas" after "Kaja Kallas"); normalisation folds it.
    """
    if window_end >= len(text) or not found:
        return []
    first: dict[str, Mention] = {}
    for m in found:
        first.setdefault(m.surface, m)
        words = m.surface.split()
        if m.label == "PERSON" and len(words) > 1:
            first.setdefault(words[-1], m)
    matcher = PatternMatcher(Pattern(s, m, case_sensitive=True) for s, m in first.items())
    return [
        Mention(
            text[window_end + x.start : window_end + x.end],
            x.pattern.payload.label,
            window_end + x.start,
            window_end + x.end,
            REPEAT,
            x.pattern.payload.detail,
        )
        for x in matcher.find(text[window_end:])
    ]


# Country names that are as often something else: people (Jordan, Chad), a US state's part
# ("New Jersey"), a word opening a sentence ("Reunion").
_AMBIGUOUS_COUNTRIES = frozenset({"Jordan", "Chad", "Jersey", "Guernsey", "Reunion", "Niue"})
# Large cities are names wherever they stand too, unless the name is also a given name (Sofia,
# Milan, Adelaide) or an English word.
_WORDLIKE_CITIES = frozenset({"Phoenix", "Perm", "Kota"})


@functools.cache
def _place_matcher() -> PatternMatcher[tuple[str, str]]:
    """Countries (by every spelling), large cities and continents, each with its name and type."""
    countries = country_spellings()
    cities = place_names(LARGE_CITY) - countries.keys() - given_names() - _WORDLIKE_CITIES
    names = {
        spelling: (name, "GPE") for spelling, name in countries.items() if name not in _AMBIGUOUS_COUNTRIES
    }
    names |= {city: (city, "GPE") for city in cities} | {name: (name, "LOC") for name in continents("en")}
    return PatternMatcher(Pattern(spelling, named, case_sensitive=True) for spelling, named in names.items())


def _unfound_places(found: list[Mention], text: str) -> list[Mention]:
    """Places neither the model nor a repeat of its names found. Countries, large cities and
    continents anywhere ("Uruguay arrests ..." in a title, "In New Zealand, ..." past the NER
    window, "bound for Europe"), except as the start of a longer name ("London Metal Exchange");
    any town or region right after a word that makes it a place ("in Entebbe")."""
    taken = SpanIndex(found)
    known = [
        Mention(x.pattern.payload[0], x.pattern.payload[1], x.start, x.end, REPEAT)
        for x in _place_matcher().find(text)
        if not _NAME_GOES_ON.match(text, x.end)
    ]
    known_here = SpanIndex(known)
    located = [m for m in located_places(text) if not known_here.covers(m.start, m.end)]
    return [m for m in known + located if not taken.covers(m.start, m.end)]


_NAME_GOES_ON = re.compile(r" [A-Z]")


def _nationalities(found: list[Mention], text: str, nationalities: PatternMatcher[str]) -> list[Mention]:
    """Nationalities the alias table pins that neither the model nor a repeat of its names found
    ("Greeks" in the lead, "Former British prime minister" past the NER window), not as the start
    of a longer name ("Turkish Airlines") unless an office follows ("Kazakh President")."""
    taken = SpanIndex(found)
    out = []
    for x in nationalities.find(text):
        if taken.covers(x.start, x.end):
            continue
        if not _NAME_GOES_ON.match(text, x.end) or _OFFICE_NEXT.match(text, x.end):
            out.append(Mention(x.pattern.payload, "NORP", x.start, x.end, REPEAT))
    return out


_OFFICE_NEXT = re.compile(
    r" (?:President|Prime Minister|Foreign|Defen[cs]e|Interior|Finance|Deputy|Ambassador|Minister|Chancellor"
    r"|King|Queen|Supreme Leader)\b"
)
