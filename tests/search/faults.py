"""A fault-injecting HTTP proxy in front of a real Elasticsearch endpoint.

Everything is forwarded to the upstream server, except that a test can script failures: whole
requests answered with an error status, or bulk requests whose items all come back with a
given status (e.g. 429 for "too busy", 400 for a rejected document), as Elasticsearch does.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.servers import _Server

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class FaultProxy(_Server):
    """Forwards to `upstream`; `fail_requests` and `fail_bulk_items` script the next failures."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.fail_requests: list[int] = []  # statuses for the next requests, one each
        self.fail_bulk_items: list[int] = []  # item statuses for the next bulk requests, one each
        self.bulk_requests = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def handle_any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
                is_bulk = self.path.split("?")[0].endswith("/_bulk")
                with proxy.lock:
                    request_status = proxy.fail_requests.pop(0) if proxy.fail_requests else None
                    item_status = proxy.fail_bulk_items.pop(0) if is_bulk and proxy.fail_bulk_items else None
                    proxy.bulk_requests += is_bulk
                if request_status is not None:
                    error = {"error": {"type": "injected", "reason": f"injected {request_status}"}}
                    self.reply(request_status, json.dumps(error).encode())
                elif item_status is not None:
                    self.reply(200, bulk_failure(body, item_status))
                else:
                    self.forward(body)

            def forward(self, body: bytes) -> None:
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
                data = response.read()
                extra = {k: v for k, v in response.getheaders() if k.lower() not in HOP_HEADERS}
                conn.close()
                self.reply(response.status, data, extra)

            def reply(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                injected = {"Content-Type": "application/json", "X-Elastic-Product": "Elasticsearch"}
                for key, value in (headers or injected).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(Handler)


def bulk_failure(body: bytes, status: int) -> bytes:
    """A bulk response refusing every action of `body` with `status`."""
    items = []
    lines = [json.loads(line) for line in body.splitlines() if line.strip()]
    i = 0
    while i < len(lines):
        op, meta = next(iter(lines[i].items()))
        i += 1 if op == "delete" else 2
        error = {"type": "injected", "reason": f"injected item failure {status}"}
        items.append(
            {op: {"_index": meta.get("_index"), "_id": meta.get("_id"), "status": status, "error": error}}
        )
    return json.dumps({"took": 1, "errors": True, "items": items}).encode()
