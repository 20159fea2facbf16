"""Feed bytes to entries, with feedparser (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, CDF, JSON Feed).

We pass bytes and the response headers, never a URL, so feedparser does no network I/O. Its
HTML sanitiser and relative-URI resolution are off: we turn all markup into plain text
ourselves (ingest.html), which is both safer and much faster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import feedparser


class NotAFeedError(ValueError):
    """The bytes are not a feed we can read; the message says why in one line."""


@dataclass(frozen=True)
class ParsedFeed:
    """The parts of a parsed feed that normalisation needs."""

    title: str
    link: str | None
    entries: list[Any] = field(default_factory=list)
    warning: str | None = None


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document; raises NotAFeedError when nothing feed-like is found."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    feed = parsed.get("feed", {})
    problem = parsed.get("bozo_exception")
    reason = str(problem).splitlines()[0] if problem else None
    if not parsed.entries and not parsed.get("version"):
        raise NotAFeedError(f"not an RSS/Atom/JSON feed ({reason or 'no feed elements found'})")
    return ParsedFeed(
        title=str(feed.get("title") or ""),
        link=feed.get("link"),
        entries=list(parsed.entries),
        warning=reason if parsed.get("bozo") else None,
    )
