"""The text enrichment reads: title and body in one string, cleaned, and the part NER reads.

Offsets of entities (`first_offset`) are positions in this string.
"""

from __future__ import annotations

import re

from search.document import text_fields
from stream.enrich.places import place_spellings
from wirewatch.schema import Article

# Control characters (other than tab and newline), lone surrogates and non-characters carry no
# words; they are replaced one-for-one by spaces so that offsets stay valid.
_JUNK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_BREAK = re.compile(r"\n\s*\n|(?<=[.!?])\s+")
# A wire dateline: "KYIV -", "NEW DELHI (Reuters) -", "KENDARI, Indonesia -", or with the date
# as German, Russian and Ukrainian agencies write it: "WIESBADEN, 15. Januar.", "САНКТ-ПЕТЕРБУРГ,
# 6 февраля.", "КИЇВ, 10 жовтня.". The model and the other languages' rules read upper-case words
# badly, and the model merges the place with the sentence after the dash ("CUPERTINO - Apple").
_MONTHS = (
    "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|"  # Russian
    "січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня"  # Ukrainian
)
_DATE_NEXT = rf"(?=\d{{1,2}}(?:\. | (?:{_MONTHS})\.))"  # the date after the place
_CAPITAL = "A-ZА-ЯЁІЇЄҐ"  # Latin and Cyrillic
ENGLISH_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# An English wire's date between the place and the agency's credit: "LIMA, June 8 (Reuters) -".
_ENGLISH_DATE = rf"(?:, (?:{ENGLISH_MONTHS}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? \d{{1,2}})?"
_CREDIT = r"\([^)\n]{1,40}\)"  # the agency's credit: "(Reuters)"
_DATELINE = re.compile(
    rf"^([{_CAPITAL}][{_CAPITAL}'.-]+(?: [{_CAPITAL}][{_CAPITAL}'.-]+){{0,3}})"
    r"((?:, [A-Z][\w'.]*(?: [A-Z][\w'.]*){0,2})?)"
    rf"({_ENGLISH_DATE}(?: ({_CREDIT}))? [-–—] |, {_DATE_NEXT})"
)
# Small words inside place names ("Madre de Dios", "Frankfurt am Main", "Rostov-on-Don").
_PARTICLES = frozenset(
    {"de", "da", "do", "dos", "das", "del", "di", "du", "des", "of", "on", "au", "am", "upon", "sur"}
)
# The same dateline once rewritten by article_text: the body's first "sentence" is the place (and
# its country or state).
_PLACE_WORD = rf"[{_CAPITAL}][\w'.-]*"
_WRITTEN_DATELINE = re.compile(
    rf"\n\n({_PLACE_WORD}(?: (?:(?:{'|'.join(sorted(_PARTICLES))}) )?{_PLACE_WORD}){{0,3}})"
    rf"(?:, [A-Z][\w'.]*(?: [A-Z][\w'.]*){{0,2}})?(?: +{_CREDIT})?\.(?:  | {_DATE_NEXT})"
)


def article_text(article: Article) -> str:
    """Title, a blank line, then the body (summary and content without repeats), cleaned.

    A dateline opening the body is written as a sentence ("NEW DELHI - The" becomes
    "New Delhi.  The", "NARA, Japan - The" "Nara, Japan.  The", "BERLIN, 5. Dezember. Der" "Berlin.
    5. Dezember. Der", "LIMA, June 8 (Reuters) - Peru" "Lima         (Reuters).  Peru"), with the
    same length so that offsets still point into the article. An agency's credit stays where it
    was written: the agency is a name the article gives.
    """
    fields = text_fields(article)
    body = _DATELINE.sub(_dateline_sentence, fields["body"].strip())
    return _JUNK.sub(" ", f"{fields['title'].strip()}\n\n{body}")


def _dateline_sentence(match: re.Match[str]) -> str:
    place, region, rest, credit = match.groups()
    kept = " " * (match.start(4) - match.start(3)) + credit if credit else ""  # where it was written
    return _written(place) + region + kept + "." + " " * (len(rest) - len(kept) - 1)


def _written(place: str) -> str:
    """A dateline's capitals as the place is written: GeoNames' spelling when it has one of the same
    length ("RIO DE JANEIRO" -> "Rio de Janeiro"), else each word capitalised ("COX'S" -> "Cox's",
    "UST-LUGA" -> "Ust-Luga")."""
    known = place_spellings().get(place.casefold())
    if known is not None and len(known) == len(place):
        return known
    words = re.split(r"([ -])", place.lower())
    return "".join(w if i and w in _PARTICLES else w[:1].upper() + w[1:] for i, w in enumerate(words))


def dateline_place(text: str) -> tuple[int, int] | None:
    """Where the place of the body's wire dateline is in `article_text` output, if it has one."""
    title_end = text.find("\n\n")
    match = _WRITTEN_DATELINE.match(text, title_end) if title_end >= 0 else None
    return match.span(1) if match else None


def head(text: str, max_chars: int) -> str:
    """The first `max_chars` of text, cut back to the last paragraph or sentence end when possible."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    ends = [m.start() for m in _BREAK.finditer(cut)]
    if ends and ends[-1] > max_chars // 2:
        return cut[: ends[-1]]
    return cut
