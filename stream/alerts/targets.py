"""Delivery target strings: what a subscription may deliver to, validated before it is saved."""

from __future__ import annotations

from urllib.parse import urlsplit

from wirewatch.errors import UsageError

CONSOLE = "console"


def validate_target(target: str) -> str:
    """Return the normalised target or raise UsageError naming what is wrong.

    `console` prints alerts in the stream's log; an http(s) URL receives a signed JSON POST.
    """
    target = target.strip()
    if target in {CONSOLE, "console:", "console://"}:
        return CONSOLE
    parts = urlsplit(target)
    if parts.scheme in {"http", "https"}:
        if not parts.hostname:
            raise UsageError(f"target {target!r} has no host")
        return target
    scheme = parts.scheme or target
    raise UsageError(
        f"unknown target scheme {scheme!r} in {target!r}: use an http(s) webhook URL or 'console'"
    )
