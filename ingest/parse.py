"""Feed bytes to entries: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed, with hostile input defused.

Before any parser sees a document it is decoded to UTF-8 (ingest.encoding) and its DOCTYPE,
with any internal subset, is removed: no entity is ever declared, so no external entity (XXE),
DTD fetch or entity expansion (billion laughs, quadratic blowup) can happen, whatever a
parser's defaults are. Parsers get bytes in a stream, never a string: feedparser opens a
string that looks like a path or URL (local file disclosure, network I/O).

fastfeedparser (lxml) is the default parser, about 40x faster than feedparser here
(docs/benchmarks.md); feedparser reads what lxml cannot recover (its loose parser). Both are
mapped to one `Entry` shape. Link rel=hub/self (WebSub) are read from the document head.
"""

from __future__ import annotations

import calendar
import html
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import fastfeedparser
import feedparser

from ingest.encoding import decode

Parser = Literal["fastfeedparser", "feedparser"]
PARSERS: tuple[Parser, ...] = ("fastfeedparser", "feedparser")
_HEAD_BYTES = 64_000  # hub/self links are declared before the first item
_LINK_TAG = re.compile(rb"<(?:[A-Za-z0-9_]{1,20}:)?link\b([^>]{0,2000})>")
_ATTR = re.compile(rb"""([A-Za-z_:][-A-Za-z0-9_:.]{0,40})\s*=\s*("[^"]{0,2000}"|'[^']{0,2000}')""")
_FIRST_ITEM = re.compile(rb"<(?:[A-Za-z0-9_]{1,20}:)?(?:item|entry)[\s>]")


class NotAFeedError(ValueError):
    """The bytes are not a feed we can read; the message says why in one line."""


@dataclass(frozen=True)
class Entry:
    """One feed item, parser-independent; HTML fields still carry markup."""

    title: str = ""
    link: str | None = None
    guid: str | None = None
    summary: str = ""
    content: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """The parts of a parsed feed that ingest needs."""

    title: str
    entries: list[Entry] = field(default_factory=list)
    hub: str | None = None  # WebSub hub URL declared by the feed
    self_url: str | None = None  # the feed's own URL as it declares it (WebSub topic)
    encoding: str = "utf-8"
    warning: str | None = None


def strip_doctype(body: bytes) -> bytes:
    """The document without its DOCTYPE declaration (and internal subset), scanned in one pass."""
    start = body.find(b"<!DOCTYPE")
    if start < 0:
        start = body.upper().find(b"<!DOCTYPE", 0, _HEAD_BYTES)
        if start < 0:
            return body
    depth, quote, i, n = 0, 0, start + 9, len(body)
    while i < n:
        c = body[i]
        if quote:
            if c == quote:
                quote = 0
        elif body.startswith(b"<!--", i):
            end = body.find(b"-->", i + 4)
            i = n if end < 0 else end + 3
            continue
        elif c in b"\"'":
            quote = c
        elif c == ord("["):
            depth += 1
        elif c == ord("]"):
            depth = max(0, depth - 1)
        elif c == ord(">") and depth == 0:
            return body[:start] + body[i + 1 :]
        i += 1
    return body[:start]  # unterminated: everything after it was part of the declaration


def _head_links(body: bytes) -> dict[str, str]:
    """rel -> href of the <link>/<atom:link> elements before the first item."""
    head = body[:_HEAD_BYTES]
    first = _FIRST_ITEM.search(head)
    if first:
        head = head[: first.start()]
    links: dict[str, str] = {}
    for match in _LINK_TAG.finditer(head):
        attrs = {k.lower(): v[1:-1] for k, v in _ATTR.findall(match.group(1))}
        rel, href = attrs.get(b"rel"), attrs.get(b"href")
        if rel and href:
            for token in rel.decode("utf-8", "replace").lower().split():
                links.setdefault(token, html.unescape(href.decode("utf-8", "replace")).strip())
    return links


