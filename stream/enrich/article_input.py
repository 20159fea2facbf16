"""Turning what a user hands `wirewatch enrich` (article JSON or plain text) into an Article."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from wirewatch.errors import UsageError
from wirewatch.schema import MAX_CONTENT_CHARS, Article, article_id, describe_validation_error, utcnow

_TEXT_FIELDS = ("title", "summary", "content")
log = logging.getLogger("wirewatch.enrich")


def read_input(file: Path | None, max_bytes: int) -> bytes:
    """The bytes of `file` (stdin when None), refusing more than `max_bytes`."""
    origin = str(file) if file else "stdin"
    try:
        if file is None:
            raw = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with file.open("rb") as handle:
                raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {origin}: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise UsageError(f"{origin}: more than {max_bytes} bytes, too large for one article")
    return raw


def article_from_input(raw: bytes, origin: str) -> Article:
    """A JSON object with title/summary/content (other Article fields optional), or plain text.

    Raises UsageError for binary data, empty input or a JSON object that is not an article.
    """
    if b"\x00" in raw[:4096]:
        raise UsageError(f"{origin}: binary data, expected article JSON or UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{origin}: not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise UsageError(f"{origin}: empty input, expected article JSON or text")
    data: object = None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"{origin}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
    if not isinstance(data, dict):
        if len(text) > MAX_CONTENT_CHARS:
            # Ingest cuts long content the same way; say so rather than drop text silently.
            log.warning(
                "%s: text cut to the first %d characters (the article limit)", origin, MAX_CONTENT_CHARS
            )
            text = text[: MAX_CONTENT_CHARS - 1].rstrip() + "…"
        data = {"content": text}
    if not any(isinstance(data.get(k), str) and data[k].strip() for k in _TEXT_FIELDS):
        raise UsageError(f"{origin}: the article needs a non-empty title, summary or content")
    now = utcnow().isoformat()
    fields = {"feed_id": "cli", "source": "cli", "published": now, "fetched": now} | data
    fields.setdefault("id", article_id(fields.get("url"), "cli", guid=hashlib.sha256(raw).hexdigest()))
    try:
        return Article.model_validate(fields)
    except ValidationError as exc:
        raise UsageError(f"{origin}: {describe_validation_error(exc)}") from None
