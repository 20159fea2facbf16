"""Durations written the short way people type them: 90s, 15m, 24h, 7d, 2w."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"^(\d{1,7})([smhdw])$")


def parse_duration(text: str) -> timedelta:
    """`24h` -> timedelta(hours=24); raises ValueError with a readable message otherwise."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration (use e.g. 90s, 15m, 24h, 7d, 2w)")
    return timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)])
