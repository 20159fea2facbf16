"""One fetched feed document to articles: decode, parse, normalise.

A pure function of its inputs, so the parse workers (ingest.workers) run it in a separate
process under a deadline, and polls and WebSub pushes share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ingest.normalise import FeedContext, normalise_entry
from ingest.parse import Parser, parse_feed
from wirewatch.schema import Article, SchemaError


@dataclass(frozen=True)
class FeedDocument:
    """Articles from one feed document, the entries that could not become articles, and feed facts."""

    title: str
    articles: list[Article]
    rejected: list[tuple[str, str]]  # (reason, entry as text) for the dead-letter topic
    hub: str | None = None
    self_url: str | None = None
    warning: str | None = None


def read_feed(
    body: bytes, content_type: str | None, feed: FeedContext, fetched: datetime, parser: Parser
) -> FeedDocument:
    """Every entry of a feed document as an article (duplicate ids collapsed, first wins).

    Raises ingest.parse.NotAFeedError when the bytes are not a feed.
    """
    parsed = parse_feed(body, feed.url, content_type, parser)
    context = FeedContext(feed.feed_id, feed.url, feed.source or parsed.title or feed.url, feed.tags)
    articles: dict[str, Article] = {}
    rejected: list[tuple[str, str]] = []
    for entry in parsed.entries:
        try:
            article = normalise_entry(entry, context, fetched)
        except (SchemaError, ValueError) as exc:
            rejected.append((str(exc).splitlines()[0], repr(entry)[:10_000]))
            continue
        articles.setdefault(article.id, article)
    return FeedDocument(
        parsed.title, list(articles.values()), rejected, parsed.hub, parsed.self_url, parsed.warning
    )
