"""Whole-word multi-pattern matching (Aho-Corasick), for the gazetteer and for counting mentions.

One automaton finds every pattern in one pass over the text, whatever the number of patterns.
Matching is on lower-cased text; a case-sensitive pattern is checked against the original too.
A word ending in `*` matches the start of a word ("Киев*" finds "Киева", "Киеве"; "Черн* мор*"
finds "Черного моря"), which is how inflected languages (Russian, Ukrainian, German) are covered
without a stemmer per language.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Pattern(Generic[T]):
    """One surface form to look for, and what a match of it means."""

    text: str
    payload: T
    case_sensitive: bool = False

    @property
    def prefix(self) -> bool:
        return self.text.endswith("*")

    @property
    def literal(self) -> str:
        """What the automaton looks for: the text up to its first `*`."""
        return self.text.split("*", 1)[0]

    @property
    def tail(self) -> re.Pattern[str] | None:
        """For a pattern with a `*` before its last word, what must follow the literal (lower-cased)."""
        return _tail(self.text) if "*" in self.text.removesuffix("*") else None


@functools.cache
def _tail(text: str) -> re.Pattern[str]:
    """The rest of a pattern after its first `*`: each `*` any word characters, spaces any spaces."""
    rest = lowered(text.split("*", 1)[1])
    parts = [r"\w*"]
    for token in re.split(r"(\*|\s+)", rest):
        parts.append(r"\w*" if token == "*" else r"\s+" if token.isspace() else re.escape(token))
    if not text.endswith("*"):
        parts.append(r"(?!\w)")
    return re.compile("".join(parts))


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    """A pattern found at text[start:end]."""

    start: int
    end: int
    pattern: Pattern[T]


def lowered(text: str) -> str:
    """Lower-case text with the same length as the input, so offsets stay valid."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)


def _word_char(text: str, index: int) -> bool:
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


def _word_end(text: str, index: int) -> int:
    while _word_char(text, index):
        index += 1
    return index


class PatternMatcher(Generic[T]):
    """Finds whole-word occurrences of many patterns; overlapping matches resolve leftmost-longest."""

    def __init__(self, patterns: Iterable[Pattern[T]]) -> None:
        self._automaton = ahocorasick.Automaton()
        by_key: dict[str, list[Pattern[T]]] = {}
        for pattern in patterns:
            key = lowered(pattern.literal)
            if key.strip():
                by_key.setdefault(key, []).append(pattern)
        for key, group in by_key.items():
            self._automaton.add_word(key, (len(key), tuple(group)))
        self._empty = not by_key
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Match[T]]:
        """Non-overlapping matches in text order: where two start together the longest, and where
        they cover the same words the one with the longest literal ("Дніпропетров*" over "Дніпр*")."""
        if self._empty or not text:
            return []
        low = lowered(text)
        found: list[Match[T]] = []
        for end_index, (length, group) in self._automaton.iter(low):
            start, end = end_index - length + 1, end_index + 1
            if _word_char(text, start - 1) and _word_char(text, start):
                continue
            for pattern in group:
                if pattern.case_sensitive and text[start:end] != pattern.literal:
                    continue
                tail = pattern.tail
                if tail is not None:
                    rest = tail.match(low, end)
                    if rest is None:
                        continue
                    end = rest.end()
                elif pattern.prefix:
                    end = _word_end(text, end)
                elif _word_char(text, end) and _word_char(text, end - 1):
                    continue
                found.append(Match(start, end, pattern))
                break
        found.sort(key=lambda m: (m.start, m.start - m.end, -len(m.pattern.literal)))
        chosen: list[Match[T]] = []
        for match in found:
            if not chosen or match.start >= chosen[-1].end:
                chosen.append(match)
        return chosen
