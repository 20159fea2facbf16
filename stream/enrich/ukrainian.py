"""Names in Ukrainian text by rules: no NER model for Ukrainian is installable here.

Two kinds of name are found, each given as English-language news writes it:
- people written as a Ukrainian given name and a surname ("Олег Кіпер" -> Oleh Kiper), the
  way wire copy first names someone, in any case ("Романа Ткачука" -> Roman Tkachuk), spelled by
  the national romanisation (KMU 2010);
- places, countries and continents in any grammatical case ("у Полтаві", "до Польщі", "з
  Європи" -> Poltava, Poland, Europe), by turning the word back to its nominative and looking it
  up in GeoNames' and CLDR's names; regions and districts by their town's adjective
  ("Полтавській області" -> Poltava, "у Фастівському районі" -> Fastiv).

Organisations and foreign people are left to the gazetteer.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator, Sequence

from stream.enrich.entities import RULES_MAX_CHARS
from stream.enrich.normalisation import MODEL, Mention, SpanIndex, listed_names, region_mentions
from stream.enrich.places import (
    continents,
    country_names,
    cyrillic_places,
    lowered_continents,
    ukrainian_towns,
)

_WORD = re.compile(r"[А-ЯІЇЄҐ][а-яіїєґʼ'’]+(?:-[А-ЯІЇЄҐа-яіїєґ][а-яіїєґʼ'’]+)?")
UKRAINIAN_GIVEN_NAMES = frozenset([
    "олександр", "олексій", "андрій", "сергій", "володимир", "дмитро", "михайло", "микола", "іван", "юрій",
    "віталій", "віктор", "василь", "петро", "павло", "олег", "ігор", "роман", "руслан", "тарас", "богдан",
    "ярослав", "максим", "артем", "денис", "євген", "костянтин", "анатолій", "валерій", "вадим",
    "геннадій", "григорій", "степан", "тимур", "кирило", "антон", "борис", "леонід", "мстислав",
    "станіслав", "вʼячеслав", "в'ячеслав", "федір", "ілля", "георгій", "остап", "назар", "святослав",
    "всеволод", "олена", "ольга", "наталія", "тетяна", "світлана", "юлія", "ірина", "марія", "анна",
    "оксана", "людмила", "катерина", "вікторія", "галина", "лариса", "надія", "христина", "дарія", "софія",
    "анастасія", "інна", "алла", "яна", "вероніка", "ганна", "маріанна", "матвій", "семен", "владислав",
    "данило", "тимофій", "ростислав", "мирослав", "орест", "зіновій", "ярема", "лев", "мирон", "нестор",
    "устим", "яків", "едуард", "валентин", "арсеній", "гліб", "захар", "марко", "давид", "олесь",
    "ярослава", "мирослава", "регіна", "валентина", "віра", "ніна", "тамара", "лідія", "раїса", "зоя",
    "любов", "лілія", "олеся", "соломія", "уляна", "мар'яна", "марʼяна", "діана", "євгенія", "кіра",
    "ілона", "злата", "поліна", "аліна", "карина", "валерія", "неля", "жанна", "зінаїда", "єлизавета",
])  # fmt: skip
# News spellings of given names that differ from the national romanisation: Юлія is Yulia. A final
# -ій stays -ii (Serhii, Oleksii), as the romanisation and most of the evaluation's writers have it;
# others write -iy (Serhiy), about as often.
_NEWS_FORMS = {"юлія": "Yulia"}
# KMU 2010, letter by letter; _INITIAL: the first form at a word's start, the second elsewhere.
_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "y", "і": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ь": "", "ʼ": "", "'": "", "’": "",
}  # fmt: skip
_INITIAL = {"є": ("ye", "ie"), "ї": ("yi", "i"), "й": ("y", "i"), "ю": ("yu", "iu"), "я": ("ya", "ia")}
# Case endings, longest first, and the nominative endings a stem may take back.
_ENDINGS = (
    "ами", "ями", "ого", "ому", "ою", "ею", "єю", "ом", "ем", "ах", "ях", "ів", "і", "у", "ю", "а", "я", "и",
    "ї", "",
)  # fmt: skip
_NOMINATIVE = ("", "а", "я", "ь", "й", "и", "і", "о", "е")  # the last two: Дніпро, Рівне


def romanise(word: str) -> str:
    """A Ukrainian word in Latin letters by the KMU 2010 table ("зг" is "zgh")."""
    lower = word.lower()
    out = []
    for i, ch in enumerate(lower):
        if ch in _INITIAL:
            out.append(_INITIAL[ch][0 if i == 0 or lower[i - 1] == "-" else 1])
        elif ch == "г" and i > 0 and lower[i - 1] == "з":
            out.append("gh")
        else:
            out.append(_LETTERS.get(ch, ch))
    latin = "".join(out)
    return "-".join(part[:1].upper() + part[1:] for part in latin.split("-")) if word[:1].isupper() else latin


def _place(word: str) -> tuple[str, str] | None:
    """The English name and type of a place written in any case, if a table knows it: a Ukrainian
    town's (by Ukraine's romanisation) before a foreign place's ("Рені" is Reni, not Rennes), a
    continent's (LOC) last."""
    lower = word.lower().translate(_APOSTROPHES)  # GeoNames writes "куп’янськ" or "купянськ"
    candidates = list(_nominatives(lower))
    if "’" in lower:
        candidates += _nominatives(lower.replace("’", ""))
    for table, label in ((_towns(), "GPE"), (cyrillic_places(), "GPE"), (lowered_continents("uk"), "LOC")):
        if (name := next((table[c] for c in candidates if c in table), None)) is not None:
            return name, label
    return None


