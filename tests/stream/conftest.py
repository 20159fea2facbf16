"""Enrichment fixtures: the spaCy model and the shipped data files are loaded once per session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from stream.enrich import Enricher
from stream.enrich.aliases import AliasTable
from stream.enrich.entities import NerModel
from stream.enrich.gazetteer import Gazetteer
from stream.enrich.topics import Taxonomy
from wirewatch.schema import Article, article_id
from wirewatch.settings import Settings


@pytest.fixture(scope="session")
def ner_model() -> NerModel:
    return NerModel(Settings.model_fields["spacy_model"].default)


@pytest.fixture(scope="session")
def aliases() -> AliasTable:
    return AliasTable.load()


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


@pytest.fixture(scope="session")
def enricher(ner_model: NerModel, aliases: AliasTable, gazetteer: Gazetteer, taxonomy: Taxonomy) -> Enricher:
    """The shipped enricher without a cluster store (cluster tests bring their own)."""
    return Enricher(ner_model, aliases, gazetteer, taxonomy)


def make_article(
    title: str = "", content: str = "", *, url: str | None = None, source: str = "Wire", **fields: Any
) -> Article:
    url = url or f"https://news.example/{abs(hash((title, content)))}"
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    base: dict[str, Any] = {"published": now, "fetched": now}
    return Article(
        id=article_id(url, "feed"),
        url=url,
        feed_id="feed",
        source=source,
        title=title,
        content=content,
        **(base | fields),
    )
