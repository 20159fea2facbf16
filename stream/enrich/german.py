"""Places in German text by rules: no NER model for German is installable here.

German writes every noun with a capital, so a capitalised word is no sign of a name, and a list of
towns run over the text would find nouns ("Essen" is food, "Halle" a hall). A place is found
where German says one: a country by its German name anywhere (Norwegen -> Norway), a federal
state anywhere (Bayern -> Bavaria, unless it is the football club), and a GeoNames town after a
preposition of place ("in Duisburg", "nach München" -> Munich). People and organisations are
left to the gazetteer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from stream.enrich.normalisation import MODEL, Mention
from stream.enrich.places import german_countries, latin_towns, plain

_WORD = re.compile(r"[A-ZÄÖÜ][\w'’.-]*\w")
_PREPOSITIONS = frozenset({"in", "nach", "aus", "bei", "von", "vor", "zwischen", "um", "bis", "ab", "im"})
_STATES = {
    "Baden-Württemberg": "Baden-Wurttemberg", "Bayern": "Bavaria", "Brandenburg": "Brandenburg",
    "Hessen": "Hesse", "Mecklenburg-Vorpommern": "Mecklenburg-Western Pomerania",
    "Niedersachsen": "Lower Saxony", "Nordrhein-Westfalen": "North Rhine-Westphalia",
    "Rheinland-Pfalz": "Rhineland-Palatinate", "Saarland": "Saarland", "Sachsen": "Saxony",
    "Sachsen-Anhalt": "Saxony-Anhalt", "Schleswig-Holstein": "Schleswig-Holstein", "Thüringen": "Thuringia",
}  # fmt: skip
# The football club: "FC Bayern", "Bayern München".
_CLUB_BEFORE, _CLUB_AFTER = re.compile(r"FC $"), re.compile(r"^ (?:München|Munich)\b")


def _town(word: str) -> str | None:
    """A town's name as English-language news writes it: the German name when GeoNames' English
    one only adds to it (Frankfurt, not Frankfurt am Main), else the English (München -> Munich)."""
    english = latin_towns().get(word) or latin_towns().get(word.removesuffix("s"))  # Duisburgs
    if english is None:
        return None
    stem = word if word in latin_towns() else word.removesuffix("s")
    return plain(stem) if english.startswith(stem) or plain(english).startswith(plain(stem)) else english


class GermanPlaces:
    """A `Recogniser` for German articles by rules; `detail` of each mention holds the English name."""

    name = "rules (German country and state names, towns after a preposition)"
    language = "de"

    def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        """Places in each text."""
        return [self._mentions(text) for text in texts]

    def _mentions(self, text: str) -> list[Mention]:
        countries = german_countries()
        found = []
        words = list(_WORD.finditer(text))
        for i, match in enumerate(words):
            word, start, end = match.group(), match.start(), match.end()
            pair_end = words[i + 1].end() if i + 1 < len(words) else end
            pair = text[start:pair_end]  # Vereinigte Staaten
            before = text[max(0, start - 20) : start].split()
            if pair in countries:
                found.append(Mention(pair, "GPE", start, pair_end, MODEL, countries[pair]))
            elif word in countries:
                found.append(Mention(word, "GPE", start, end, MODEL, countries[word]))
            elif (
                word in _STATES
                and not _CLUB_BEFORE.search(text[max(0, start - 3) : start])
                and not _CLUB_AFTER.match(text[end : end + 8])
            ):
                found.append(Mention(word, "GPE", start, end, MODEL, _STATES[word]))
            elif before and before[-1] in _PREPOSITIONS and (town := _town(word)) is not None:
                found.append(Mention(word, "GPE", start, end, MODEL, town))
        return found

    def wait_ready(self) -> None:
        """Load the place tables now."""
        german_countries()
        latin_towns()

    def close(self) -> None:
        """Nothing to release."""
