"""Real loopback HTTP servers for tests: a feed server and a webhook receiver."""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Response:
    """A canned response; `delay` seconds are slept before answering."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    conditional: bool = True  # answer If-None-Match with 304 when the ETag matches


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float = field(default_factory=time.time)  # when it arrived (epoch seconds)


class _Httpd(ThreadingHTTPServer):
    # The default backlog of 5 drops connection attempts from concurrent clients, which then
    # retry only after a second: a delay the code under test did not cause.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client gone before its answer was written (a timeout or a cut the test made) is the
        code under test's doing, not the server's: printing a traceback for it would make noise in
        the suite's output. Any other error is printed as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = _Httpd(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FeedServer(_Server):
    """Serves whatever `routes` maps a path to; records every request, and the most requests it
    was handling at once (`most_in_flight`, which a test may set back to 0)."""

    def __init__(self) -> None:
        self.routes: dict[str, Response | Callable[[], Response]] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                route = server.routes.get(self.path)
                resp = route() if callable(route) else route
                if resp is None:
                    resp = Response(b"not found", 404)
                if resp.delay:
                    with server.lock:
                        server.in_flight += 1
                        server.most_in_flight = max(server.most_in_flight, server.in_flight)
                    time.sleep(resp.delay)
                    with server.lock:
                        server.in_flight -= 1
                headers = dict(resp.headers)
                status = resp.status
                body = resp.body
                if status == 200 and resp.conditional:
                    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    headers.setdefault("ETag", etag)
                    if self.headers.get("If-None-Match") == headers["ETag"]:
                        status, body = 304, b""
                with server.lock:
                    server.requests.append(Request("GET", self.path, dict(self.headers), b"", status))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def hits(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]


class WebhookReceiver(_Server):
    """Accepts POSTs and keeps them; `statuses` lets a test script failures (e.g. 500 then 200)."""

    def __init__(self) -> None:
        self.received: list[Request] = []
        self.statuses: list[int] = []
        self.headers: dict[str, str] = {}  # sent with every non-2xx answer (e.g. Retry-After)
        self.delay = 0.0  # seconds to wait before answering (a slow receiver)
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    return  # the sender died mid-request: nothing was delivered
                if server.delay:
                    time.sleep(server.delay)
                with server.lock:
                    status = server.statuses.pop(0) if server.statuses else 200
                    server.received.append(Request("POST", self.path, dict(self.headers), body, status))
                self.send_response(status)
                for key, value in server.headers.items() if status >= 300 else ():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def delivered(self) -> list[dict[str, Any]]:
        """JSON bodies of the POSTs answered with 2xx."""
        with self.lock:
            return [json.loads(r.body) for r in self.received if 200 <= r.status < 300]
