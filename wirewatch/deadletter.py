"""Dead-letter records: anything a stage could not process, kept with the reason, never dropped."""

from __future__ import annotations

import base64
import json

from wirewatch.schema import SCHEMA_VERSION, utcnow


def dead_letter(
    stage: str,
    reason: str,
    value: bytes | str | None,
    key: bytes | str | None = None,
    origin: dict[str, object] | None = None,
) -> bytes:
    """The JSON value written to `wirewatch.deadletter`: stage, reason, the original record."""

    def text(raw: bytes | str | None) -> dict[str, str] | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            return {"text": raw}
        try:
            return {"text": raw.decode("utf-8")}
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(raw).decode("ascii")}

    record = {
        "schema_version": SCHEMA_VERSION,
        "stage": stage,
        "reason": reason,
        "at": utcnow().isoformat(),
        "key": text(key),
        "value": text(value),
        "origin": origin or {},
    }
    return json.dumps(record, ensure_ascii=False).encode("utf-8")
