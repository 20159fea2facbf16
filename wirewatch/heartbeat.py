"""Liveness for container health checks: long-running services touch a file, `wirewatch healthcheck`
reads its age. A process whose event loop is stuck stops touching it; a slow dependency does not."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from wirewatch.errors import ConfigError, WirewatchError


def touch(path: Path) -> None:
    """Record that this process is alive now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path)


async def beat(path: Path, every: float) -> None:
    """Touch `path` every `every` seconds until cancelled (runs on the service's own event loop)."""
    while True:
        touch(path)
        await asyncio.sleep(every)


def check(path: Path | None, max_age: float, now: float | None = None) -> float:
    """Seconds since the last heartbeat; a one-line WirewatchError when there is none or it is stale."""
    if path is None:
        raise ConfigError("WIREWATCH_HEARTBEAT_FILE is not set, so there is no heartbeat to check")
    try:
        age = (now if now is not None else time.time()) - path.stat().st_mtime
    except FileNotFoundError:
        raise WirewatchError(f"no heartbeat at {path} yet (is the worker or poller running?)") from None
    if age > max_age:
        raise WirewatchError(
            f"last heartbeat {age:.0f}s ago at {path}, more than {max_age:g}s: the process is stuck"
        )
    return age
