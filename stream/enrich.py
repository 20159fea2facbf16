"""Enrichment of articles: language identification and named entities (spaCy NER).

Pure with respect to the stream: `Enricher.enrich` takes articles and returns enriched copies;
the Faust agent only moves records. The model is loaded once per process with only the
components NER needs.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import py3langid
import spacy
from spacy.language import Language

from wirewatch.errors import ConfigError
from wirewatch.schema import Article, Entity

log = logging.getLogger("wirewatch.enrich")

# Entity labels worth filtering and alerting on; numbers, dates and amounts are left out.
KEPT_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
)
NER_LANGUAGES = frozenset({"en"})
NER_MAX_CHARS = 6_000  # title + lead: where a news story names its actors
LANGID_MAX_CHARS = 2_000


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is nothing to go on."""
    sample = text[:LANGID_MAX_CHARS]
    if sum(ch.isalpha() for ch in sample) < 3:
        return None
    lang, _ = py3langid.classify(sample)
    return str(lang)


def ner_text(article: Article) -> str:
    """The part of an article NER reads: title, summary and the start of the content."""
    return "\n\n".join(p for p in (article.title, article.summary, article.content) if p)[:NER_MAX_CHARS]


@dataclass
class _Mentions:
    labels: Counter[str] = field(default_factory=Counter)
    count: int = 0
    first_offset: int = 0


def entities_from_spans(spans: Sequence[tuple[str, str, int]]) -> list[Entity]:
    """Collapse (text, label, offset) spans into one Entity per name, majority label.

    Ties between labels go to the label seen first, so the result is deterministic.
    """
    by_name: dict[str, _Mentions] = defaultdict(_Mentions)
    order: dict[str, list[str]] = defaultdict(list)
    for text, label, offset in spans:
        name = " ".join(text.split())
        if label not in KEPT_LABELS or not name:
            continue
        seen = by_name.get(name)
        mentions = by_name[name]
        if seen is None:
            mentions.first_offset = offset
        mentions.count += 1
        mentions.labels[label] += 1
        if label not in order[name]:
            order[name].append(label)
    out = []
    for name, mentions in by_name.items():
        best = max(order[name], key=lambda lab: (mentions.labels[lab], -order[name].index(lab)))
        out.append(
            Entity(name=name[:200], type=best, mentions=mentions.count, first_offset=mentions.first_offset)
        )
    return sorted(out, key=lambda e: e.first_offset)


class Enricher:
    """Adds language and entities to articles; one instance holds the loaded model."""

    def __init__(self, model: str | None, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self.nlp: Language | None = None
        if model:
            try:
                self.nlp = spacy.load(
                    model, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
                )
            except OSError:
                raise ConfigError(
                    f"spaCy model '{model}' is not installed (set WIREWATCH_SPACY_MODEL, or WIREWATCH_NER=0)"
                ) from None

    def enrich(self, articles: Sequence[Article]) -> list[Article]:
        """Enriched copies of `articles`, in order."""
        languages = [detect_language(f"{a.title}\n{a.summary}\n{a.content}") for a in articles]
        entities: list[list[Entity]] = [[] for _ in articles]
        if self.nlp is not None:
            wanted = [i for i, lang in enumerate(languages) if lang in NER_LANGUAGES]
            texts = [ner_text(articles[i]) for i in wanted]
            for i, doc in zip(wanted, self.nlp.pipe(texts, batch_size=self.batch_size), strict=True):
                entities[i] = entities_from_spans([(e.text, e.label_, e.start_char) for e in doc.ents])
        return [
            a.model_copy(update={"language": lang, "entities": ents})
            for a, lang, ents in zip(articles, languages, entities, strict=True)
        ]
