"""Named entities in Russian text: Natasha's news NER (slovnet; weights ship in the wheel).

No spaCy pipeline for Russian is installable here, and the gazetteer alone knows only the names
it lists. Natasha finds people, places and organisations and gives their nominative form
("Дмитрием Песковым" -> "Дмитрий Песков"), which is turned into the name English-language news
uses: a table for places and countries (Турции -> Turkey), transliteration for people
(Dmitry Peskov) and for a region named by its town's adjective ("Ростовской области" -> Rostov).
An organisation the text writes in Latin letters keeps that name ("Ozon"); any other organisation
or place no table knows is dropped: a transliterated "Ministerstvo oborony" is no name an analyst
would search for.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stream.enrich.normalisation import MODEL, Mention, SpanIndex, region_mentions
from stream.enrich.places import cyrillic_places, lowered_continents, region_adjectives
from stream.enrich.transliteration import transliterate

if TYPE_CHECKING:
    from natasha import Doc, MorphVocab, NewsMorphTagger, NewsNERTagger, Segmenter

# pymorphy2 logs every dictionary load at INFO: noise on the CLI's stderr, nothing a user can act on.
logging.getLogger("pymorphy2").setLevel(logging.WARNING)


@dataclass(frozen=True)
class _Tools:
    document: type[Doc]
    segmenter: Segmenter
    ner: NewsNERTagger
    morph: NewsMorphTagger
    vocab: MorphVocab
    places: dict[str, str]


class RussianNer:
    """Natasha's NER for Russian articles, answering like `NerModel` with names in English.

    Loaded by `wait_ready` (a stream worker, at start) or by the first Russian article (the CLI,
    which should not spend two seconds loading it for an English one).
    """

    name = "natasha (slovnet news NER)"
    max_chars: int | None = None
    language = "ru"

    @functools.cached_property
    def _tools(self) -> _Tools:
        # Imported here: a quarter of a second that a CLI run on an English article need not spend.
        from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

        embedding = NewsEmbedding()
        return _Tools(
            Doc,
            Segmenter(),
            NewsNERTagger(embedding),
            NewsMorphTagger(embedding),
            MorphVocab(),
            cyrillic_places(),
        )

    def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        """Entity spans of each text; `detail` holds the English name."""
        return [self._mentions(text) for text in texts]

    def _mentions(self, text: str) -> list[Mention]:
        tools = self._tools
        doc = tools.document(text)
        doc.segment(tools.segmenter)
        doc.tag_morph(tools.morph)
        doc.tag_ner(tools.ner)
        found = []
        for span in doc.spans:
            span.normalize(tools.vocab)
            normal = span.normal or span.text
            place = tools.places.get(normal.lower()) or tools.places.get(span.text.lower())
            continent = lowered_continents("ru").get(normal.lower())
            if continent is not None and span.type == "LOC":
                label, name = "LOC", continent
            elif place is not None and span.type in ("LOC", "ORG"):
                label, name = "GPE", place
            elif span.type == "PER":
                label, name = "PERSON", transliterate(_woman_kept(span.text, normal))
            elif span.type == "ORG" and _latin_brand(span.text):
                label, name = "ORG", span.text
            else:
                continue
            found.append(Mention(span.text, label, span.start, span.stop, MODEL, name))
        resolve = functools.partial(_region_name, tools.places)
        courts = _courts(text, resolve)
        taken = SpanIndex(courts)
        found = courts + [m for m in found if not taken.overlaps(m.start, m.end)]
        return found + region_mentions(text, found, resolve)

    def wait_ready(self) -> None:
        """Load the model now."""
        self._tools  # noqa: B018

    def close(self) -> None:
        """Nothing to release."""


# A court by its district's or region's adjective: "Мещанский районный суд" -> Meshchansky District
# Court, "Свердловского областного суда" -> Sverdlovsk Regional Court (the region's town).
_COURT = re.compile(
    r"\b([А-ЯЁ][а-яё-]+?)(ий|ый|ой|ого|ому|ом|им)\s+(районн|городск|областн|краев|арбитражн)\w*\s+суд"
)
_COURT_KINDS = {"районн": "District", "городск": "City", "арбитражн": "Arbitration"}


def _courts(text: str, resolve: Callable[[str], str | None]) -> list[Mention]:
    """Courts named by a district's adjective (transliterated, as news does) or a region's (its
    town's English name)."""
    found = []
    for court in _COURT.finditer(text):
        stem, ending, kind = court.groups()
        if kind in _COURT_KINDS:
            adjective = stem + (ending if ending in ("ий", "ый", "ой") else "ий")
            district = "Central" if stem.lower() == "центральн" else transliterate(adjective)
            name = f"{district} {_COURT_KINDS[kind]} Court"
        else:
            regions = [region for _, _, region in region_adjectives(court.group(), resolve)]
            if not regions:
                continue
            name = f"{regions[0]} Regional Court"
        found.append(Mention(court.group(), "ORG", court.start(), court.end(), MODEL, name))
    return found


_WOMANS_SURNAME = re.compile(r"(?:(?:ов|ев|ёв|ин|ын)а|(?:ск|цк)ая)$")


def _woman_kept(surface: str, normal: str) -> str:
    """A woman's name Natasha turned into a man's because it did not know her given name ("Агунда
    Кулаева" -> "Агунда Кулаев"): a given name in -а or -я left as written is in the nominative,
    so is her surname."""
    written, normalised = surface.split(), normal.split()
    if (
        len(written) == len(normalised) == 2
        and written[0] == normalised[0]
        and written[0].endswith(("а", "я"))
        and _WOMANS_SURNAME.search(written[1]) is not None
        and written[1] != normalised[1]
    ):
        return surface
    return normal


def _latin_brand(name: str) -> bool:
    """An organisation Russian text writes in Latin letters, as it writes brands ("Ozon",
    "Wildberries"): its English name as it stands. Not an acronym, which news may spell out."""
    return name.isascii() and name[:1].isupper() and not name.isupper()


def _region_name(places: Mapping[str, str], nominative: str) -> str | None:
    """A region's name from its town's (Rostov, not the town's GeoNames name Rostov-on-Don)."""
    return transliterate(nominative.title()) if nominative in places else None
