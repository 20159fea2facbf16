"""OPML 2.0 import and export of the feed list, the format every feed reader speaks.

Import: every outline with an `xmlUrl` is a feed; the titles of the outlines it is nested in
and its `category` attribute (comma-separated, slash paths) become its tags. Export: feeds
grouped under their first tag, all tags in `category`, wirewatch's own settings as extra
attributes (`interval`, `minInterval`, `maxInterval`, `fulltext`) that other readers ignore.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from pydantic import ValidationError

from ingest.feedlist import FeedSpec
from ingest.parse import strip_doctype
from wirewatch.errors import ConfigError
from wirewatch.schema import describe_validation_error, utcnow

_INT_ATTRS = {"interval": "interval", "minInterval": "min_interval", "maxInterval": "max_interval"}


def _tags(outline: ET.Element, parents: list[str]) -> list[str]:
    tags = list(parents)
    for category in (outline.get("category") or "").split(","):
        category = category.strip().strip("/")
        if category:
            tags.append(category)
    return tags


def read_opml(data: bytes, source: str = "OPML", errors: list[str] | None = None) -> list[FeedSpec]:
    """Feeds of an OPML document; ConfigError names the first problem.

    With an `errors` list, a bad outline is described there and skipped instead (API imports).
    """
    try:
        root = ET.fromstring(strip_doctype(data))  # no DTD: no entities to expand or fetch
    except ET.ParseError as exc:
        raise ConfigError(f"{source}: not valid OPML ({exc})") from None
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise ConfigError(f"{source}: not an OPML document (no <opml><body>)")
    specs: dict[str, FeedSpec] = {}

    def walk(element: ET.Element, parents: list[str]) -> None:
        for outline in element.findall("outline"):
            url = (outline.get("xmlUrl") or "").strip()
            title = (outline.get("title") or outline.get("text") or "").strip()
            if not url:
                walk(outline, [*parents, title] if title else parents)
                continue
            fields: dict[str, object] = {"url": url, "name": title or None, "tags": _tags(outline, parents)}
            for attr, name in _INT_ATTRS.items():
                if outline.get(attr):
                    fields[name] = outline.get(attr)
            fields["fulltext"] = outline.get("fulltext", "").lower() == "true"
            try:
                spec = FeedSpec.model_validate(fields)
            except ValidationError as exc:
                problem = f"{source}: outline {url[:200]}: {describe_validation_error(exc)}"
                if errors is None:
                    raise ConfigError(problem) from None
                errors.append(problem)
                walk(outline, parents)
                continue
            specs.setdefault(spec.url, spec)
            walk(outline, parents)

    walk(body, [])
    return list(specs.values())


def write_opml(specs: Iterable[FeedSpec], title: str = "wirewatch feeds") -> str:
    """An OPML 2.0 document of the feeds, grouped by their first tag."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = utcnow().strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = ET.SubElement(root, "body")
    groups: dict[str, ET.Element] = {}
    for spec in sorted(specs, key=lambda s: (s.tags[:1], s.name or s.url)):
        parent = body
        if spec.tags:
            parent = groups.get(spec.tags[0]) or ET.SubElement(body, "outline", text=spec.tags[0])
            groups[spec.tags[0]] = parent
        attrs = {"type": "rss", "text": spec.name or spec.url, "xmlUrl": spec.url}
        if spec.name:
            attrs["title"] = spec.name
        if spec.tags:
            attrs["category"] = ",".join(spec.tags)
        for attr, name in _INT_ATTRS.items():
            value = getattr(spec, name)
            if value:
                attrs[attr] = str(value)
        if spec.fulltext:
            attrs["fulltext"] = "true"
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
