"""Feed entries to articles: plain text, absolute links, UTC dates, stable ids, bounded sizes.

Date rules (docs/ingest.md): the entry's published date, else its updated date, else the time
we first saw it; a date in the future (beyond a small clock-skew allowance) is clamped to now.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from ingest.html import html_to_text
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


def _date(entry: Any, fetched: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError):
                continue
            return fetched if when > fetched + CLOCK_SKEW else when
    return fetched


def _link(entry: Any, base: str) -> str | None:
    link = entry.get("link")
    if not link:
        return None
    absolute = urljoin(base, str(link).strip())
    return absolute if urlsplit(absolute).scheme in {"http", "https"} else None


def _guid(entry: Any) -> str | None:
    guid = entry.get("id") or entry.get("guid")
    return str(guid).strip() or None if guid else None


def _content(entry: Any) -> str:
    parts = [html_to_text(str(c.get("value") or "")) for c in entry.get("content") or []]
    return "\n\n".join(p for p in parts if p)


def normalise_entry(entry: Any, feed: FeedContext, fetched: datetime) -> Article:
    """One feed entry as an Article; raises SchemaError when it cannot become one."""
    link = _link(entry, feed.url)
    title = _truncate(html_to_text(str(entry.get("title") or "")), MAX_TITLE_CHARS)
    summary_html = str(entry.get("summary") or entry.get("description") or "")
    summary = _truncate(html_to_text(summary_html), MAX_SUMMARY_CHARS)
    content = _truncate(_content(entry), MAX_CONTENT_CHARS)
    if content == summary:
        content = ""
    if not (title or summary or content):
        raise SchemaError("entry has no title, summary or content")
    authors = [str(a.get("name")).strip() for a in entry.get("authors") or [] if a.get("name")]
    if not authors and entry.get("author"):
        authors = [html_to_text(str(entry["author"]))]
    categories = [str(t.get("term")).strip() for t in entry.get("tags") or [] if t.get("term")]
    return Article(
        id=article_id(link, feed.feed_id, _guid(entry)),
        url=link,
        feed_id=feed.feed_id,
        source=feed.source,
        title=title,
        summary=summary,
        content=content,
        published=_date(entry, fetched),
        fetched=fetched,
        authors=[_truncate(a, 200) for a in authors if a][:MAX_AUTHORS],
        categories=list(dict.fromkeys([*feed.tags, *(c[:100] for c in categories)]))[:MAX_CATEGORIES],
    )