_APOSTROPHES = str.maketrans({"'": "’", "ʼ": "’"})


def _nominatives(lower: str) -> Iterator[str]:
    """The nominatives a lower-cased word in any case may have, the likeliest first."""
    for ending in _ENDINGS:
        if not lower.endswith(ending) or len(lower) - len(ending) < 3:
            continue
        stem = lower[: len(lower) - len(ending)]
        # Львові -> Львів, Києві -> Київ: a closed last syllable turns о, е, є into і, ї.
        for s in (*(stem[:i] + v + stem[i + 1 :] for i in _last_vowel(stem) for v in "іїи"), stem):
            for nominative in _NOMINATIVE:
                yield s + nominative
    # Last, a vowel the other cases drop from a closed last syllable: Єгипту -> Єгипет.
    for ending in _ENDINGS[:-1]:
        stem = lower.removesuffix(ending)
        if stem != lower and len(stem) >= 3 and stem[-1] not in _VOWELS and stem[-2] not in _VOWELS:
            yield stem[:-1] + "е" + stem[-1]


def _region_name(nominative: str) -> str | None:
    """A region's name from its town's, by Ukraine's romanisation (Полтава -> Poltava; Кіровоград ->
    Kirovohrad: regions kept names their towns dropped)."""
    return romanise(nominative.title()) if nominative in cyrillic_places() else None


@functools.cache
def _towns() -> dict[str, str]:
    """Ukraine's towns by their Cyrillic names, lower-cased, in any spelling GeoNames lists (Львов,
    Кировоград) -> the Latin name by Ukraine's romanisation of the town's Ukrainian name: the
    alternate with Ukrainian letters that romanises nearest GeoNames' name (Нікополь, not
    Нікопіль; Ізмаїл -> Izmail, not GeoNames' Izmayil). A stray alternate never takes a name that
    is another town's own."""
    own: dict[str, str] = {}
    others: dict[str, str] = {}
    for geonames, names in ukrainian_towns():
        if not names:
            continue
        best = max(names, key=lambda n: (_likeness(romanise(n), geonames), bool(_UKRAINIAN_LETTERS & set(n))))
        latin = romanise(best.title())
        own[best] = latin
        others.update(dict.fromkeys(names, latin))
    return others | own


_UKRAINIAN_LETTERS = frozenset("іїєґ")


