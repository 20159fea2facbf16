"""Named entities in Russian text: Natasha's news NER (slovnet; weights ship in the wheel).

No spaCy pipeline for Russian is installable here, and the gazetteer alone knows only the names
it lists. Natasha finds people, places and organisations and gives their nominative form
("Дмитрием Песковым" -> "Дмитрий Песков"), which is turned into the name English-language news
uses: a table for places and countries (Турции -> Turkey), transliteration for people
(Dmitry Peskov). An organisation or a place no table knows is dropped: a transliterated
"Ministerstvo oborony" is no name an analyst would search for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

from stream.enrich.normalisation import MODEL, Mention
from stream.enrich.places import cyrillic_places
from stream.enrich.transliteration import transliterate

# pymorphy2 logs every dictionary load at INFO: noise on the CLI's stderr, nothing a user can act on.
logging.getLogger("pymorphy2").setLevel(logging.WARNING)


class RussianNer:
    """Natasha's NER for Russian articles, answering like `NerModel` with names in English."""

    name = "natasha (slovnet news NER)"
    language = "ru"

    def __init__(self) -> None:
        embedding = NewsEmbedding()
        self._segmenter = Segmenter()
        self._ner = NewsNERTagger(embedding)
        self._morph = NewsMorphTagger(embedding)
        self._vocab = MorphVocab()
        self._places = cyrillic_places()

    def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        """Entity spans of each text; `detail` holds the English name."""
        return [self._mentions(text) for text in texts]

    def _mentions(self, text: str) -> list[Mention]:
        doc = Doc(text)
        doc.segment(self._segmenter)
        doc.tag_morph(self._morph)
        doc.tag_ner(self._ner)
        found = []
        for span in doc.spans:
            span.normalize(self._vocab)
            normal = span.normal or span.text
            place = self._places.get(normal.lower()) or self._places.get(span.text.lower())
            if place is not None and span.type in ("LOC", "ORG"):
                label, name = "GPE", place
            elif span.type == "PER":
                label, name = "PERSON", transliterate(normal)
            else:
                continue
            found.append(Mention(span.text, label, span.start, span.stop, MODEL, name))
        return found

    def wait_ready(self) -> None:
        """Loaded already (in process)."""

    def close(self) -> None:
        """Nothing to release."""
