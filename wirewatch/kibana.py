"""Kibana's saved-objects import over HTTP, for `wirewatch kibana import` and `wirewatch setup`.

Kibana authenticates users against the Elasticsearch it runs on, so the Elasticsearch credentials
of the settings (username/password or an API key) serve here too. Every failure is one clear line.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx

from wirewatch.errors import ConfigError, UnreachableError, WirewatchError
from wirewatch.settings import Settings

# The dashboards of this checkout; the Docker image points WIREWATCH_KIBANA_OBJECTS at its copy.
CHECKOUT_OBJECTS = Path(__file__).resolve().parents[1] / "deploy" / "kibana" / "wirewatch.ndjson"
CREDENTIALS = "WIREWATCH_ELASTICSEARCH_USERNAME/_PASSWORD or WIREWATCH_ELASTICSEARCH_API_KEY"
TIMEOUT = 30.0


def auth_headers(settings: Settings) -> dict[str, str]:
    """Authorization header from the settings: an API key wins over username and password."""
    if settings.elasticsearch_api_key is not None:
        return {"Authorization": f"ApiKey {settings.elasticsearch_api_key.get_secret_value()}"}
    if settings.elasticsearch_password is not None:
        user = settings.elasticsearch_username or "elastic"
        pair = f"{user}:{settings.elasticsearch_password.get_secret_value()}".encode()
        return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
    return {}


def _reason(response: httpx.Response) -> str:
    """Kibana's own words for a failure (its JSON `message`, or the first line of text)."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text.splitlines()[0][:200] if text else response.reason_phrase
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return response.reason_phrase


def objects_file(settings: Settings, path: Path | None = None) -> Path:
    """The saved-objects NDJSON to import: an explicit path, the setting, or this checkout's file."""
    chosen = path or settings.kibana_objects or CHECKOUT_OBJECTS
    if not chosen.is_file():
        raise ConfigError(f"saved objects file {chosen} does not exist (set WIREWATCH_KIBANA_OBJECTS)")
    return chosen


def import_saved_objects(settings: Settings, kibana_url: str, path: Path) -> int:
    """Import (overwrite) the saved objects of an NDJSON file into Kibana; returns how many."""
    url = kibana_url.rstrip("/")
    headers = auth_headers(settings) | {"kbn-xsrf": "wirewatch"}  # Kibana refuses writes without it
    try:
        response = httpx.post(
            f"{url}/api/saved_objects/_import",
            params={"overwrite": "true"},
            headers=headers,
            files={"file": (path.name, path.read_bytes(), "application/ndjson")},
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreachableError(f"Kibana at {url} is unreachable ({reason})") from None
    if response.status_code == 401:
        if "Authorization" in headers:
            raise ConfigError(f"Kibana rejected the credentials ({_reason(response)}): check {CREDENTIALS}")
        raise ConfigError(f"Kibana requires credentials and none are set: set {CREDENTIALS}")
    if response.status_code != 200:
        raise WirewatchError(
            f"Kibana at {url} refused the import ({response.status_code}: {_reason(response)})"
        )
    result = response.json()
    if not result.get("success"):
        errors = result.get("errors") or [{}]
        raise WirewatchError(
            f"Kibana at {url} rejected {len(errors)} saved object(s) of {path.name}; first: "
            + _object_error(errors[0])
        )
    return int(result.get("successCount", 0))


def _object_error(error: dict[str, Any]) -> str:
    """`dashboard news-monitor: missing_references (index-pattern x)` from one import error."""
    detail = error.get("error") or {}
    reason = str(detail.get("type", "unknown error"))
    missing = detail.get("references") or []
    if missing:
        reason += " (" + ", ".join(f"{r.get('type')} {r.get('id')}" for r in missing) + ")"
    if detail.get("message"):
        reason += f": {detail['message']}"
    return " ".join(f"{error.get('type', '?')} {error.get('id', '?')}: {reason}".split())
