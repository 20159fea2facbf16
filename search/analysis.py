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
from collections.abc import Callable, Iterable
from itertools import islice

import Stemmer

ANALYZER_VERSION = 2
MAX_WORD_CHARS = 100

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ALNUM = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"['’]s$")
_STEMMER = Stemmer.Stemmer("english")
_STEMMER.maxCacheSize = 0  # _STEMS below memoises whole words


def fold_word(word: str) -> tuple[str, ...]:
    """Case-fold and strip diacritics from one raw word; may split it (e.g. '½' -> '1', '2')."""
    if word.isascii() and word.replace("'", "").isalnum():  # nothing to decompose: split at "'"
        return tuple(part[:MAX_WORD_CHARS] for part in _POSSESSIVE.sub("", word.lower()).split("'") if part)
    folded = _POSSESSIVE.sub("", word.casefold())
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(part[:MAX_WORD_CHARS] for part in _ALNUM.findall(stripped))


def stem(exact: str) -> str:
    """Snowball English stem of an already folded word."""
    return _STEMMER.stemWord(exact)


class _Memo:
    """A bounded memo filled on demand: word -> analysed form. Analysing a text then costs a
    plain dict lookup per word (a dict subclass with __missing__ is slower), which is what
    indexing speed rests on; cleared when huge, so a stream of new words (names, numbers,
    typos) cannot grow it without bound."""

    LIMIT = 1_000_000

    def __init__(self, compute: Callable[[str], str]) -> None:
        self.known: dict[str, str] = {}
        self.compute = compute

    def joined(self, words: list[str]) -> str:
        """The analysed forms of `words`, space-joined."""
        try:
            return " ".join(map(self.known.__getitem__, words))
        except KeyError:
            return " ".join(self.forms(words))

    def forms(self, words: list[str]) -> list[str]:
        """The analysed form of each of `words` (safe beside another thread clearing the memo)."""
        try:
            return list(map(self.known.__getitem__, words))
        except KeyError:
            self.learn(words)
        try:
            return list(map(self.known.__getitem__, words))
        except KeyError:  # cleared meanwhile by another thread's learn()
            return list(map(self.compute, words))

    def learn(self, words: list[str]) -> None:
        missing = set(words).difference(self.known)
        if len(self.known) + len(missing) > self.LIMIT:
            self.known.clear()
            missing = set(words)
        self.known.update((w, self.compute(w)) for w in missing)


# raw word -> its exact tokens, space-joined ("" for a lone mark); folded token -> its stem
_FOLDED = _Memo(lambda word: " ".join(fold_word(word)))
_STEMS = _Memo(lambda exact: " ".join(map(stem, exact.split())))  # of one token, or of a folded word
# ASCII: every character but letters, digits and the apostrophe separates words; apostrophes
# not between two letters or digits are not part of a word, and a word's final "'s" goes.
_ASCII_SEPARATORS = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "'")})
_ASCII_STRAY_APOSTROPHES = re.compile(r"(?<![a-z0-9])'+|'+(?![a-z0-9])")
_ASCII_POSSESSIVE = re.compile(r"(?<=[a-z0-9])'s(?= |$)")


def _ascii_words(text: str) -> list[str] | None:
    """The folded words of an ASCII text in a few C-level passes (lower case, drop a final 's,
    split at inner apostrophes), or None when a word is too long (the general path cuts it)."""
    spaced = text.lower().translate(_ASCII_SEPARATORS)
    if "'" in spaced:
        spaced = _ASCII_POSSESSIVE.sub("", _ASCII_STRAY_APOSTROPHES.sub(" ", spaced)).replace("'", " ")
    words = spaced.split()
    # Longest word by lengths, not by a regular expression: `[a-z0-9]{101}` restarts at every
    # letter and cost a third of the analysis of an article body.
    if len(spaced) > MAX_WORD_CHARS and max(map(len, words), default=0) > MAX_WORD_CHARS:
        return None
    return words


def analyse(text: str) -> tuple[str, str]:
    """The exact and the stemmed token stream of a text, each joined by single spaces."""
    text = nfkc(text)
    exact = _ascii_words(text) if text.isascii() else None
    if exact is None:
        exact = _FOLDED.joined(_WORD.findall(text)).split()
    return " ".join(exact), _STEMS.joined(exact)


def nfkc(text: str) -> str:
    """The text NFKC-normalised (the same object when it already is)."""
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def word_forms(normalised: str) -> tuple[list[str], list[str]]:
    """The exact and the stemmed form of each word of an NFKC text, in order, by memo lookups
    alone once the words are known (highlighting analyses the whole text of every hit)."""
    exact = _exact_forms(normalised)
    return exact, _STEMS.forms(exact)


def _exact_forms(normalised: str) -> list[str]:
    """The exact form of each word of an NFKC text, in order ("" for a lone mark, several
    space-joined tokens for "don't")."""
    return _FOLDED.forms(_WORD.findall(normalised))


def word_spans(normalised: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """The character spans of words lo..hi-1 of an NFKC text."""
    return [m.span() for m in islice(_WORD.finditer(normalised), lo, hi)]


def token_spans(text: str) -> list[tuple[int, int]]:
    """The span of each token's word, in token order (to quote matches as written; (0, 0)
    when NFKC changed the text's length)."""
    normalised = nfkc(text)
    exact = _exact_forms(normalised)
    spans = word_spans(normalised) if len(normalised) == len(text) else [(0, 0)] * len(exact)
    if "" not in exact and not any(" " in e for e in exact):  # one token per word: the usual case
        return spans
    return [span for span, e in zip(spans, exact, strict=True) if e for _ in range(e.count(" ") + 1)]


def exact_terms(text: str) -> list[str]:
    """Folded, unstemmed words of a text, in order."""
    return analyse(text)[0].split()


def stem_terms(text: str) -> list[str]:
    """Stemmed words of a text, in order."""
    return analyse(text)[1].split()


def fold_keyword(value: str) -> str:
    """Normalise a keyword value (source, entity, topic, language) for equality matching."""
    if value.isascii():  # nothing to decompose or strip
        return " ".join(value.casefold().split())
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
