"""Managing the feed registry the same way from the CLI and the HTTP API.

Adding a feed fetches what the user gave through the guarded feed fetcher (the SSRF guard of
every poll) to tell a feed from a page linking to feeds; import/export speak OPML; `feed_health`
is the one description of a feed's state shown by `feeds list`, `status` and the API.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ingest.discover import Discovery, discover
from ingest.fetch import feed_fetcher
from ingest.opml import read_opml
from ingest.state import Feed, FeedStore
from ingest.workers import WorkerPool
from wirewatch.settings import Settings


async def discover_feed(settings: Settings, url: str) -> Discovery:
    """Fetch `url` (guarded) and say whether it is a feed or which feeds it links to."""
    fetcher, workers = feed_fetcher(settings), WorkerPool(1)
    try:
        return await discover(fetcher, workers, url)
    finally:
        await fetcher.aclose()
        await asyncio.to_thread(workers.close)  # waits for the worker to exit: not on the event loop


def import_opml(store: FeedStore, data: bytes, source: str = "OPML") -> dict[str, Any]:
    """Register the feeds of an OPML document, skipping bad outlines and registered feeds."""
    errors: list[str] = []
    specs = read_opml(data, source, errors)
    added, skipped = store.import_specs(specs, "opml")
    return {"added": len(added), "skipped": len(skipped), "errors": errors}


def feed_health(feed: Feed) -> dict[str, Any]:
    """One feed's health as plain values (`feeds list --json`, `status --json`, the API)."""
    return {
        "id": feed.id,
        "url": feed.url,
        "name": feed.label,
        "active": feed.active,
        "inactive_reason": feed.inactive_reason,
        "tags": list(feed.tags),
        "status": feed.last_status,
        "last_success": feed.last_success,
        "last_error": feed.last_error,
        "consecutive_failures": feed.consecutive_failures,
        "items_total": feed.items_total,
        "items_per_day": round(feed.items_per_day(), 1),
        "next_poll": feed.next_poll if feed.active else None,
        "websub": feed.websub_state,
    }