def _likeness(a: str, b: str) -> float:
    """How alike two Latin names are, 0 to 1, ignoring case."""
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _last_vowel(stem: str) -> list[int]:
    """The index of the stem's last vowel when it is о, е or є (a list of zero or one)."""
    for i in range(len(stem) - 1, -1, -1):
        if stem[i] in "аеєиіїоуюя":
            return [i] if stem[i] in "оеє" else []
    return []


def _person(given: str, surname: str) -> tuple[str, str] | None:
    """A given name and a surname in any case, both in the nominative; None when the first word is
    no given name ("Романа Ткачука" -> Роман Ткачук, "Тетяні Степановій" -> Тетяна Степанова)."""
    lower = given.lower()
    if lower in UKRAINIAN_GIVEN_NAMES:
        return given, surname
    form = _given_forms().get(lower)
    if form is None:
        return None
    nominative, feminine, case = form
    declined = _surname_nominative(surname, feminine, case)
    if not feminine and case == "gen" and lower.endswith("а") and declined == surname:
        # A man's genitive would decline his surname too ("Олександра Коваленка"): one that does not
        # is a woman's name in the nominative ("Олександра Ковальчук").
        return given, surname
    return nominative.title(), declined


# Case endings of given names: (nominative's ending, oblique ending, case), by the nominative's
# shape; a name in -а or -я declines alike for a man (Микола) and a woman (Олена).
_A_ENDINGS = [("а", "и", "gen"), ("а", "і", "dat"), ("а", "у", "gen"), ("а", "ою", "ins")]
_YA_ENDINGS = [("я", "і", "gen"), ("я", "ю", "gen"), ("я", "ею", "ins")]
_MASCULINE_ENDINGS = {
    "consonant": [("", "а", "gen"), ("", "я", "gen"), ("", "у", "dat"), ("", "ю", "dat"), ("", "ові", "dat"),
                  ("", "еві", "dat"), ("", "ом", "ins"), ("", "ем", "ins"), ("", "і", "loc")],
    "ій": [("ій", "ія", "gen"), ("ій", "ію", "dat"), ("ій", "ієві", "dat"), ("ій", "ієм", "ins"),
           ("ій", "ії", "loc")],
    "о": [("о", "а", "gen"), ("о", "у", "dat"), ("о", "ові", "dat"), ("о", "ом", "ins"), ("о", "і", "loc")],
    "а": _A_ENDINGS,
    "я": _YA_ENDINGS,
}  # fmt: skip
_FEMININE_ENDINGS = {
    "а": _A_ENDINGS,
    "ія": [("ія", "ії", "gen"), ("ія", "ію", "gen"), ("ія", "ією", "ins")],
    "я": _YA_ENDINGS,
}  # fmt: skip
_VOWELS = "аеєиіїоуюя"
_MASCULINE_IN_A = frozenset({"микола", "ілля", "сава", "ярема"})
# Surname endings by gender and case, most specific first: (oblique ending, nominative ending).
_SURNAME_ENDINGS = {
    (False, "gen"): [("енка", "енко"), ("ського", "ський"), ("цького", "цький"), ("ого", "ий"),
                     ("ього", "ій"), ("а", ""), ("я", "")],
    (False, "dat"): [("енкові", "енко"), ("енку", "енко"), ("ському", "ський"), ("ому", "ий"), ("ові", ""),
                     ("еві", ""), ("у", ""), ("ю", "")],
    (False, "ins"): [("енком", "енко"), ("ським", "ський"), ("им", "ий"), ("ом", ""), ("ем", "")],
    (False, "loc"): [("енкові", "енко"), ("ському", "ський"), ("ові", ""), ("і", "")],
    (True, "gen"): [("ської", "ська"), ("цької", "цька"), ("ової", "ова"), ("евої", "ева"), ("іної", "іна"),
                    ("ої", "а"), ("ську", "ська"), ("ову", "ова")],
    (True, "dat"): [("ській", "ська"), ("цькій", "цька"), ("овій", "ова"), ("евій", "ева"), ("іній", "іна"),
                    ("ій", "а")],
    (True, "ins"): [("ською", "ська"), ("цькою", "цька"), ("овою", "ова"), ("евою", "ева"), ("іною", "іна"),
                    ("ою", "а")],
}  # fmt: skip


