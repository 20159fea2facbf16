"""Enrichment: language, named entities (spaCy + gazetteer + normalisation), topics, story clusters.

Modules: `language` (language id), `entities` (spaCy NER), `gazetteer` and `patterns`
(Aho-Corasick term matching), `aliases` and `normalisation` (one name and type per thing),
`topics` (taxonomy rules in the query language), `clusters` (MinHash/LSH story clusters),
`enricher` (the stage that runs them all). Data files ship in `resources/`.
"""

from stream.enrich.enricher import Enricher, Explanation

__all__ = ["Enricher", "Explanation"]
