"""Given names, from the person providers of the Faker package (MIT): a name that starts with one
is a person's when nothing else says otherwise ("Florian Wirtz", which the model calls a people)."""

from __future__ import annotations

import functools
import importlib

from wordfreq import zipf_frequency

from stream.enrich.places import plain

# Faker's locales whose names news most often carries: Europe, the Americas, the Middle East, Asia.
LOCALES = (
    "en_US", "en_GB", "en_IN", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR", "nl_NL",
    "pl_PL", "cs_CZ", "sv_SE", "tr_TR", "ar_AA", "hi_IN", "id_ID",
)  # fmt: skip


# Further locales in Latin letters, whose names are taken only where they are no English word
# ("Gukesh", "Zrinka", "Facundo"; not "Blessing", "Hope").
MORE_LOCALES = (
    "es_AR", "es_CO", "es_CA", "pt_PT", "fr_BE", "fr_CH", "de_AT", "de_CH", "da_DK", "no_NO", "fi_FI",
    "hu_HU", "ro_RO", "sk_SK", "sl_SI", "hr_HR", "lt_LT", "lv_LV", "et_EE", "az_AZ", "uz_UZ", "en_KE",
    "en_PK", "en_NZ", "en_IE", "ha_NG", "yo_NG", "ig_NG", "zu_ZA", "sw", "fr_DZ", "en_TH",
)  # fmt: skip


@functools.cache
def given_names(locales: tuple[str, ...] = LOCALES) -> frozenset[str]:
    """The male and female given names of Faker's person provider for each locale, and (for the
    default locales) Ukrainian and Russian ones in Latin letters (Serhii and Serhiy, Sergei) and
    the further locales' names that are no English word, also without diacritics (Balazs)."""
    names: set[str] = set()
    for locale in locales:
        names.update(_names(locale))
    if locales == LOCALES:
        names.update(_latin_cyrillic_names())
        for locale in MORE_LOCALES:
            unworded = {n for n in _names(locale) if " " not in n and zipf_frequency(n.lower(), "en") < 3.0}
            names.update(unworded | {plain(n) for n in unworded})
    return frozenset(names)


def _names(locale: str) -> set[str]:
    """The given names of one locale's Faker person provider, as it writes them."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    names: set[str] = set()
    for attribute in ("first_names_male", "first_names_female", "first_names"):
        # a tuple of names, or a dict of names to weights
        names.update(getattr(provider, attribute, None) or ())
    return names


def _latin_cyrillic_names() -> set[str]:
    """Ukrainian given names by the national romanisation and news' -iy (Serhii, Serhiy); Russian
    ones as news transliterates them (Sergei)."""
    # Imported here: ukrainian.py imports this module (through normalisation.py).
    from stream.enrich.transliteration import transliterate
    from stream.enrich.ukrainian import UKRAINIAN_GIVEN_NAMES, romanise

    ukrainian = {romanise(name) for name in _names("uk_UA")} | {
        romanise(name.title()) for name in UKRAINIAN_GIVEN_NAMES
    }
    return (
        ukrainian
        | {name[:-2] + "iy" for name in ukrainian if name.endswith("ii")}
        | {transliterate(name) for name in _names("ru_RU")}
    )
