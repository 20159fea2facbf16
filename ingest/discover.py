"""Feed autodiscovery: from a site URL to its feeds, via <link rel="alternate"> in the page head.

`wirewatch feeds add` fetches what the user gave (through the same guarded fetcher as polls):
a feed is taken as it is; an HTML page is searched for alternate links of feed types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from ingest.document import read_feed
from ingest.fetch import Fetcher
from ingest.normalise import FeedContext
from ingest.outcomes import PollStatus
from ingest.workers import DeadlineExceededError, WorkerError, WorkerPool
from wirewatch.errors import UnreachableError, UsageError

FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
    "application/json",
}
PARSE_DEADLINE = 10.0


@dataclass(frozen=True)
class Candidate:
    """A feed a page links to."""

    url: str
    title: str
    type: str


@dataclass(frozen=True)
class Discovery:
    """What a URL turned out to be: a feed (with its title), or a page linking to candidates."""

    feed_url: str | None
    title: str | None
    candidates: tuple[Candidate, ...] = ()


class _AlternateLinks(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.found: list[Candidate] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "base" and values.get("href"):
            self.base = urljoin(self.base, values["href"])
        if tag not in {"link", "a"}:
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
            url = urljoin(self.base, values["href"])
            if urlsplit(url).scheme in {"http", "https"} and all(c.url != url for c in self.found):
                self.found.append(Candidate(url, values.get("title", ""), kind))


def feed_links(page: bytes, base: str) -> list[Candidate]:
    """Alternate feed links of an HTML page, in page order, absolute, without duplicates."""
    parser = _AlternateLinks(base)
    parser.feed(page[:2_000_000].decode("utf-8", "replace"))
    parser.close()
    return parser.found


async def discover(fetcher: Fetcher, workers: WorkerPool, url: str) -> Discovery:
    """Fetch `url` and tell whether it is a feed or which feeds it links to."""
    result = await fetcher.fetch(url)
    if result.status is not PollStatus.OK:
        raise UnreachableError(f"cannot fetch {url}: {result.error}")
    final = result.final_url or url
    context = FeedContext("discovery", final, "", ())
    try:
        document = await workers.call(
            PARSE_DEADLINE,
            read_feed,
            result.body,
            result.content_type,
            context,
            datetime.now(UTC),
            "fastfeedparser",
        )
        return Discovery(result.moved_to or url, document.title or None)
    except DeadlineExceededError:
        raise UsageError(f"{url} took too long to parse as a feed") from None
    except WorkerError as exc:
        if exc.kind != "NotAFeedError":
            raise UsageError(f"{url} could not be read: {exc}") from None
    candidates = feed_links(result.body, final)
    if not candidates:
        raise UsageError(
            f'no feed found at {url}: it is not a feed and links to none (<link rel="alternate">)'
        )
    return Discovery(None, None, tuple(candidates))
