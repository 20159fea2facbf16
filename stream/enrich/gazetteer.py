"""The gazetteer: domain terms the NER model misses or mislabels, found in any language.

Each entry has a canonical name, a type, surface forms (Latin and Cyrillic, `stem*` for inflected
words), an optional category (e.g. `air-defense`, used by topic rules), optional context words
of which one must occur in the article (so "Patriot" is a weapon only near "missile", "battery"...),
and for a family of names that go on with a number (`numbered`: "Shenzhou-24", "Long March 5"),
each number its own name. A gazetteer hit overrides whatever the model said about the same span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stream.enrich.datafiles import load_layers
from stream.enrich.patterns import Match, Pattern, PatternMatcher, lowered

SHIPPED = "gazetteer.yaml"


class EntryModel(BaseModel):
    """One gazetteer entry as written in YAML."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=20, pattern=r"^[A-Z_]+$")
    patterns: list[str] = Field(default_factory=list)
    category: str | None = None
    context: list[str] = Field(default_factory=list)
    case_sensitive: bool = False
    numbered: bool = False


class GazetteerFile(BaseModel):
    """A gazetteer YAML file: `entries: [...]`, each name once (a later file may replace an entry
    by its name, but a second entry in the same file would silently drop the first's patterns)."""

    model_config = ConfigDict(extra="forbid")

    entries: list[EntryModel] = Field(default_factory=list)

    @field_validator("entries")
    @classmethod
    def _names_once(cls, entries: list[EntryModel]) -> list[EntryModel]:
        seen: set[str] = set()
        for entry in entries:
            if entry.name in seen:
                raise ValueError(f"entry {entry.name!r} appears twice; merge its patterns into one entry")
            seen.add(entry.name)
        return entries


@dataclass(frozen=True, slots=True)
class Entry:
    """A loaded entry; `origin` is the file it came from (for --explain)."""

    name: str
    type: str
    category: str | None
    context: tuple[str, ...]
    origin: str
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A gazetteer entry found at text[start:end]."""

    start: int
    end: int
    surface: str
    pattern: str
    entry: Entry
    name: str  # the entry's, or for a numbered family the member's ("Shenzhou-24")


class Gazetteer:
    """All entries compiled into one Aho-Corasick matcher."""

    def __init__(self, entries: list[tuple[EntryModel, str]]) -> None:
        by_name: dict[str, tuple[EntryModel, str]] = {}
        for model, origin in entries:
            by_name[model.name] = (model, origin)  # a later file replaces an entry of the same name
        patterns: list[Pattern[Entry]] = []
        self.entries: dict[str, Entry] = {}
        for model, origin in by_name.values():
            context = tuple(lowered(c) for c in model.context)
            entry = Entry(model.name, model.type, model.category, context, origin, model.numbered)
            self.entries[entry.name] = entry
            for text in dict.fromkeys([model.name, *model.patterns, *_plurals(model)]):
                patterns.append(Pattern(text, entry, model.case_sensitive))
        self._matcher = PatternMatcher(patterns)

    @classmethod
    def load(cls, user_file: Path | None = None) -> Gazetteer:
        """The shipped gazetteer, extended (or overridden by name) by the user's file."""
        return cls(
            [
                (entry, str(path))
                for path, data in load_layers(SHIPPED, user_file, GazetteerFile)
                for entry in data.entries
            ]
        )

    def find(self, text: str) -> list[Hit]:
        """Entries found in `text` whose context condition (if any) holds in the same text."""
        matches: list[Match[Entry]] = self._matcher.find(text)
        if not matches:
            return []
        low = lowered(text)
        context_ok: dict[str, bool] = {}
        hits = []
        for m in matches:
            entry = m.pattern.payload
            if entry.name not in context_ok:
                context_ok[entry.name] = not entry.context or any(word in low for word in entry.context)
            if not context_ok[entry.name]:
                continue
            number = _NUMBER.match(text, m.end) if entry.numbered else None
            end = number.end() if number else m.end
            name = entry.name + number.group().translate(_LATIN_SUFFIX) if number else entry.name
            hits.append(Hit(m.start, end, text[m.start : end], m.pattern.text, entry, name))
        return hits


_NUMBER = re.compile(r"[- ]?\d+(?:\.\d+[a-zабв]?)?[A-Z]?\b")  # "-24", " 5", "6A", "-2.1a", "-2.1б"
_LATIN_SUFFIX = str.maketrans("абв", "abv")  # a version letter in Cyrillic: "Союз-2.1б" is Soyuz-2.1b


def _plurals(model: EntryModel) -> list[str]:
    """A weapon's English plural ("Shaheds", "Iskanders"): news counts them as often as it names them."""
    if model.type != "WEAPON":
        return []
    return [
        f"{text}s"
        for text in [model.name, *model.patterns]
        if text[-1:].isascii() and text[-1:].isalpha() and text[-1] not in "sS*"
    ]
