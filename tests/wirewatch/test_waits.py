"""Waiting for an event with a time limit."""

from __future__ import annotations

import asyncio
import time

from wirewatch.waits import wait_event


def test_wait_event_returns_when_set_or_when_the_time_is_up() -> None:
    async def scenario() -> tuple[bool, float, bool, float]:
        event = asyncio.Event()
        asyncio.get_running_loop().call_later(0.05, event.set)
        start = time.monotonic()
        was_set = await wait_event(event, 5.0)
        set_after = time.monotonic() - start
        start = time.monotonic()
        unset = await wait_event(asyncio.Event(), 0.1)
        return was_set, set_after, unset, time.monotonic() - start

    was_set, set_after, unset, waited = asyncio.run(scenario())
    assert was_set and set_after < 2.0  # woken by the event, not by the limit
    assert not unset and 0.09 <= waited < 2.0


def test_a_cancelled_wait_stays_cancelled() -> None:
    async def scenario() -> bool:
        task = asyncio.ensure_future(wait_event(asyncio.Event(), 5.0))
        await asyncio.sleep(0.01)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return True
        return False

    assert asyncio.run(scenario())