@functools.cache
def _given_forms() -> dict[str, tuple[str, bool, str]]:
    """Oblique form of each given name -> (nominative, feminine, case)."""
    forms: dict[str, tuple[str, bool, str]] = {}
    for name in sorted(UKRAINIAN_GIVEN_NAMES):
        feminine = name[-1] in "ая" and name not in _MASCULINE_IN_A
        table = _FEMININE_ENDINGS if feminine else _MASCULINE_ENDINGS
        shape = next((e for e in ("ія", "ій", "о", "а", "я") if name.endswith(e) and e in table), "consonant")
        for ending, oblique, case in table.get(shape, []):
            form = name[: len(name) - len(ending)] + oblique
            if form not in UKRAINIAN_GIVEN_NAMES:
                forms.setdefault(form, (name, feminine, case))
    return forms


def _surname_nominative(surname: str, feminine: bool, case: str) -> str:
    """A surname in the nominative from the case its given name is in, or, when no ending of that
    case fits, another case the given name's form shares ("Вікторії" is genitive, dative or
    locative: "Вікторії Амеліній" is dative); a woman's surname that is not an adjective
    (Коваленко, Магучіх) does not change."""
    others = [c for (f, c) in _SURNAME_ENDINGS if f == feminine and c != case]
    for each in (case, *others):
        for oblique, nominative in _SURNAME_ENDINGS.get((feminine, each), []):
            if surname.endswith(oblique) and len(surname) - len(oblique) >= 2:
                stem = surname[: len(surname) - len(oblique)]
                if not nominative and stem[-1] == "к" and stem[-2] not in _VOWELS:
                    return stem + "о"  # Попка -> Попко (Ткачука -> Ткачук)
                return stem + nominative
    return surname


def _home(place: str) -> bool:
    """A Ukrainian town, a country or a continent: names a Ukrainian text capitalises only as places."""
    return place in country_names() or place in _ukrainian_town_names() or place in continents("uk").values()


@functools.cache
def _ukrainian_town_names() -> frozenset[str]:
    return frozenset(_towns().values())


