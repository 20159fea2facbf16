"""The alias table: variant spellings of a name -> its one canonical name (and, optionally, type).

Written as YAML, `Canonical: [variant, ...]` or `Canonical: {type: GPE, forms: [variant, ...]}`;
`Name: {ignore: true}` drops a name the model keeps finding that is no entity ("Defence").
Lookups ignore case, dots and extra spaces, so "U.S.", "US" and "u.s." are one key.
A type given here pins the entity's type in every article, whatever the model says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, RootModel

from stream.enrich.datafiles import load_layers

SHIPPED = "aliases.yaml"
_DOTS = re.compile(r"[.\u00b7]")


class AliasSpec(BaseModel):
    """The long form of an entry: variant forms and an optional pinned type."""

    model_config = ConfigDict(extra="forbid")

    type: str | None = Field(None, min_length=1, max_length=20, pattern=r"^[A-Z_]+$")
    forms: list[str] = Field(default_factory=list)
    ignore: bool = False


class AliasFile(RootModel[dict[str, AliasSpec | list[str]]]):
    """An alias YAML file: a mapping canonical name -> variants or spec."""


def alias_key(name: str) -> str:
    """The lookup key of a name: case-folded, without dots, single-spaced."""
    return " ".join(_DOTS.sub("", name.casefold()).split())


@dataclass(frozen=True, slots=True)
class Alias:
    """What a looked-up name resolves to, and where that rule was written."""

    canonical: str
    type: str | None
    origin: str
    ignore: bool = False


class AliasTable:
    """Variant -> canonical lookups; later files override earlier ones for the same variant."""

    def __init__(self, layers: list[tuple[str, dict[str, AliasSpec | list[str]]]]) -> None:
        self._by_key: dict[str, Alias] = {}
        for origin, mapping in layers:
            for canonical, spec in mapping.items():
                if isinstance(spec, list):
                    spec = AliasSpec(forms=spec)
                alias = Alias(canonical, spec.type, origin, spec.ignore)
                for form in (canonical, *spec.forms):
                    self._by_key[alias_key(form)] = alias

    @classmethod
    def load(cls, user_file: Path | None = None) -> AliasTable:
        """The shipped alias table extended (or overridden) by the user's file."""
        return cls([(str(path), data.root) for path, data in load_layers(SHIPPED, user_file, AliasFile)])

    def pinned(self, kind: str) -> frozenset[str]:
        """The canonical names whose type the table pins to `kind` ("Kazakh" for NORP)."""
        return frozenset(a.canonical for a in self._by_key.values() if a.type == kind and not a.ignore)

    def lookup(self, name: str) -> Alias | None:
        """The alias rule for `name`, if the table has one."""
        return self._by_key.get(alias_key(name))
