"""The one small set of labels every poll (or WebSub push) outcome maps to.

They are stored on the feed (`last_status`) and in its poll history, logged, and shown by
`wirewatch feeds list/show` and `wirewatch status`. docs/ingest.md lists what each means.
"""

from __future__ import annotations

from enum import StrEnum


class PollStatus(StrEnum):
    """Outcome of one poll."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    GONE = "gone"  # 410, or too many 404s in a row: the feed is paused
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    BLOCKED = "blocked"  # the SSRF guard refused the address or scheme
    TOO_LARGE = "too_large"
    REDIRECT_LOOP = "redirect_loop"
    BAD_ENCODING = "bad_encoding"  # corrupt or unsupported Content-Encoding
    NOT_A_FEED = "not_a_feed"
    PARSE_TIMEOUT = "parse_timeout"
    BAD_SIGNATURE = "bad_signature"  # a WebSub push whose HMAC does not match: ignored
    BROKER_ERROR = "broker_error"
    INTERNAL_ERROR = "internal_error"

    @property
    def succeeded(self) -> bool:
        """Whether the feed answered usefully (resets the failure count and backoff)."""
        return self in {PollStatus.OK, PollStatus.NOT_MODIFIED}
