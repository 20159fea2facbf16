"""WebSub (W3C Recommendation, formerly PubSubHubbub) subscriber: hubs push new content to us.

When a polled feed declares a hub (`<link rel="hub">`), the poller subscribes to the feed's
self URL at that hub with a callback URL of its own and a fresh secret (WebSub 5.1). The hub
verifies our intent with a GET carrying a challenge, which we echo only for a subscription we
asked for (5.3). Pushed content (7) must carry `X-Hub-Signature: <method>=<HMAC of the body with
the secret>` (8); anything else is ignored and logged. Valid content goes through the poller's
`ingest_document`, exactly like a polled document. Leases are renewed before they end, and
subscriptions of paused or removed feeds are cancelled. Polling continues as a slow fallback.

The callback is a small Starlette ASGI app (`callback_app`), served by uvicorn in the ingest
process, and mountable in the HTTP API later.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ingest.fetch import Fetcher
from ingest.outcomes import PollStatus
from ingest.state import Feed, FeedStore, PollOutcome
from wirewatch.waits import wait_event

log = logging.getLogger("wirewatch.ingest")

CALLBACK_PATH = "/websub/{feed_id}"
_DIGESTS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
RETRY_FAILED = 3_600.0  # seconds before a failed or denied subscription is tried again


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature: method=hexdigest` is the HMAC of `body` with `secret` (WebSub 8)."""
    if not header or "=" not in header:
        return False
    method, _, given = header.strip().partition("=")
    digest = _DIGESTS.get(method.lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


class Subscriber:
    """Subscribes feeds to their hubs and turns verified pushes into articles."""

    def __init__(
        self,
        store: FeedStore,
        fetcher: Fetcher,
        public_url: str,
        lease: int,
        ingest: Any,  # the Poller: ingest_document(feed, body, content_type) and replan(feed id)
        max_bytes: int,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.public_url = public_url.rstrip("/")
        self.lease = lease
        self.ingest = ingest
        self.max_bytes = max_bytes
        self._tasks: set[asyncio.Task[Any]] = set()

    def callback(self, feed: Feed) -> str:
        return self.public_url + CALLBACK_PATH.format(feed_id=feed.id)

    # -- subscribing -----------------------------------------------------------------------

    def notice(self, feed: Feed, hub: str | None, topic: str | None) -> None:
        """A poll saw the feed's hub: subscribe when not subscribed (or the hub changed)."""
        if not hub or not feed.active:
            return
        topic = topic or feed.url
        unchanged = feed.websub_hub == hub and feed.websub_topic == topic
        if unchanged and feed.websub_state in {"pending", "active"}:
            return
        if unchanged and feed.websub_expires and feed.websub_expires > time.time():
            return  # failed or denied recently: retry later
        self._spawn(self.subscribe(feed, hub, topic))

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def subscribe(self, feed: Feed, hub: str, topic: str, mode: str = "subscribe") -> None:
        """Ask the hub for a (re)subscription or unsubscription; the hub verifies it with a GET."""
        secret = feed.websub_secret if mode == "subscribe" and feed.websub_hub == hub else None
        secret = secret or secrets.token_hex(32)
        state = "pending" if mode == "subscribe" else "unsubscribing"
        if not (mode == "subscribe" and feed.websub_state == "active"):  # renewals keep serving
            await asyncio.to_thread(
                self.store.set_websub, feed.id, state=state, hub=hub, topic=topic, secret=secret
            )
        form = {"hub.mode": mode, "hub.topic": topic, "hub.callback": self.callback(feed)}
        if mode == "subscribe":
            form |= {"hub.secret": secret, "hub.lease_seconds": str(self.lease)}
        status, error = await self.fetcher.post_form(hub, form)
        if error is not None:
            log.warning("WebSub %s of %s at %s failed: %s", mode, feed.label, hub, error)
            await asyncio.to_thread(
                self.store.set_websub,
                feed.id,
                state=f"failed: {error}"[:200],
                expires=time.time() + RETRY_FAILED,
            )
        else:
            log.info("WebSub %s of %s requested at %s (HTTP %s)", mode, feed.label, hub, status)

    async def maintain(self) -> None:
        """Renew leases that are running out; cancel subscriptions of paused or removed feeds."""
        now = time.time()
        margin = min(3_600.0, self.lease / 5)
        for feed in await asyncio.to_thread(self.store.list):
            if feed.websub_state != "active" or not feed.websub_hub or not feed.websub_topic:
                continue
            if not feed.active:
                await self.subscribe(feed, feed.websub_hub, feed.websub_topic, "unsubscribe")
            elif feed.websub_expires is not None and feed.websub_expires - now < margin:
                await self.subscribe(feed, feed.websub_hub, feed.websub_topic)

    async def run(self, stop: asyncio.Event) -> None:
        """Maintain subscriptions until `stop` is set."""
        every = max(0.5, min(60.0, self.lease / 10))
        while not stop.is_set():
            await wait_event(stop, every)
            try:
                await self.maintain()
            except Exception:
                log.exception("WebSub maintenance failed; trying again later")

    # -- the callback ----------------------------------------------------------------------

    async def verify(self, request: Request) -> Response:
        """Verification of intent (WebSub 5.3): echo the challenge for what we asked for."""
        feed = await asyncio.to_thread(self.store.get, request.path_params["feed_id"])
        params = request.query_params
        mode, topic = params.get("hub.mode"), params.get("hub.topic")
        if feed is None or topic != feed.websub_topic:
            return PlainTextResponse("unknown subscription", 404)
        if mode == "denied":
            reason = params.get("hub.reason") or "no reason given"
            log.warning("WebSub hub denied %s: %s", feed.label, reason)
            await asyncio.to_thread(
                self.store.set_websub,
                feed.id,
                state=f"denied: {reason}"[:200],
                expires=time.time() + RETRY_FAILED,
            )
            return PlainTextResponse("ok")
        wanted = {"subscribe": {"pending", "active"}, "unsubscribe": {"unsubscribing"}}.get(mode or "", set())
        challenge = params.get("hub.challenge")
        if feed.websub_state not in wanted or not challenge:
            return PlainTextResponse("not requested", 404)
        if mode == "subscribe":
            lease = params.get("hub.lease_seconds", "")
            expires = time.time() + (int(lease) if lease.isdigit() else self.lease)
            await asyncio.to_thread(self.store.set_websub, feed.id, state="active", expires=expires)
            if feed.websub_state != "active":
                self.ingest.replan(feed.id)  # polling becomes the slow fallback
            log.info("WebSub subscription of %s active for %ss", feed.label, lease or self.lease)
        else:
            await asyncio.to_thread(self.store.set_websub, feed.id, state=None)
        return PlainTextResponse(challenge)

    async def receive(self, request: Request) -> Response:
        """Content distribution (WebSub 7): verify the signature, then ingest like a poll."""
        feed = await asyncio.to_thread(self.store.get, request.path_params["feed_id"])
        if feed is None or not feed.websub_secret:
            return PlainTextResponse("unknown subscription", 404)
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > self.max_bytes:
                return PlainTextResponse("too large", 413)
        if not signature_ok(feed.websub_secret, bytes(body), request.headers.get("x-hub-signature")):
            log.warning("WebSub push for %s ignored: missing or wrong X-Hub-Signature", feed.label)
            outcome = PollOutcome(PollStatus.BAD_SIGNATURE, "push ignored: missing or wrong X-Hub-Signature")
            await asyncio.to_thread(self.store.record_push, feed, outcome)
            return PlainTextResponse("accepted", 202)  # WebSub 8: acknowledge, but ignore
        self._spawn(self._ingest(feed, bytes(body), request.headers.get("content-type")))
        return PlainTextResponse("accepted", 202)

    async def _ingest(self, feed: Feed, body: bytes, content_type: str | None) -> None:
        outcome = await self.ingest.ingest_document(feed, body, content_type)
        await asyncio.to_thread(self.store.record_push, feed, outcome)
        log.info("WebSub push for %s: %s, %d new", feed.label, outcome.status, outcome.items)


def callback_app(subscriber: Subscriber) -> Starlette:
    """The ASGI app hubs call: GET verifies intent, POST delivers content."""
    return Starlette(
        routes=[
            Route(CALLBACK_PATH, subscriber.verify, methods=["GET"]),
            Route(CALLBACK_PATH, subscriber.receive, methods=["POST"]),
        ]
    )
