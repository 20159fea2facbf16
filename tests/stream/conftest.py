"""Fixtures of the stream tests: the enrichment model and data files (loaded once per session),
and a real SMTP server on loopback (aiosmtpd) for email alert targets."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from stream.enrich import Enricher
from stream.enrich.aliases import AliasTable
from stream.enrich.entities import NerModel, Recogniser
from stream.enrich.gazetteer import Gazetteer
from stream.enrich.topics import Taxonomy
from tests.conftest import free_port
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
    return Enricher([ner_model], aliases, gazetteer, taxonomy)


def reading_with(enricher: Enricher, recognisers: list[Recogniser], **options: Any) -> Enricher:
    """The shipped enricher's data files with other recognisers (Natasha, the rules)."""
    return Enricher(recognisers, enricher.aliases, enricher.gazetteer, enricher.taxonomy, **options)


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


class SmtpReceiver:
    """Keeps every message it is handed (aiosmtpd handler protocol)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpReceiver, int]]:
    """An SMTP server on a free loopback port; yields the receiver and the port."""
    receiver = SmtpReceiver()
    port = free_port()
    controller = Controller(receiver, hostname="127.0.0.1", port=port)
    controller.start()
    yield receiver, port
    controller.stop()


def email_target(port: int) -> str:
    """An apprise mailto:// target sending plainly (no TLS) to the loopback SMTP server."""
    return f"mailto://127.0.0.1:{port}/ops@example.com?from=alerts@example.com&mode=insecure"
