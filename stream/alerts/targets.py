"""Delivery target strings: what a subscription may deliver to, validated before it is saved.

Three kinds, one string each: `console` (a line in the stream's log), an http(s) URL (the signed
JSON webhook), or any notification URL apprise supports (mailto://, slack://, tgram://,
discord://, msteams://, matrix://, ntfy://, json://, ...; see the apprise wiki for the syntax).
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from wirewatch.errors import UsageError

CONSOLE = "console"
WEBHOOK_SCHEMES = frozenset({"http", "https"})


class Channel(StrEnum):
    """How a target is delivered to."""

    CONSOLE = "console"
    WEBHOOK = "webhook"
    APPRISE = "apprise"


def channel(target: str) -> Channel:
    """The channel of an already validated target."""
    if target == CONSOLE:
        return Channel.CONSOLE
    if urlsplit(target).scheme in WEBHOOK_SCHEMES:
        return Channel.WEBHOOK
    return Channel.APPRISE


@lru_cache(maxsize=1)
def apprise_module() -> Any:
    """apprise loads its ~190 plugins on first use; keep it out of every CLI start-up."""
    import logging

    import apprise

    logging.getLogger("apprise").setLevel(logging.ERROR)
    return apprise


def apprise_supports(url: str) -> bool:
    """Whether apprise can build a notifier from this URL (scheme known, parameters valid)."""
    return apprise_module().Apprise.instantiate(url) is not None


def redact(target: str) -> str:
    """The target without its password, for logs and listings (tokens in paths stay: they are
    the whole address for many services, and the owner needs to tell targets apart)."""
    parts = urlsplit(target)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return target


def validate_target(target: str) -> str:
    """Return the normalised target or raise UsageError naming what is wrong."""
    target = target.strip()
    if target in {CONSOLE, "console:", "console://"}:
        return CONSOLE
    parts = urlsplit(target)
    if parts.scheme in WEBHOOK_SCHEMES:
        if not parts.hostname:
            raise UsageError(f"target {redact(target)!r} has no host")
        return target
    if not parts.scheme or "://" not in target:
        raise UsageError(
            f"target {redact(target)!r} is not a URL: use 'console', an http(s) webhook URL"
            " or an apprise URL such as mailto://, slack://, tgram://, ntfy://, json://"
        )
    if not apprise_supports(target):
        raise UsageError(
            f"unknown or invalid target {redact(target)!r}: apprise does not support the scheme"
            f" {parts.scheme!r} or its parameters are incomplete (see the apprise URL syntax)"
        )
    return target
