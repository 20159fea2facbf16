"""A real WebSub hub on loopback for tests: accepts (un)subscriptions, verifies intent, publishes.

It speaks the hub side of the W3C WebSub protocol over HTTP: a subscription request (form POST)
is answered 202 and verified asynchronously with a GET carrying a random challenge, which the
subscriber must echo; `publish` POSTs content to every verified subscriber of a topic, signed
with `X-Hub-Signature: sha256=...` using the subscriber's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.servers import _Server


@dataclass
class Subscription:
    topic: str
    callback: str
    secret: str | None
    lease: int
    verified: bool = False


class WebSubHub(_Server):
    """Hub at `url("/")`; `requests` keeps every subscription request form, in order."""

    def __init__(self) -> None:
        self.subscriptions: dict[tuple[str, str], Subscription] = {}
        self.requests: list[dict[str, str]] = []
        self.verifications: list[tuple[str, int, bool]] = []  # (mode, HTTP status, challenge echoed)
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with hub.lock:
                    hub.requests.append(form)
                if form.get("hub.mode") not in {"subscribe", "unsubscribe"} or not form.get("hub.callback"):
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                threading.Thread(target=hub._verify, args=(form,), daemon=True).start()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def _verify(self, form: dict[str, str]) -> None:
        """Verification of intent: GET the callback with a challenge, activate if echoed."""
        challenge = secrets.token_urlsafe(16)
        mode, topic, callback = form["hub.mode"], form["hub.topic"], form["hub.callback"]
        lease = int(form.get("hub.lease_seconds", "3600"))
        params = {
            "hub.mode": mode,
            "hub.topic": topic,
            "hub.challenge": challenge,
            "hub.lease_seconds": lease,
        }
        try:
            response = httpx.get(callback, params=params, timeout=5)
            status, echoed = response.status_code, response.text == challenge
        except httpx.HTTPError:
            status, echoed = 0, False
        with self.lock:
            self.verifications.append((mode, status, echoed))
            if not (200 <= status < 300 and echoed):
                return
            if mode == "subscribe":
                self.subscriptions[(topic, callback)] = Subscription(
                    topic, callback, form.get("hub.secret"), lease, verified=True
                )
            else:
                self.subscriptions.pop((topic, callback), None)

    def active(self, topic: str) -> list[Subscription]:
        with self.lock:
            return [s for s in self.subscriptions.values() if s.topic == topic and s.verified]

    def publish(self, topic: str, body: bytes, *, forge: bool = False) -> list[int]:
        """Deliver `body` to every verified subscriber of `topic`; returns their HTTP statuses."""
        statuses = []
        for sub in self.active(topic):
            key = b"wrong secret" if forge else (sub.secret or "").encode()
            signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
            response = httpx.post(
                sub.callback,
                content=body,
                headers={"Content-Type": "application/rss+xml", "X-Hub-Signature": signature},
                timeout=5,
            )
            statuses.append(response.status_code)
        return statuses
