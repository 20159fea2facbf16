"""The failure classes every stage uses (see DESIGN.md: classify each failure once).

Temporary: a service is down, busy or slow (broker, index, database lock, network): retry with
backoff and keep the offsets. Permanent: the record itself is bad or a bug hits it: dead-letter
it with the reason and move on. Duplicates are not failures at all: ids make them no-ops.
"""

from __future__ import annotations

from wirewatch.errors import UnreachableError
from wirewatch.sqlite import sqlite3


class TemporaryError(Exception):
    """A dependency is unavailable right now; the same work may succeed later."""


def is_temporary(exc: BaseException) -> bool:
    """Whether retrying the same work later may succeed."""
    if isinstance(exc, TemporaryError | UnreachableError | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc).lower()
        return "locked" in message or "busy" in message or "disk i/o" in message
    return isinstance(exc, OSError)