def _iso(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _struct(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def _strings(values: Any, key: str) -> tuple[str, ...]:
    out = []
    for value in values or ():
        text = value.get(key) if isinstance(value, dict) else value
        if text and str(text).strip():
            out.append(str(text).strip())
    return tuple(out)


def _from_fastfeedparser(entry: dict[str, Any]) -> Entry:
    authors = _strings(entry.get("authors"), "name") or _strings([entry.get("author")], "name")
    return Entry(
        title=str(entry.get("title") or ""),
        link=entry.get("link") or None,
        guid=entry.get("id") or None,
        summary=str(entry.get("description") or entry.get("summary") or ""),
        content=_strings(entry.get("content"), "value"),
        authors=authors,
        categories=_strings(entry.get("tags"), "term"),
        published=_iso(entry.get("published")),
        updated=_iso(entry.get("updated")),
    )


def _from_feedparser(entry: dict[str, Any]) -> Entry:
    authors = _strings(entry.get("authors"), "name") or _strings([entry.get("author")], "name")
    return Entry(
        title=str(entry.get("title") or ""),
        link=entry.get("link") or None,
        guid=entry.get("id") or entry.get("guid") or None,
        summary=str(entry.get("summary") or entry.get("description") or ""),
        content=_strings(entry.get("content"), "value"),
        authors=authors,
        categories=_strings(entry.get("tags"), "term"),
        published=_struct(entry.get("published_parsed")) or _struct(entry.get("created_parsed")),
        updated=_struct(entry.get("updated_parsed")),
    )


def _with_feedparser(body: bytes, url: str, content_type: str) -> tuple[str, list[Entry], str | None]:
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": url, "content-type": content_type},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    problem = parsed.get("bozo_exception")
    reason = str(problem).splitlines()[0] if problem else None
    if not parsed.entries and not parsed.get("version"):
        raise NotAFeedError(f"not an RSS/Atom/JSON feed ({reason or 'no feed elements found'})")
    title = str(parsed.get("feed", {}).get("title") or "")
    return title, [_from_feedparser(e) for e in parsed.entries], reason if parsed.get("bozo") else None


def _with_fastfeedparser(body: bytes) -> tuple[str, list[Entry], str | None]:
    try:
        parsed = fastfeedparser.parse(body)
    except ValueError as exc:
        raise NotAFeedError(f"not an RSS/Atom/JSON feed ({str(exc).splitlines()[0]})") from None
    title = str((parsed.get("feed") or {}).get("title") or "")
    return title, [_from_fastfeedparser(e) for e in parsed.get("entries") or ()], None


def _media_type(content_type: str | None) -> str:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media or "application/xml"


def parse_feed(
    body: bytes, url: str, content_type: str | None = None, parser: Parser = "fastfeedparser"
) -> ParsedFeed:
    """Parse a feed document; raises NotAFeedError when nothing feed-like is found."""
    decoded = decode(body, content_type)
    data = strip_doctype(decoded.body)
    utf8_type = f"{_media_type(content_type)}; charset=utf-8"
    if not data.strip():
        raise NotAFeedError("not an RSS/Atom/JSON feed (empty document)")
    if parser == "fastfeedparser":
        try:
            title, entries, warning = _with_fastfeedparser(data)
        except NotAFeedError as first:
            try:  # feedparser's loose parser reads some documents lxml cannot recover
                title, entries, warning = _with_feedparser(data, url, utf8_type)
            except NotAFeedError:
                raise first from None
            warning = f"read by feedparser after fastfeedparser failed: {first}"
    else:
        title, entries, warning = _with_feedparser(data, url, utf8_type)
    links = _head_links(data)
    return ParsedFeed(
        title=title.strip(),
        entries=entries,
        hub=links.get("hub"),
        self_url=links.get("self"),
        encoding=decoded.encoding,
        warning="; ".join(w for w in (decoded.note, warning) if w) or None,
    )