def _unlike_a_place(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Whether a word that reads as a foreign town is more likely something else: a common word
    capitalised at a sentence's start (Він, "he", is Vinh; Далі, "next", is Dali) or part of a
    foreign person's name, beside another capitalised word (Джордж, Паркер). On dev: 13 false
    places gone, no place lost."""
    start = words[i].start()
    before = text[max(0, start - 8) : start].rstrip(" «\"'“„(")
    if not before or before[-1] in ".!?…\n:—–-":
        return True
    prev = words[i - 1] if i else None
    nxt = words[i + 1] if i + 1 < len(words) else None
    return (prev is not None and text[prev.end() : start] == " ") or (
        nxt is not None and text[words[i].end() : nxt.start()] == " "
    )


_NAME = r"[А-ЯІЇЄҐ][а-яіїєґʼ'’]+(?:-[А-ЯІЇЄҐ][а-яіїєґʼ'’]+)?"
# A village or town named after its noun, in the nominative whatever the noun's case ("у селі
# Петропавлівка", "села Ківшарівка та Петропавлівка"): GeoNames lists no village this small.
_VILLAGE_NOUN = re.compile(r"\b(?:сел[оаіу]|селищ[еаіу]|смт|містечк[оаіу])\s+(?=[А-ЯІЇЄҐ])")
_VILLAGE_NAME, _VILLAGE_GLUE = re.compile(_NAME), re.compile(r",\s*|\s+(?:та|і|й)\s+")
# A city's district by its adjective ("у Салтівському районі" -> Saltivskyi District), also in a
# list ("у Святошинському, Оболонському та Голосіївському районах"), unless the adjective is a
# town's ("у Фастівському районі" is Fastiv, found as a region before).
_DISTRICT_ENDING = "ському|цькому|ьому|ому|ого|ий|ім|им"
_DISTRICT_ADJECTIVE = re.compile(rf"({_NAME})({_DISTRICT_ENDING})\b")
_ADJECTIVE_FORM = rf"{_NAME}(?:{_DISTRICT_ENDING})"
_DISTRICTS = re.compile(
    rf"{_ADJECTIVE_FORM}(?:\s*,\s*{_ADJECTIVE_FORM}|\s+(?:та|і|й)\s+{_ADJECTIVE_FORM})*"
    r"\s+район(?:і|у|ом|и|ах|ів|ами)?\b"
)
_ADJECTIVE_NOMINATIVE = {
    "ському": "ський",
    "цькому": "цький",
    "ьому": "ій",
    "ому": "ий",
    "ого": "ий",
    "ім": "ий",
    "им": "ий",
}


def _villages(text: str) -> list[Mention]:
    """Villages and towns named right after their noun, by Ukraine's romanisation."""
    return [
        Mention(name.group(), "GPE", name.start(), name.end(), MODEL, romanise(name.group()))
        for noun in _VILLAGE_NOUN.finditer(text)
        for name in listed_names(text, noun.end(), _VILLAGE_NAME, _VILLAGE_GLUE)
    ]


def _city_districts(text: str) -> list[Mention]:
    """Districts by their adjectives, as "<adjective> District", or as the town whose name the
    adjective is."""
    found = []
    for districts in _DISTRICTS.finditer(text):
        for district in _DISTRICT_ADJECTIVE.finditer(districts.group()):
            stem, ending = district[1], district[2]
            nominative = stem + _ADJECTIVE_NOMINATIVE.get(ending, ending)
            # A town of two words named like an adjective (Білгород-Дністровський); "Шевченківський",
            # the name of a village as well as of city districts, is the district.
            town = _towns().get(nominative.lower()) if "-" in nominative else None
            name = town if town is not None else f"{romanise(nominative)} District"
            start, end = districts.start() + district.start(), districts.start() + district.end()
            found.append(Mention(text[start:end], "GPE", start, end, MODEL, name))
    return found


class UkrainianNames:
    """A `Recogniser` for Ukrainian articles by rules; `detail` of each mention holds the English name."""

    name = "rules (Ukrainian given names, GeoNames and CLDR places)"
    max_chars: int | None = RULES_MAX_CHARS
    language = "uk"

    def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        """People and places in each text."""
        return [self._mentions(text) for text in texts]

    def _mentions(self, text: str) -> list[Mention]:
        words = list(_WORD.finditer(text))
        found: list[Mention] = []
        skip_to = -1
        for i, match in enumerate(words):
            if match.start() < skip_to:
                continue
            word = match.group()
            surname = words[i + 1] if i + 1 < len(words) else None
            person = _person(word, surname.group()) if surname is not None else None
            if person is not None and surname is not None and text[match.end() : surname.start()] == " ":
                given_nominative, surname_nominative = person
                given = _NEWS_FORMS.get(given_nominative.lower()) or romanise(given_nominative)
                name = f"{given} {romanise(surname_nominative)}"
                found.append(
                    Mention(
                        text[match.start() : surname.end()],
                        "PERSON",
                        match.start(),
                        surname.end(),
                        MODEL,
                        name,
                    )
                )
                skip_to = surname.end()
                continue
            place = None if word.lower() in UKRAINIAN_GIVEN_NAMES else _place(word)  # Володимир, a town too
            if place is not None and not _home(place[0]) and _unlike_a_place(text, words, i):
                place = None
            if place is not None:
                found.append(Mention(word, place[1], match.start(), match.end(), MODEL, place[0]))
        found += region_mentions(text, found, _region_name, districts=True)
        taken = SpanIndex(found)
        return found + [
            m for m in _villages(text) + _city_districts(text) if not taken.overlaps(m.start, m.end)
        ]

    def wait_ready(self) -> None:
        """Load the place tables now."""
        cyrillic_places()
        _towns()

    def close(self) -> None:
        """Nothing to release."""
