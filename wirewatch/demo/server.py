"""A loopback HTTP server that serves the bundled sample articles as RSS 2.0 and Atom feeds.

Items appear over time (each has a `release_after`), so a demo keeps producing news; every
feed answers conditional GETs (ETag, Last-Modified) like a well-behaved publisher.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

import yaml

DEMO_INTERVAL = 15
DEMO_QUERY = 'Patriot OR "air defense"'
DEMO_SUBSCRIPTION = "demo: Patriot or air defense"


@dataclass(frozen=True)
class Item:
    """One sample article with its absolute publication time and release offset."""

    url: str
    title: str
    summary: str
    content: str
    author: str
    categories: tuple[str, ...]
    published: datetime
    release_after: float


@dataclass(frozen=True)
class Outlet:
    """One sample feed."""

    slug: str
    name: str
    format: str
    site: str
    language: str
    items: tuple[Item, ...]


def load_outlets(start: datetime) -> list[Outlet]:
    """The bundled outlets, with publication times relative to `start`."""
    data = yaml.safe_load(resources.files("wirewatch.demo").joinpath("articles.yaml").read_text("utf-8"))
    outlets = []
    for o in data["outlets"]:
        items = []
        for i in o["items"]:
            delay = float(i.get("release_after", 0))
            published = (
                start + timedelta(seconds=delay) if delay else start - timedelta(minutes=i["minutes_ago"])
            )
            items.append(
                Item(
                    url=f"{o['site']}/{published:%Y}/{i['slug']}",
                    title=i["title"],
                    summary=i["summary"],
                    content=i["content"],
                    author=i["author"],
                    categories=tuple(i.get("categories", [])),
                    published=published,
                    release_after=delay,
                )
            )
        outlets.append(
            Outlet(o["slug"], o["name"], o["format"], o["site"], o.get("language", "en"), tuple(items))
        )
    return outlets


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def render_rss(outlet: Outlet, items: list[Item]) -> str:
    entries = "".join(
        f"""
    <item>
      <title>{escape(i.title)}</title>
      <link>{escape(i.url)}</link>
      <guid isPermaLink="true">{escape(i.url)}</guid>
      <pubDate>{format_datetime(i.published, usegmt=True)}</pubDate>
      <author>{escape(i.author)}</author>
      {"".join(f"<category>{escape(c)}</category>" for c in i.categories)}
      <description>{escape(i.summary)}</description>
      <content:encoded>{escape(_paragraphs(i.content))}</content:encoded>
    </item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>{escape(outlet.name)}</title>
    <link>{escape(outlet.site)}</link>
    <description>{escape(outlet.name)} (wirewatch demo feed)</description>
    <language>{outlet.language}</language>{entries}
  </channel>
</rss>
"""


def render_atom(outlet: Outlet, items: list[Item]) -> str:
    updated = max((i.published for i in items), default=datetime(2026, 1, 1, tzinfo=UTC))
    entries = "".join(
        f"""
  <entry>
    <title>{escape(i.title)}</title>
    <link rel="alternate" href="{escape(i.url)}"/>
    <id>{escape(i.url)}</id>
    <published>{i.published.isoformat()}</published>
    <updated>{i.published.isoformat()}</updated>
    <author><name>{escape(i.author)}</name></author>
    {"".join(f'<category term="{escape(c)}"/>' for c in i.categories)}
    <summary>{escape(i.summary)}</summary>
    <content type="html">{escape(_paragraphs(i.content))}</content>
  </entry>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.language}">
  <title>{escape(outlet.name)}</title>
  <link rel="alternate" href="{escape(outlet.site)}"/>
  <id>{escape(outlet.site)}/</id>
  <updated>{updated.isoformat()}</updated>{entries}
</feed>
"""


class DemoFeedServer:
    """Serves /feeds/<slug>.xml on loopback from a background thread."""

    def __init__(self, port: int = 0, start: datetime | None = None) -> None:
        self.start_time = start or datetime.now(UTC)
        self._started = time.monotonic()
        self.outlets = {o.slug: o for o in load_outlets(self.start_time)}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def feed_urls(self) -> dict[str, str]:
        """Outlet name -> feed URL."""
        return {o.name: f"http://127.0.0.1:{self.port}/feeds/{o.slug}.xml" for o in self.outlets.values()}

    def feed_list(self) -> list[dict[str, Any]]:
        """The demo feeds as feed-list entries (polled every few seconds)."""
        return [
            {"url": url, "name": name, "interval": DEMO_INTERVAL} for name, url in self.feed_urls().items()
        ]

    def render(self, slug: str) -> str | None:
        outlet = self.outlets.get(slug)
        if outlet is None:
            return None
        elapsed = time.monotonic() - self._started
        items = sorted(
            (i for i in outlet.items if i.release_after <= elapsed), key=lambda i: i.published, reverse=True
        )
        return render_atom(outlet, items) if outlet.format == "atom" else render_rss(outlet, items)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                slug = path.removeprefix("/feeds/").removesuffix(".xml") if path.startswith("/feeds/") else ""
                body = server.render(slug)
                if body is None:
                    self.send_error(404, "no such demo feed")
                    return
                data = body.encode("utf-8")
                etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                kind = "atom" if server.outlets[slug].format == "atom" else "rss"
                self.send_header("Content-Type", f"application/{kind}+xml; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the poller already logs every poll."""

        return Handler

    def start(self) -> DemoFeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
