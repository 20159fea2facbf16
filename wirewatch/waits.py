"""Waiting for an asyncio event with a time limit, without `asyncio.wait_for`.

`asyncio.wait_for` on Python 3.11 wraps the wait in a task it cancels on timeout, and can lose a
result or a cancellation that arrives at the same moment; `asyncio.timeout` cancels in place.
"""

from __future__ import annotations

import asyncio
import contextlib


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait until `event` is set or `seconds` pass; whether it is set."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()
