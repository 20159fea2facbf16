"""HTTP fetching of feeds: conditional GET, bounded size and time, redirects followed by hand.

feedparser's own fetching has no timeout and must never be used: we fetch the bytes here and
hand them to the parser. Every outcome maps to one `FetchStatus` label used in feed state,
logs and metrics.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import urljoin

import httpx

MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}


class FetchStatus(StrEnum):
    """Outcome labels of one fetch."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    TOO_LARGE = "too_large"
    REDIRECT_LOOP = "redirect_loop"


@dataclass(frozen=True)
class FetchResult:
    """What a fetch returned; `error` is a one-line reason for any non-OK status."""

    status: FetchStatus
    url: str
    http_status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    retry_after: float | None = None
    moved_to: str | None = None  # target of a permanent redirect chain (RFC 9110 15.4.2)
    elapsed: float = 0.0


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class Fetcher:
    """Fetches feed URLs with one shared async HTTP client."""

    def __init__(self, *, timeout: float, max_bytes: int, user_agent: str) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            headers={
                "User-Agent": user_agent,
                "Accept": "application/rss+xml, application/atom+xml, application/feed+json,"
                " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
            },
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET a feed within the total deadline; never raises for network or HTTP problems."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                result = await self._follow(url, etag, last_modified)
        except TimeoutError:
            result = FetchResult(
                FetchStatus.TIMEOUT, url, error=f"no complete response within {self.timeout:g}s"
            )
        except httpx.TimeoutException:
            result = FetchResult(FetchStatus.TIMEOUT, url, error=f"timed out after {self.timeout:g}s")
        except httpx.HTTPError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            result = FetchResult(FetchStatus.UNREACHABLE, url, error=f"cannot connect: {reason}")
        return replace(result, elapsed=time.monotonic() - started)

    async def _follow(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = {url}
        current = url
        permanent = True  # a chain is permanent only if every hop is (RFC 9110 15.4)
        moved: str | None = None
        for _ in range(MAX_REDIRECTS + 1):
            async with self._client.stream("GET", current, headers=headers) as response:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    target = urljoin(current, response.headers["location"])
                    permanent = permanent and response.status_code in _PERMANENT
                    moved = target if permanent else None
                    if target in seen:
                        return FetchResult(
                            FetchStatus.REDIRECT_LOOP,
                            url,
                            response.status_code,
                            error=f"redirect loop at {target}",
                        )
                    seen.add(target)
                    current = target
                    continue
                return await self._read(url, response, moved)
        return FetchResult(
            FetchStatus.REDIRECT_LOOP, url, error=f"more than {MAX_REDIRECTS} redirects (last: {current})"
        )

    async def _read(self, url: str, response: httpx.Response, moved: str | None) -> FetchResult:
        common = {
            "url": url,
            "http_status": response.status_code,
            "moved_to": moved,
            "content_type": response.headers.get("content-type"),
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
        }
        status = response.status_code
        if status == 304:
            return FetchResult(FetchStatus.NOT_MODIFIED, **common)
        if status in {429, 503}:
            retry = parse_retry_after(response.headers.get("retry-after"))
            return FetchResult(
                FetchStatus.RATE_LIMITED,
                retry_after=retry,
                error=f"HTTP {status}" + (f", retry after {retry:.0f}s" if retry is not None else ""),
                **common,
            )
        if status >= 400 or status < 200:
            return FetchResult(
                FetchStatus.HTTP_ERROR, error=f"HTTP {status} {response.reason_phrase}", **common
            )
        body = bytearray()
        # aiter_bytes yields decoded bytes, so the cap also stops compression bombs.
        async for chunk in response.aiter_bytes():
            body.extend(chunk)
            if len(body) > self.max_bytes:
                return FetchResult(
                    FetchStatus.TOO_LARGE, error=f"response larger than {self.max_bytes} bytes", **common
                )
        return FetchResult(FetchStatus.OK, body=bytes(body), **common)
