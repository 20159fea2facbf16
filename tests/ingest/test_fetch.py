"""The fetcher against a real loopback HTTP server: limits, encodings, redirects, the SSRF guard."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from collections.abc import Iterator

import brotli
import pytest

from ingest.fetch import BodyDecodeError, BodyDecoder, BodyTooLargeError, Fetcher, parse_retry_after
from ingest.netguard import AddressPolicy, parse_networks
from ingest.outcomes import PollStatus
from tests.servers import FeedServer, Response
from wirewatch.chunks import chunks

OPEN = AddressPolicy(allow_private=True)
BOMB_SIZE = 20_000_000  # bytes once inflated; the cap in these tests is 1 MB


def fetcher(policy: AddressPolicy = OPEN, **kwargs: object) -> Fetcher:
    options = {"timeout": 5.0, "max_bytes": 1_000_000, "user_agent": "wirewatch-test"} | kwargs
    return Fetcher(policy=policy, **options)  # type: ignore[arg-type]


def fetch(url: str, policy: AddressPolicy = OPEN, etag: str | None = None, **kwargs: object):
    async def go():
        f = fetcher(policy, **kwargs)
        try:
            return await f.fetch(url, etag)
        finally:
            await f.aclose()

    return asyncio.run(go())


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


ENCODERS = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
}


@pytest.fixture(scope="module")
def bombs() -> Iterator[dict[str, bytes]]:
    zeros = bytes(BOMB_SIZE)
    yield {name: encode(zeros) for name, encode in ENCODERS.items()}


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "raw-deflate", "identity"])
def test_each_content_encoding_is_decoded(feed_server: FeedServer, coding: str) -> None:
    text = "<rss><channel><title>Новости дня</title></channel></rss>".encode() * 50
    body = {"raw-deflate": raw_deflate, "identity": bytes}.get(coding, ENCODERS.get(coding))(text)  # type: ignore[operator]
    header = "deflate" if coding == "raw-deflate" else coding
    feed_server.routes["/f"] = Response(body, headers={"Content-Encoding": header})
    result = fetch(feed_server.url("/f"))
    assert result.status is PollStatus.OK, result.error
    assert result.body == text
    assert feed_server.hits("/f")[0].headers["Accept-Encoding"] == "gzip, deflate, br"


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_compression_bombs_are_cut_off_after_decompression(
    feed_server: FeedServer, bombs: dict[str, bytes], coding: str
) -> None:
    assert len(bombs[coding]) < 1_000_000  # the compressed body itself is under the cap
    feed_server.routes["/bomb"] = Response(bombs[coding], headers={"Content-Encoding": coding})
    started = time.monotonic()
    result = fetch(feed_server.url("/bomb"))
    assert result.status is PollStatus.TOO_LARGE
    assert result.error == "response larger than 1000000 bytes"
    assert time.monotonic() - started < 5


def test_decoder_never_holds_more_than_the_cap(bombs: dict[str, bytes]) -> None:
    for coding, data in bombs.items():
        decoder = BodyDecoder(coding, 100_000)
        with pytest.raises(BodyTooLargeError):
            for part in chunks(data, 65_536):
                decoder.feed(part)
        assert decoder.size <= 100_000


@pytest.mark.parametrize(
    ("coding", "body", "reason"),
    [
        ("gzip", b"\x1f\x8b\x08\x00garbage-not-gzip", "corrupt gzip data"),
        ("br", b"\xff\xff\xff\xffnot brotli", "corrupt br data"),
        ("zstd", b"whatever", "unsupported Content-Encoding 'zstd'"),
    ],
)
def test_corrupt_or_unknown_encodings_are_rejected(
    feed_server: FeedServer, coding: str, body: bytes, reason: str
) -> None:
    feed_server.routes["/bad"] = Response(body, headers={"Content-Encoding": coding})
    result = fetch(feed_server.url("/bad"))
    assert result.status is PollStatus.BAD_ENCODING
    assert result.error is not None and result.error.startswith(reason)


def test_stacked_encodings_are_undone_in_reverse_order() -> None:
    text = b"<feed/>" * 100
    decoder = BodyDecoder("gzip, br", 10_000)
    decoder.feed(brotli.compress(gzip.compress(text)))
    assert decoder.body() == text
    with pytest.raises(BodyDecodeError):
        BodyDecoder("compress", 10)


def test_declared_length_over_the_cap_is_refused_before_reading(feed_server: FeedServer) -> None:
    feed_server.routes["/big"] = Response(b"x" * 2_000_000)
    result = fetch(feed_server.url("/big"))
    assert result.status is PollStatus.TOO_LARGE


def test_slow_server_hits_the_total_deadline(feed_server: FeedServer) -> None:
    feed_server.routes["/slow"] = Response(b"<rss/>", delay=3)
    started = time.monotonic()
    result = fetch(feed_server.url("/slow"), timeout=0.5, read_timeout=10.0)
    assert result.status is PollStatus.TIMEOUT
    assert time.monotonic() - started < 2


def test_read_timeout(feed_server: FeedServer) -> None:
    feed_server.routes["/slow"] = Response(b"<rss/>", delay=3)
    result = fetch(feed_server.url("/slow"), timeout=10.0, read_timeout=0.3)
    assert (result.status, result.error) == (PollStatus.TIMEOUT, "read timed out")


def test_conditional_get_and_status_labels(feed_server: FeedServer) -> None:
    feed_server.routes["/f"] = Response(b"<rss/>")
    first = fetch(feed_server.url("/f"))
    assert first.status is PollStatus.OK and first.etag
    again = fetch(feed_server.url("/f"), etag=first.etag)
    assert again.status is PollStatus.NOT_MODIFIED
    assert feed_server.hits("/f")[1].headers["If-None-Match"] == first.etag
    feed_server.routes["/gone"] = Response(b"", 410)
    feed_server.routes["/busy"] = Response(b"", 429, headers={"Retry-After": "120"})
    feed_server.routes["/down"] = Response(b"", 500)
    assert fetch(feed_server.url("/gone")).status is PollStatus.GONE
    busy = fetch(feed_server.url("/busy"))
    assert (busy.status, busy.retry_after) == (PollStatus.RATE_LIMITED, 120.0)
    down = fetch(feed_server.url("/down"))
    assert (down.status, down.error) == (PollStatus.HTTP_ERROR, "HTTP 500 Internal Server Error")


def test_retry_after_forms() -> None:
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 - 60) == 60.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_redirects_loops_and_permanent_moves(feed_server: FeedServer) -> None:
    feed_server.routes["/a"] = Response(b"", 301, headers={"Location": "/b"})
    feed_server.routes["/b"] = Response(b"", 308, headers={"Location": feed_server.url("/feed")})
    feed_server.routes["/feed"] = Response(b"<rss/>")
    moved = fetch(feed_server.url("/a"))
    assert moved.status is PollStatus.OK
    assert moved.moved_to == moved.final_url == feed_server.url("/feed")

    feed_server.routes["/t"] = Response(b"", 302, headers={"Location": "/a"})
    temporary = fetch(feed_server.url("/t"))
    assert temporary.status is PollStatus.OK and temporary.moved_to is None

    feed_server.routes["/loop1"] = Response(b"", 302, headers={"Location": "/loop2"})
    feed_server.routes["/loop2"] = Response(b"", 302, headers={"Location": "/loop1"})
    loop = fetch(feed_server.url("/loop1"))
    assert loop.status is PollStatus.REDIRECT_LOOP and "redirect loop" in (loop.error or "")

    for n in range(7):
        feed_server.routes[f"/hop{n}"] = Response(b"", 302, headers={"Location": f"/hop{n + 1}"})
    chain = fetch(feed_server.url("/hop0"))
    assert chain.status is PollStatus.REDIRECT_LOOP and "more than 5 redirects" in (chain.error or "")


def test_ssrf_guard_refuses_private_addresses_after_resolution(feed_server: FeedServer) -> None:
    feed_server.routes["/f"] = Response(b"<rss/>")
    closed = AddressPolicy()
    for url in (feed_server.url("/f"), f"http://localhost:{feed_server.port}/f"):
        result = fetch(url, closed)
        assert result.status is PollStatus.BLOCKED
        assert "127.0.0.1 is a loopback address" in (result.error or "")
    assert feed_server.hits("/f") == []


def test_every_redirect_hop_is_checked(feed_server: FeedServer) -> None:
    """Only 127.0.0.1 is allowed: a redirect to another loopback address is refused, not followed."""
    narrow = AddressPolicy(allow_private=True, allowlist=parse_networks("127.0.0.1/32"))
    feed_server.routes["/ok"] = Response(b"<rss/>")
    assert fetch(feed_server.url("/ok"), narrow).status is PollStatus.OK
    feed_server.routes["/r"] = Response(
        b"", 302, headers={"Location": f"http://127.0.0.2:{feed_server.port}/x"}
    )
    result = fetch(feed_server.url("/r"), narrow)
    assert result.status is PollStatus.BLOCKED
    assert "outside WIREWATCH_PRIVATE_NETWORK_ALLOWLIST" in (result.error or "")
    feed_server.routes["/file"] = Response(b"", 302, headers={"Location": "file:///etc/passwd"})
    assert fetch(feed_server.url("/file")).status is PollStatus.BLOCKED


def test_per_host_limit(feed_server: FeedServer) -> None:
    feed_server.routes["/slow"] = Response(b"<rss/>", delay=0.3)

    async def many(per_host: int) -> float:
        f = fetcher(per_host=per_host)
        started = time.monotonic()
        try:
            results = await asyncio.gather(*(f.fetch(feed_server.url("/slow")) for _ in range(6)))
        finally:
            await f.aclose()
        assert all(r.status is PollStatus.OK for r in results)
        return time.monotonic() - started

    # Counted at the server, not timed: a loaded machine stretches any wall-clock bound.
    feed_server.most_in_flight = 0  # the server may have served other tests
    assert asyncio.run(many(2)) >= 0.85  # three waves of two
    assert feed_server.most_in_flight == 2
    feed_server.most_in_flight = 0
    asyncio.run(many(6))
    assert feed_server.most_in_flight > 2


def test_a_name_connects_only_to_an_address_that_passed_the_check(feed_server: FeedServer) -> None:
    """`localhost` may resolve to ::1 and 127.0.0.1; with only 127.0.0.1 allowed, that is where we go."""
    feed_server.routes["/f"] = Response(b"<rss/>")
    narrow = AddressPolicy(allow_private=True, allowlist=parse_networks("127.0.0.1/32"))
    result = fetch(f"http://localhost:{feed_server.port}/f", narrow)
    assert result.status is PollStatus.OK
    assert (
        feed_server.hits("/f")[0].headers["Host"] == f"localhost:{feed_server.port}"
    )  # name kept for the server
    only_v6 = AddressPolicy(allow_private=True, allowlist=parse_networks("::1/128"))
    refused = fetch(f"http://127.0.0.1:{feed_server.port}/f", only_v6)
    assert refused.status is PollStatus.BLOCKED
