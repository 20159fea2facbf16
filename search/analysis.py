"""The one text analyser used by the in-stream matcher and by every search backend.

Backends never tokenise on their own: they index the token streams produced here (stemmed and
exact forms, space-separated), so a query matches the same articles in the matcher, in SQLite
FTS5 and in Elasticsearch by construction.

Rules: NFKC-normalise; words are runs of letters/digits, with inner apostrophes kept so that a
possessive "'s" can be dropped; everything else (hyphens, dots, slashes) separates words, so
"air-defense" is the two-word phrase "air defense" and "U.S." is "u s". Each word is case-folded
and stripped of diacritics (all scripts), and cut to MAX_WORD_CHARS (Lucene refuses huge terms);
the stemmed form uses the Snowball English stemmer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

ANALYZER_VERSION = 2
MAX_WORD_CHARS = 100

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ALNUM = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"['’]s$")
_STEMMER = Stemmer.Stemmer("english")
_STEMMER.maxCacheSize = 0  # our lru_cache below already memoises whole words


@dataclass(frozen=True, slots=True)
class Token:
    """One analysed word: stemmed and exact (folded) forms, its position and source span."""

    stem: str
    exact: str
    position: int
    start: int
    end: int


@lru_cache(maxsize=262_144)
def fold_word(word: str) -> tuple[str, ...]:
    """Case-fold and strip diacritics from one raw word; may split it (e.g. '½' -> '1', '2')."""
    folded = _POSSESSIVE.sub("", word.casefold())
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(part[:MAX_WORD_CHARS] for part in _ALNUM.findall(stripped))


@lru_cache(maxsize=262_144)
def stem(exact: str) -> str:
    """Snowball English stem of an already folded word."""
    return _STEMMER.stemWord(exact)


def tokens(text: str) -> Iterator[Token]:
    """Analyse text into tokens with positions and character spans in the original text."""
    normalised = unicodedata.normalize("NFKC", text)
    # NFKC can change lengths (ligatures); spans are only exact when it did not.
    spans_valid = len(normalised) == len(text)
    position = 0
    for match in _WORD.finditer(normalised):
        start, end = (match.start(), match.end()) if spans_valid else (0, 0)
        for part in fold_word(match.group()):
            yield Token(stem(part), part, position, start, end)
            position += 1


def exact_terms(text: str) -> list[str]:
    """Folded, unstemmed words of a text, in order."""
    normalised = unicodedata.normalize("NFKC", text)
    return [part for word in _WORD.findall(normalised) for part in fold_word(word)]


def stem_terms(text: str) -> list[str]:
    """Stemmed words of a text, in order."""
    return [stem(word) for word in exact_terms(text)]


def fold_keyword(value: str) -> str:
    """Normalise a keyword value (source, entity, topic, language) for equality matching."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def topic_keys(topics: Iterable[str]) -> set[str]:
    """Topic keys with their ancestors, so `topic:conflict` matches 'conflict/air-defense'."""
    keys: set[str] = set()
    for topic in topics:
        parts = fold_keyword(topic).split("/")
        keys.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return keys
