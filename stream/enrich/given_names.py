"""Given names, from the person providers of the Faker package (MIT): a name that starts with one
is a person's when nothing else says otherwise ("Florian Wirtz", which the model calls a people)."""

from __future__ import annotations

import functools
import importlib

# Faker's locales whose names news most often carries: Europe, the Americas, the Middle East, Asia.
LOCALES = (
    "en_US", "en_GB", "en_IN", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR", "nl_NL",
    "pl_PL", "cs_CZ", "sv_SE", "tr_TR", "ar_AA", "hi_IN", "id_ID",
)  # fmt: skip


@functools.cache
def given_names(locales: tuple[str, ...] = LOCALES) -> frozenset[str]:
    """The male and female given names of Faker's person provider for each locale."""
    names: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names_male", "first_names_female", "first_names"):
            values = getattr(provider, attribute, None) or ()
            names.update(values)  # a tuple of names, or a dict of names to weights
    return frozenset(names)
