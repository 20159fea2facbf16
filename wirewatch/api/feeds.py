"""Feed routes: health list, add (through the SSRF guard), remove, OPML import and export."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ingest.feedlist import FeedSpec
from ingest.opml import write_opml
from ingest.registry import discover_feed, feed_health, import_opml
from wirewatch.api.errors import ApiError
from wirewatch.api.models import FeedCreate, FeedHealth, FeedList, ImportResult
from wirewatch.api.security import Read, Write
from wirewatch.api.state import Api
from wirewatch.errors import NotFoundError, UnreachableError
from wirewatch.schema import describe_validation_error

router = APIRouter(prefix="/api/feeds", tags=["feeds"])

MAX_OPML_BYTES = 5_000_000
OPML_TYPES = ("text/x-opml", "application/xml", "text/xml", "application/octet-stream", "text/plain")


def _spec(url: str, name: str | None, tags: list[str]) -> FeedSpec:
    try:
        return FeedSpec(url=url, name=name, tags=tuple(tags))
    except ValidationError as exc:
        raise ApiError(422, describe_validation_error(exc)) from None


@router.get("", response_model=FeedList, dependencies=[Read])
def list_feeds(api: Api) -> dict[str, Any]:
    """Every registered feed with its health, active or not."""
    return {"feeds": [feed_health(f) for f in api.feeds.list()]}


@router.post("", response_model=FeedHealth, status_code=201, dependencies=[Write])
async def add_feed(api: Api, body: FeedCreate) -> dict[str, Any]:
    """Register a feed: the URL is fetched through the poller's SSRF guard first; a page linking
    to exactly one feed adds that feed, one linking to several answers 422 listing them."""
    spec = _spec(body.url, body.name, body.tags)  # validated before any network access
    try:
        found = await discover_feed(api.settings, spec.url)
    except UnreachableError as exc:
        raise ApiError(422, str(exc), "feed_unreachable") from None
    if found.feed_url is None:
        if len(found.candidates) > 1:
            listed = ", ".join(c.url for c in found.candidates[:10])
            raise ApiError(
                422,
                f"{len(found.candidates)} feeds found at {spec.url}; add one of them: {listed}",
                "several_feeds",
                candidates=[{"url": c.url, "title": c.title} for c in found.candidates],
            )
        chosen = found.candidates[0]
        spec = _spec(chosen.url, body.name or chosen.title or None, body.tags)
    else:
        spec = _spec(found.feed_url, body.name or found.title, body.tags)
    feed = await run_in_threadpool(api.feeds.add, spec, "api")
    return feed_health(feed)


@router.delete("/{feed_id}", status_code=204, response_class=Response, dependencies=[Write])
def remove_feed(api: Api, feed_id: str) -> Response:
    """Stop polling a feed (kept as inactive: its history and articles stay)."""
    feed = api.feeds.get(feed_id) if len(feed_id) <= 64 else None
    if feed is None or feed.id != feed_id:
        raise NotFoundError(f"no feed with id {feed_id[:64]!r}")
    api.feeds.remove(feed.id)
    return Response(status_code=204)


@router.post(
    "/import",
    response_model=ImportResult,
    dependencies=[Write],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/x-opml": {"schema": {"type": "string"}}},
        }
    },
)
async def import_feeds(api: Api, request: Request) -> dict[str, Any]:
    """Register every feed of an OPML document (registered feeds and bad outlines are skipped)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and kind not in OPML_TYPES:
        raise ApiError(415, f"send the OPML document as text/x-opml or application/xml, not {kind}")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_OPML_BYTES:
            raise ApiError(413, f"OPML documents are limited to {MAX_OPML_BYTES // 1_000_000} MB")
    return await run_in_threadpool(import_opml, api.feeds, bytes(data), "OPML")


@router.get(
    "/export",
    response_class=Response,
    dependencies=[Read],
    responses={200: {"content": {"application/xml": {"schema": {"type": "string"}}}}},
)
def export_feeds(api: Api) -> Response:
    """The active feeds as OPML 2.0, for any feed reader."""
    opml = write_opml(f.spec() for f in api.feeds.list(active_only=True))
    return Response(
        opml,
        media_type="application/xml",
        headers={"Content-Disposition": 'attachment; filename="wirewatch-feeds.opml"'},
    )
