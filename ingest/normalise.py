"""Feed entries to articles: plain text, absolute links, UTC dates, stable ids, bounded sizes.

Date rules (docs/ingest.md): the entry's published date, else its updated date, else the time
we first saw it; a date in the future (beyond a small clock-skew allowance) is clamped to now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

from ingest.html import html_to_text
from ingest.parse import Entry
from wirewatch.schema import (
    MAX_CONTENT_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    Article,
    SchemaError,
    article_id,
)

CLOCK_SKEW = timedelta(minutes=5)
MAX_AUTHORS = 20
MAX_CATEGORIES = 50


@dataclass(frozen=True)
class FeedContext:
    """What normalisation needs to know about the feed an entry came from."""

    feed_id: str
    url: str
    source: str
    tags: tuple[str, ...] = ()


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _date(entry: Entry, fetched: datetime) -> datetime:
    when = entry.published or entry.updated
    if when is None:
        return fetched
    return fetched if when > fetched + CLOCK_SKEW else when


def _link(entry: Entry, base: str) -> str | None:
    if not entry.link:
        return None
    absolute = urljoin(base, entry.link.strip())
    return absolute if urlsplit(absolute).scheme in {"http", "https"} else None


def normalise_entry(entry: Entry, feed: FeedContext, fetched: datetime) -> Article:
    """One feed entry as an Article; raises SchemaError when it cannot become one."""
    link = _link(entry, feed.url)
    title = _truncate(html_to_text(entry.title), MAX_TITLE_CHARS)
    summary = _truncate(html_to_text(entry.summary), MAX_SUMMARY_CHARS)
    content = _truncate("\n\n".join(p for p in map(html_to_text, entry.content) if p), MAX_CONTENT_CHARS)
    if content == summary:
        content = ""
    if not (title or summary or content):
        raise SchemaError("entry has no title, summary or content")
    authors = [_truncate(a, 200) for a in map(html_to_text, entry.authors) if a][:MAX_AUTHORS]
    categories = [c[:100] for c in map(html_to_text, entry.categories) if c]
    return Article(
        id=article_id(link, feed.feed_id, entry.guid.strip()[:2_000] if entry.guid else None),
        url=link,
        feed_id=feed.feed_id,
        source=feed.source,
        title=title,
        summary=summary,
        content=content,
        published=_date(entry, fetched),
        fetched=fetched,
        authors=authors,
        categories=list(dict.fromkeys([*feed.tags, *categories]))[:MAX_CATEGORIES],
    )
