"""Named-entity recognition with spaCy: the model loaded once, only the NER component, batched.

The English pipelines' `ner` component has its own token-to-vector layer, so the tagger,
parser, lemmatizer and the shared tok2vec are not loaded at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

from stream.enrich.normalisation import MODEL, Mention
from wirewatch.errors import ConfigError


def _meta(name: str) -> dict[str, Any]:
    """The pipeline's meta.json (an installed package or a directory), or {} when there is none."""
    try:
        path = spacy.util.get_package_path(name) if spacy.util.is_package(name) else Path(name)
        return dict(spacy.util.get_model_meta(path))
    except (OSError, ValueError, ImportError):
        return {}


class NerModel:
    """A spaCy pipeline reduced to NER; `language` is the ISO code it was trained for."""

    def __init__(self, name: str, batch_size: int = 32) -> None:
        self.name = name
        self.batch_size = batch_size
        meta = _meta(name)
        if "ner" not in meta.get("pipeline", []):
            raise ConfigError(
                f"spaCy model '{name}' is not installed or has no NER "
                "(set WIREWATCH_SPACY_MODEL, or WIREWATCH_NER=0 to run without NER)"
            )
        unneeded = [p for p in meta["pipeline"] if p != "ner"]
        self.nlp: Language = spacy.load(name, exclude=unneeded)
        self.language: str = self.nlp.lang

    def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        """Entity spans of each text (all labels; normalisation decides what to keep)."""
        return [
            [Mention(e.text, e.label_, e.start_char, e.end_char, MODEL) for e in doc.ents]
            for doc in self.nlp.pipe(texts, batch_size=self.batch_size)
        ]
