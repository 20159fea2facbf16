"""HTTP fetching of feeds and pages: conditional GET, bounded size and time, guarded redirects.

feedparser's own fetching has no timeout and must never be used: we fetch the bytes here and
hand them to the parser. Limits, in the spirit of miniflux's response handler: a global and a
per-host concurrency limit, connect and read timeouts plus a total deadline per fetch, a body
cap counted after decompression (we decode gzip/deflate/br ourselves, so compression bombs are
cut off), at most `MAX_REDIRECTS` redirects, each hop checked by the SSRF guard. Every outcome
maps to one `PollStatus` label.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

import brotli
import httpcore
import httpx

from ingest.netguard import AddressPolicy, BlockedAddressError, GuardedBackend
from ingest.outcomes import PollStatus
from wirewatch.settings import Settings

MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json,"
    " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


@dataclass(frozen=True)
class FetchResult:
    """What a fetch returned; `error` is a one-line reason for any non-OK status."""

    status: PollStatus
    url: str
    http_status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    link_header: str | None = None  # RFC 8288 Link header, where WebSub hubs may be declared
    error: str | None = None
    retry_after: float | None = None
    moved_to: str | None = None  # target of a permanent redirect chain (RFC 9110 15.4.2)
    final_url: str | None = None  # where the body came from after any redirects
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


class BodyTooLargeError(Exception):
    """The decoded body went past the size cap."""


class BodyDecodeError(Exception):
    """The Content-Encoding is unknown or its data is corrupt."""


class _Inflate:
    """gzip or zlib-wrapped deflate; falls back to raw deflate, which some servers send."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        # gzip: auto-detect a gzip or zlib header (wbits 32+15); deflate is zlib-wrapped (RFC 9110 8.4.1.2).
        self._zlib = zlib.decompressobj(47 if coding != "deflate" else 15)
        self._started = False

    def step(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if self.coding != "deflate" or self._started:
                raise
            self._zlib = zlib.decompressobj(-15)
            out = self._zlib.decompress(data, limit)
        self._started = True
        return out


class _Unbrotli:
    def __init__(self) -> None:
        self.coding = "br"
        self._brotli = brotli.Decompressor()

    def step(self, data: bytes, limit: int) -> bytes:
        return bytes(self._brotli.process(data, output_buffer_limit=limit))


class BodyDecoder:
    """Undoes Content-Encoding (RFC 9110 8.4) chunk by chunk, never producing more than `limit` bytes.

    Each decoder is asked for at most one byte more than the room left, so a bomb is detected
    after producing `limit + 1` bytes, whatever its compression ratio.
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        unknown = [c for c in codings if c not in {"gzip", "x-gzip", "deflate", "br", "identity"}]
        if unknown:
            raise BodyDecodeError(f"unsupported Content-Encoding {unknown[0]!r}")
        # Codings are listed in the order they were applied, so they are undone from the last.
        self._decoders = [
            _Unbrotli() if c == "br" else _Inflate(c) for c in reversed(codings) if c != "identity"
        ]

    def feed(self, chunk: bytes) -> None:
        """Decode one chunk; raises BodyTooLargeError past the cap, BodyDecodeError on bad data."""
        room = self.limit - self.size
        for decoder in self._decoders:
            try:
                chunk = decoder.step(chunk, room + 1)
            except (zlib.error, brotli.error) as exc:
                raise BodyDecodeError(f"corrupt {decoder.coding} data ({exc})") from None
            if len(chunk) > room:
                raise BodyTooLargeError
        if len(chunk) > room:
            raise BodyTooLargeError
        self.size += len(chunk)
        self.parts.append(chunk)

    def body(self) -> bytes:
        return b"".join(self.parts)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with every connection opened through the SSRF guard."""

    def __init__(self, policy: AddressPolicy, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        # httpx does not take a network backend, so its pool is rebuilt with ours (same options).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy),
        )


@dataclass
class _HostGate:
    semaphore: asyncio.Semaphore
    users: int = 0


class Fetcher:
    """Fetches URLs with one shared async HTTP client, politely and within limits."""

    def __init__(
        self,
        *,
        policy: AddressPolicy,
        timeout: float,
        max_bytes: int,
        user_agent: str,
        connect_timeout: float = 10.0,
        read_timeout: float = 10.0,
        concurrency: int = 20,
        per_host: int = 2,
        accept: str = FEED_ACCEPT,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.per_host = per_host
        self._global = asyncio.Semaphore(concurrency)
        self._hosts: dict[str, _HostGate] = {}
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(
                policy, httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
            ),
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": user_agent, "Accept": accept, "Accept-Encoding": "gzip, deflate, br"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    @contextlib.asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """One connection slot for `host` (per-host limit), then one of the global slots."""
        gate = self._hosts.get(host)
        if gate is None:
            gate = self._hosts[host] = _HostGate(asyncio.Semaphore(self.per_host))
        gate.users += 1
        try:
            async with gate.semaphore, self._global:
                yield
        finally:
            gate.users -= 1
            if not gate.users:  # forget idle hosts: a poller may see thousands
                del self._hosts[host]

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET `url` within the limits; never raises for network, HTTP or content problems."""
        started = time.monotonic()
        try:
            result = await self._follow(url, etag, last_modified)
        except TimeoutError:
            result = FetchResult(
                PollStatus.TIMEOUT, url, error=f"no complete response within {self.timeout:g}s"
            )
        except httpx.TimeoutException as exc:
            kind = "connect" if isinstance(exc, httpx.ConnectTimeout) else "read"
            result = FetchResult(PollStatus.TIMEOUT, url, error=f"{kind} timed out")
        except httpx.HTTPError as exc:
            if isinstance(exc.__cause__, BlockedAddressError):
                result = FetchResult(PollStatus.BLOCKED, url, error=str(exc.__cause__))
            else:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                result = FetchResult(PollStatus.UNREACHABLE, url, error=f"cannot connect: {reason}")
        except httpx.InvalidURL as exc:
            result = FetchResult(PollStatus.BLOCKED, url, error=f"invalid URL: {exc}")
        return replace(result, elapsed=time.monotonic() - started)

    async def post_form(self, url: str, form: dict[str, str]) -> tuple[int | None, str | None]:
        """POST a form (WebSub hub requests) within the limits, no redirects: (HTTP status, error)."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            return None, f"refused to post to {url[:200]}"
        try:
            async with self._slot(parts.hostname), asyncio.timeout(self.timeout):
                response = await self._client.post(url, data=form)
        except (TimeoutError, httpx.TimeoutException):
            return None, f"no response within {self.timeout:g}s"
        except httpx.HTTPError as exc:
            cause = exc.__cause__ if isinstance(exc.__cause__, BlockedAddressError) else exc
            return None, str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        if response.status_code >= 300:
            return response.status_code, f"HTTP {response.status_code} {response.text[:200]}".strip()
        return response.status_code, None

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
        deadline: float | None = None
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                return FetchResult(PollStatus.BLOCKED, url, error=f"refused to fetch {current[:200]}")
            async with self._slot(parts.hostname):
                # The deadline starts once the first host slot is ours: queueing is not the server's fault.
                deadline = deadline or asyncio.get_running_loop().time() + self.timeout
                async with (
                    asyncio.timeout_at(deadline),
                    self._client.stream("GET", current, headers=headers) as response,
                ):
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        target = urljoin(current, response.headers["location"])
                        permanent = permanent and response.status_code in _PERMANENT
                        moved = target if permanent else None
                        if target in seen:
                            return FetchResult(
                                PollStatus.REDIRECT_LOOP,
                                url,
                                response.status_code,
                                error=f"redirect loop at {target[:200]}",
                            )
                        seen.add(target)
                        current = target
                        continue
                    return await self._read(url, current, response, moved)
        return FetchResult(
            PollStatus.REDIRECT_LOOP,
            url,
            error=f"more than {MAX_REDIRECTS} redirects (last: {current[:200]})",
        )

    async def _read(self, url: str, final: str, response: httpx.Response, moved: str | None) -> FetchResult:
        common = {
            "url": url,
            "final_url": final,
            "http_status": response.status_code,
            "moved_to": moved,
            "content_type": response.headers.get("content-type"),
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
            "link_header": response.headers.get("link"),
        }
        status = response.status_code
        if status == 304:
            return FetchResult(PollStatus.NOT_MODIFIED, **common)
        if status in {429, 503}:
            retry = parse_retry_after(response.headers.get("retry-after"))
            return FetchResult(
                PollStatus.RATE_LIMITED,
                retry_after=retry,
                error=f"HTTP {status}" + (f", retry after {retry:.0f}s" if retry is not None else ""),
                **common,
            )
        if status == 410:
            return FetchResult(PollStatus.GONE, error="HTTP 410 Gone", **common)
        if status >= 400 or status < 200:
            return FetchResult(
                PollStatus.HTTP_ERROR, error=f"HTTP {status} {response.reason_phrase}".strip(), **common
            )
        too_large = FetchResult(
            PollStatus.TOO_LARGE, error=f"response larger than {self.max_bytes} bytes", **common
        )
        declared = response.headers.get("content-length", "")
        encoded = "content-encoding" in response.headers
        if declared.isdigit() and int(declared) > self.max_bytes and not encoded:
            return too_large
        try:
            decoder = BodyDecoder(response.headers.get("content-encoding"), self.max_bytes)
            async for chunk in response.aiter_raw():
                decoder.feed(chunk)
        except BodyTooLargeError:
            return too_large
        except BodyDecodeError as exc:
            return FetchResult(PollStatus.BAD_ENCODING, error=str(exc), **common)
        return FetchResult(PollStatus.OK, body=decoder.body(), **common)


def address_policy(settings: Settings) -> AddressPolicy:
    """Which addresses fetches may reach, from the settings."""
    return AddressPolicy.from_settings(settings.allow_private_networks, settings.private_network_allowlist)


def feed_fetcher(settings: Settings) -> Fetcher:
    """The fetcher for feeds, with every limit taken from the settings."""
    return Fetcher(
        policy=address_policy(settings),
        timeout=settings.http_timeout,
        connect_timeout=settings.http_connect_timeout,
        read_timeout=settings.http_read_timeout,
        max_bytes=settings.max_feed_bytes,
        user_agent=settings.user_agent,
        concurrency=settings.poll_concurrency,
        per_host=settings.per_host_concurrency,
    )
