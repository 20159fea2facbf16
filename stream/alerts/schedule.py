"""Digest schedules: `hourly` or `daily@HH:MM` in an IANA time zone, and their period boundaries.

A digest collects a subscription's alerts until the next boundary after they were raised; the
boundary is stored with each alert, so a restart between periods loses nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wirewatch.errors import UsageError

_DAILY = re.compile(r"^daily(?:@(\d{1,2}):(\d{2}))?$")


def zone(name: str) -> ZoneInfo:
    """A time zone by IANA name, or UsageError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Kyiv or UTC)"
        ) from None


@dataclass(frozen=True)
class Schedule:
    """When digests of one subscription go out."""

    every: str  # "hourly" or "daily"
    at: time = time(8, 0)
    tz: str = "UTC"

    @classmethod
    def parse(cls, text: str, tz: str = "UTC") -> Schedule:
        zone(tz)
        text = text.strip().lower()
        if text == "hourly":
            return cls("hourly", time(0, 0), tz)
        if match := _DAILY.match(text):
            hour, minute = int(match.group(1) or 8), int(match.group(2) or 0)
            if hour > 23 or minute > 59:
                raise UsageError(f"digest time {text!r} is not a time of day (00:00 to 23:59)")
            return cls("daily", time(hour, minute), tz)
        raise UsageError(f"digest schedule {text!r} not understood: use hourly or daily@08:00")

    def __str__(self) -> str:
        return "hourly" if self.every == "hourly" else f"daily@{self.at:%H:%M}"

    def next_boundary(self, after: datetime) -> datetime:
        """The first digest time strictly after `after` (UTC); daylight-saving safe."""
        local = after.astimezone(zone(self.tz))
        if self.every == "hourly":
            candidate = local.replace(minute=0, second=0, microsecond=0)
            # Step in UTC: a local hour can repeat or vanish at a DST change.
            result = candidate.astimezone(UTC)
            while result <= after:
                result += timedelta(hours=1)
            return result
        day = local.date()
        while True:
            candidate = datetime.combine(day, self.at, tzinfo=zone(self.tz)).astimezone(UTC)
            if candidate > after:
                return candidate
            day += timedelta(days=1)
