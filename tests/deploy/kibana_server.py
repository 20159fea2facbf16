"""Our own loopback fake of Kibana's saved-objects import API (POST /api/saved_objects/_import).

It behaves like Kibana where wirewatch depends on it: the kbn-xsrf header is required, the
credentials are checked, the body must be multipart form data with an .ndjson `file` part,
every object's references must resolve (in the file or among objects imported before), an
existing object is a conflict unless overwrite=true, and a server still starting answers 503.
"""

from __future__ import annotations

import base64
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers import Request, _Server

IMPORTABLE = {"index-pattern", "search", "dashboard", "visualization", "lens", "map", "tag"}


class KibanaServer(_Server):
    """Accepts imports for one user (basic auth) or one API key; keeps what was imported."""

    def __init__(self, password: str = "s3cret", api_key: str = "a2V5OnNlY3JldA==") -> None:
        self.accepted = {
            f"Basic {base64.b64encode(f'elastic:{password}'.encode()).decode()}",
            f"ApiKey {api_key}",
        }
        self.ready = True
        self.saved: dict[tuple[str, str], dict[str, Any]] = {}
        self.requests: list[Request] = []
        self.uploads: list[bytes] = []  # the NDJSON file part of each accepted import
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, answer = server.handle(self.path, dict(self.headers), body)
                with server.lock:
                    server.requests.append(Request("POST", self.path, dict(self.headers), body, status))
                payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header(
                    "Content-Type", "text/plain" if isinstance(answer, bytes) else "application/json"
                )
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        """Kibana's answer to one POST."""
        if not self.ready:
            return 503, b"Kibana server is not ready yet"
        url = urlsplit(path)
        if url.path != "/api/saved_objects/_import":
            return 404, {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
        if headers.get("Authorization") not in self.accepted:
            return 401, {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"}
        if "kbn-xsrf" not in {k.lower() for k in headers}:
            return 400, bad_request("Request must contain a kbn-xsrf header.")
        upload = file_part(headers.get("Content-Type", ""), body)
        if isinstance(upload, str):
            return 400, bad_request(upload)
        try:
            objects = [json.loads(line) for line in upload.decode().splitlines() if line.strip()]
        except ValueError as exc:
            return 400, bad_request(f"Unexpected token in JSON: {exc}")
        overwrite = parse_qs(url.query).get("overwrite") == ["true"]
        with self.lock:
            self.uploads.append(upload)
            return 200, self.import_objects(objects, overwrite)

    def import_objects(self, objects: list[dict[str, Any]], overwrite: bool) -> dict[str, Any]:
        in_file = {(o.get("type"), o.get("id")) for o in objects}
        errors, done = [], []
        for obj in objects:
            key = (obj.get("type"), obj.get("id"))
            failure: dict[str, Any] | None = None
            missing = [
                {"type": r["type"], "id": r["id"]}
                for r in obj.get("references", [])
                if (r["type"], r["id"]) not in in_file and (r["type"], r["id"]) not in self.saved
            ]
            if key[0] not in IMPORTABLE:
                failure = {"type": "unsupported_type"}
            elif missing:
                failure = {"type": "missing_references", "references": missing}
            elif key in self.saved and not overwrite:
                failure = {"type": "conflict"}
            if failure:
                errors.append({"type": key[0], "id": key[1], "title": title(obj), "error": failure})
            else:
                self.saved[key] = obj
                done.append({"type": key[0], "id": key[1], "meta": {"title": title(obj)}})
        answer: dict[str, Any] = {"success": not errors, "successCount": len(done), "successResults": done}
        if errors:
            answer["errors"] = errors
        return answer


def title(obj: dict[str, Any]) -> str:
    return str(obj.get("attributes", {}).get("title", ""))


def bad_request(message: str) -> dict[str, Any]:
    return {"statusCode": 400, "error": "Bad Request", "message": message}


def file_part(content_type: str, body: bytes) -> bytes | str:
    """The content of the multipart `file` field, or why the body is not an acceptable upload."""
    if not content_type.startswith("multipart/form-data"):
        return "Unsupported Media Type: expected multipart/form-data"
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            filename = part.get_filename() or ""
            if not filename.endswith(".ndjson"):
                return (
                    f"Invalid file extension {filename.rsplit('.', 1)[-1] if '.' in filename else filename}"
                )
            return bytes(part.get_payload(decode=True) or b"")
    return "[request body.file]: expected value of type [Stream] but got [undefined]"
