"""Places and people in German text by rules: no NER model for German is installable here.

German writes every noun with a capital, so a capitalised word is no sign of a name, and a list of
towns run over the text would find nouns ("Essen" is food, "Halle" a hall). A place is found
where German says one: a country by its German name anywhere (Norwegen -> Norway), a federal
state anywhere (Bayern -> Bavaria, unless it is the football club), and a GeoNames town after a
preposition of place ("in Duisburg", "nach München" -> Munich). A person is a given name (of the
Faker package's lists for 17 languages, since German news names foreigners too: "Ignazio Cassis")
and the capitalised word after it ("Bundeskanzler Friedrich Merz"), written as English-language
news does (Söder -> Soder). Courts named after their town are found by their kind ("Landgericht
Hamburg" -> "Hamburg Regional Court"), and so are organisations news introduces by their kind ("der
Hersteller Sandoz"); other organisations are left to the gazetteer.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence

from wordfreq import zipf_frequency

from stream.enrich.entities import RULES_MAX_CHARS
from stream.enrich.given_names import given_names
from stream.enrich.normalisation import MODEL, Mention, SpanIndex
from stream.enrich.places import continents, german_countries, german_town_adjectives, latin_towns, plain

_WORD = re.compile(r"[A-ZÄÖÜ][\w'’.-]*\w")
# Words after which a town's name is a place: prepositions of place, and nouns for places ("der
# Landkreis Rosenheim", "die Standorte Bühl, Reutlingen und Homburg").
_PREPOSITIONS = frozenset(
    {"in", "nach", "aus", "bei", "von", "vor", "zwischen", "um", "bis", "ab", "über", "nahe", "Richtung"}
    | {"Stadt", "Städte", "Städten", "Gemeinde", "Landkreis", "Kreis", "Ort", "Orte", "Orten", "Dorf"}
    | {"Standort", "Standorte", "Standorten", "Werk", "Werke", "Werken"}
)
_LIST_JOIN = re.compile(r"(?:,| und| oder| sowie) ")
_STATES = {
    "Baden-Württemberg": "Baden-Wurttemberg", "Bayern": "Bavaria", "Brandenburg": "Brandenburg",
    "Hessen": "Hesse", "Mecklenburg-Vorpommern": "Mecklenburg-Western Pomerania",
    "Niedersachsen": "Lower Saxony", "Nordrhein-Westfalen": "North Rhine-Westphalia",
    "Rheinland-Pfalz": "Rhineland-Palatinate", "Saarland": "Saarland", "Sachsen": "Saxony",
    "Sachsen-Anhalt": "Saxony-Anhalt", "Schleswig-Holstein": "Schleswig-Holstein", "Thüringen": "Thuringia",
    # Austria's states and Switzerland's cantons whose names are not a town's as well (those are
    # found as towns: Salzburg, Zürich -> Zurich).
    "Burgenland": "Burgenland", "Kärnten": "Carinthia", "Niederösterreich": "Lower Austria",
    "Oberösterreich": "Upper Austria", "Steiermark": "Styria", "Tirol": "Tyrol", "Vorarlberg": "Vorarlberg",
    "Aargau": "Aargau", "Thurgau": "Thurgau", "Tessin": "Ticino", "Graubünden": "Graubunden",
    "Wallis": "Valais", "Waadt": "Vaud", "Appenzell": "Appenzell", "Obwalden": "Obwalden",
    "Nidwalden": "Nidwalden", "Uri": "Uri", "Glarus": "Glarus", "Schwyz": "Schwyz",
}  # fmt: skip
# A city this large is a place wherever its name stands ("Kantone wie Zürich", "Shanghai
# besuchen", "die Drehkreuze Frankfurt und München"), unless its name is a German word as well.
# Word frequencies cannot tell (wordfreq folds case, so "frankfurt" is as frequent as "essen"):
# these are the names of GeoNames' cities of 500,000 that are German words.
_CITY = 500_000
_WORDLIKE_CITIES = frozenset({"Essen", "Dabei", "Fort Dabei", "Gold", "Rest", "Van", "The D", "En-an"})
_COMMON_WORD = 4.5
# Nouns of time that follow a preposition as a town would ("bis Ende des Jahres", "ab Mitte Mai"),
# and are towns' names too (Ende in Indonesia, Mitte in Berlin).
_TIME_NOUNS = frozenset({"Ende", "Mitte", "Anfang", "Beginn"})
# A word after a given name this frequent in German is a common word, not a surname ("Paul Bank");
# Müller and Braun are words too, but less frequent. The last part of a hyphenated word must be
# rarer ("Robert Koch-Instituts", not "Kramp-Karrenbauer").
_COMMON_SURNAME = 5.0
_COMMON_PART = 3.5
_GERMAN = ("de_DE",)  # Faker's German given names: a word after a given name that is one is no surname
# Courts named after their town, as English-language news names them: "Landgericht Hamburg" ->
# "Hamburg Regional Court", "Oberlandesgericht Frankfurt" -> "Frankfurt Higher Regional Court".
_COURTS = {
    "Oberlandesgericht": "Higher Regional Court", "Landgericht": "Regional Court",
    "Amtsgericht": "Local Court",
    "Oberverwaltungsgericht": "Higher Administrative Court", "Verwaltungsgericht": "Administrative Court",
    "Sozialgericht": "Social Court", "Arbeitsgericht": "Labour Court", "Finanzgericht": "Finance Court",
}  # fmt: skip
_COURT = re.compile(rf"\b({'|'.join(_COURTS)})(?:e?s)? (?:in )?([A-ZÄÖÜ][\w-]*\w)")
# The football club: "FC Bayern", "Bayern München".
_CLUB_BEFORE, _CLUB_AFTER = re.compile(r"FC $"), re.compile(r"^ (?:München|Munich)\b")
# A club's word before its town, which makes the town part of the club's name ("Borussia Dortmund").
_CLUB_WORD = re.compile(
    r"(?:Bayern|Borussia|Eintracht|Hertha|Union|RB|Werder|Fortuna|Arminia|Dynamo|Rapid|Austria|Sturm"
    r"|Bull|FC|SC|SV|VfB|VfL|TSG|FSV|Kickers) $"
)


def _town(word: str, min_population: int = 0) -> str | None:
    """A town's name as English-language news writes it: the German name when GeoNames' English
    one only adds to it (Frankfurt, not Frankfurt am Main; Greifswald, not Universitäts- und
    Hansestadt Greifswald), else the English (München -> Munich)."""
    towns = latin_towns(min_population)
    english = towns.get(word) or towns.get(word.removesuffix("s"))  # Duisburgs
    if english is None:
        return None
    stem = word if word in towns else word.removesuffix("s")
    added_to = plain(english).startswith(plain(stem)) or plain(english).endswith(f" {plain(stem)}")
    return plain(stem) if added_to else english


def _placed_town(word: str, before: list[str], listed: bool) -> str | None:
    """A town after a preposition of place ("in Essen") or `listed` after one ("in Bochum und
    Essen"), or a large city anywhere, unless its name is a German word."""
    if word in _TIME_NOUNS:
        return None
    if (listed or (before and before[-1] in _PREPOSITIONS)) and (town := _town(word)) is not None:
        return town
    if word in _WORDLIKE_CITIES:
        return None
    return _town(word, _CITY)


def _town_adjective(word: str, text: str, end: int) -> str | None:
    """The town or canton whose adjective `word` is, before a noun: "die Hamburger
    Staatsanwaltschaft" (Hamburg), "das Münchner Ifo-Institut" (Munich), "die Walliser Behörden"
    (Valais). A given name is none ("Oliver Glasner")."""
    if not text.startswith(" ", end) or not text[end + 1 : end + 2].isupper() or word in given_names():
        return None
    if word.endswith("er") and (state := _STATES.get(word[:-2])) is not None:
        return state
    town = german_town_adjectives().get(word)
    return _town(town) if town is not None else None


def _listed(found: list[Mention], text: str, start: int) -> bool:
    """Whether the word at `start` follows a place found just before it in a list ("Frankfurt und
    München")."""
    return (
        bool(found)
        and found[-1].label == "GPE"
        and _LIST_JOIN.fullmatch(text, found[-1].end, start) is not None
    )


def _court(kind: str, word: str) -> str | None:
    """A court's English name from its German kind and its town ("Landgericht München" -> "Munich
    Regional Court"); None when the word after it is no town."""
    town = _town(word)
    return f"{town} {_COURTS[kind]}" if town is not None else None


def _genitive(word: str, names: dict[str, str]) -> str | None:
    """The English name of a word in `names`, also in the genitive (Österreichs, Tirols)."""
    return names.get(word) or (names.get(word[:-1]) if word.endswith("s") else None)


def _english_spelling(name: str) -> str:
    """A German name as English-language news writes it: Söder -> Soder, Reiß -> Reiss."""
    return plain(name.replace("ß", "ss"))


def _surname(word: str) -> bool:
    """Whether a capitalised word after a given name can be a surname: not a given name itself
    ("Trainer Vincent Kompany"), not a common German word ("Paul Bank"), not a compound noun
    ("Robert Koch-Instituts")."""
    common = _COMMON_PART if "-" in word else _COMMON_SURNAME
    return word not in given_names(_GERMAN) and zipf_frequency(word.rsplit("-", 1)[-1].lower(), "de") < common


# An organisation named after the kind of body it is, as German news introduces one: "der Hersteller
# Sandoz", "die Pilotengewerkschaft Vereinigung Cockpit", "die Rüstungskonzerne RUAG und Rheinmetall
# Air Defence", "Konzerntöchter wie Eurowings". The kind may end a compound (Netzbetreiber).
_BODY_KINDS = (
    "verband", "geber", "bande", "gruppe", "auskunftei", "betreiber", "konkurrent", "konkurrenten", "haus",
    "hersteller", "herstellers", "konzern", "konzerne", "konzerns", "gewerkschaft", "gesellschaft",
    "unternehmen", "firma", "tochter", "töchter", "töchtern", "start-up", "versorger", "anbieter",
    "dienstleister", "reederei", "fluggesellschaft", "investor", "fonds",
)  # fmt: skip
_BODY_NAME = r"[A-Z0-9][\w&+-]*(?: [A-Z0-9][\w&+-]*){0,3}"
_AFTER_KIND = re.compile(rf" (?:wie )?({_BODY_NAME})(?: und ({_BODY_NAME}))?")
# A noun this frequent in German ends an organisation's name ("das Auktionshaus Ketterer Kunst").
_COMMON_NOUN = 5.0


def _body_names(text: str, words: list[re.Match[str]]) -> list[Mention]:
    """Organisations a German text names after their kind, with the name as written: brands keep
    their names in English-language news."""
    found = []
    for kind in words:
        if (
            not kind.group().lower().endswith(_BODY_KINDS)
            or (after := _AFTER_KIND.match(text, kind.end())) is None
        ):
            continue
        for group in (1, 2):
            if after[group] is None:
                continue
            parts = after[group].split()
            name = " ".join(parts[:1] + list(itertools.takewhile(_name_word, parts[1:])))
            if _town(name) is None and name not in german_countries() and not _common(name):
                found.append(
                    Mention(name, "ORG", after.start(group), after.start(group) + len(name), MODEL, name)
                )
    return found


def _name_word(word: str) -> bool:
    """A word that goes on an organisation's name: no common German noun, unless a town's name."""
    return zipf_frequency(word.lower(), "de") < _COMMON_NOUN or _town(word) is not None


def _common(word: str) -> bool:
    """A word frequent in German: a noun, not a name ("Bank", "Gruppe")."""
    return zipf_frequency(word.lower(), "de") >= _COMMON_WORD


class GermanNames:
    """A `Recogniser` for German articles by rules; `detail` of each mention holds the English name."""

    name = "rules (German given names, country and state names, towns after a preposition, cities)"
    max_chars: int | None = RULES_MAX_CHARS
    language = "de"

    def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        """People and places in each text."""
        return [self._mentions(text) for text in texts]

    def _mentions(self, text: str) -> list[Mention]:
        countries = german_countries()
        found = [
            Mention(court.group(), "ORG", court.start(), court.end(), MODEL, name)
            for court in _COURT.finditer(text)
            if (name := _court(court[1], court[2])) is not None
        ]
        words = list(_WORD.finditer(text))
        courts = SpanIndex(found)
        found += [b for b in _body_names(text, words) if not courts.overlaps(b.start, b.end)]
        # Courts and organisations named by their kind, in order; the words inside them are taken.
        bodies = sorted(found, key=lambda m: m.start)
        body_starts = [m.start for m in bodies]
        skip_to = -1
        for i, match in enumerate(words):
            word, start, end = match.group(), match.start(), match.end()
            body = bisect.bisect_right(body_starts, start) - 1  # the last body starting at or before
            if start < skip_to or (body >= 0 and start < bodies[body].end):
                continue
            pair_end = words[i + 1].end() if i + 1 < len(words) else end
            pair = text[start:pair_end]  # Vereinigte Staaten
            before = text[max(0, start - 20) : start].split()
            if (
                all(part in given_names() for part in word.split("-"))
                and i + 1 < len(words)
                and text[end : words[i + 1].start()] == " "
                and _surname(words[i + 1].group())
            ):
                found.append(Mention(pair, "PERSON", start, pair_end, MODEL, _english_spelling(pair)))
                skip_to = pair_end
            elif pair in countries:
                found.append(Mention(pair, "GPE", start, pair_end, MODEL, countries[pair]))
            elif (
                pair_end > end
                and text[end : words[i + 1].start()] == " "
                and before
                and before[-1] in _PREPOSITIONS
                and (town := _town(pair)) is not None
            ):  # "bei New York", "in Los Angeles"
                found.append(Mention(pair, "GPE", start, pair_end, MODEL, town))
                skip_to = pair_end
            elif (country := _genitive(word, countries)) is not None:
                found.append(Mention(word, "GPE", start, end, MODEL, country))
            elif (continent := _genitive(word, continents("de"))) is not None:
                found.append(Mention(word, "LOC", start, end, MODEL, continent))
            elif (
                (state := _genitive(word, _STATES)) is not None
                and not _CLUB_BEFORE.search(text[max(0, start - 3) : start])
                and not _CLUB_AFTER.match(text[end : end + 8])
            ):
                found.append(Mention(word, "GPE", start, end, MODEL, state))
            elif (
                (town := _placed_town(word, before, _listed(found, text, start))) is not None
                and not _CLUB_WORD.search(text, max(0, start - 9), start)
            ) or (town := _town_adjective(word, text, end)) is not None:
                found.append(Mention(word, "GPE", start, end, MODEL, town))
        return found

    def wait_ready(self) -> None:
        """Load the name and place tables now."""
        given_names(_GERMAN)
        german_countries()
        german_town_adjectives()
        latin_towns()

    def close(self) -> None:
        """Nothing to release."""
