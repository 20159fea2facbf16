"""The versioned article record every stage shares, and the ids that make replays harmless.

An article travels as JSON on Kafka (`wirewatch.articles.raw` then `.enriched`), keyed by its
id. The id is a hash of the canonical URL (or of the feed GUID when an item has no link), so the
same story polled twice, or replayed after a crash, is written over itself instead of duplicated.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

SCHEMA_VERSION = 1
MAX_TITLE_CHARS = 1_000
MAX_SUMMARY_CHARS = 20_000
MAX_CONTENT_CHARS = 200_000
ID_HEX_CHARS = 32

# Query parameters that only track the reader; dropping them merges copies of one URL.
_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ocid", "cmpid"}
)


class SchemaError(ValueError):
    """A record that does not satisfy the article schema; the message is the dead-letter reason."""


def canonical_url(url: str) -> str:
    """Normalise a URL so trivially different spellings of one link compare equal.

    Lowercases scheme and host, drops default ports, fragments and tracking parameters
    (utm_*, fbclid, ...), and sorts the remaining query parameters.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith("utm_") and key.lower() not in _TRACKING_PARAMS
    )
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_HEX_CHARS]


def article_id(url: str | None, feed_id: str, guid: str | None = None) -> str:
    """Stable article id: hash of the canonical URL, else of (feed, GUID) when there is no link."""
    if url:
        return _digest(canonical_url(url))
    if guid:
        return _digest(f"guid:{feed_id}:{guid}")
    raise SchemaError("an article needs a link or a GUID to get a stable id")


def feed_id(url: str) -> str:
    """Stable id of a feed, from its canonical URL."""
    return _digest(canonical_url(url))


def alert_id(subscription_id: str, story_id: str) -> str:
    """Deterministic alert id: one alert per (subscription, story), whatever the replay."""
    return _digest(f"alert:{subscription_id}:{story_id}")


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must carry a time zone (UTC ISO 8601)")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class Entity(BaseModel):
    """A named entity found in an article, normalised to one name and one type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=20)
    mentions: int = Field(1, ge=1)
    first_offset: int = Field(0, ge=0)


class Article(BaseModel):
    """One news item, from poll to index. Later stages fill language, entities and topics."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    schema_version: int = SCHEMA_VERSION
    id: str = Field(pattern=rf"^[0-9a-f]{{{ID_HEX_CHARS}}}$")
    url: str | None = Field(None, max_length=4_096)
    feed_id: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=200)
    title: str = Field("", max_length=MAX_TITLE_CHARS)
    summary: str = Field("", max_length=MAX_SUMMARY_CHARS)
    content: str = Field("", max_length=MAX_CONTENT_CHARS)
    published: UtcDatetime
    fetched: UtcDatetime
    language: str | None = Field(None, max_length=16)
    authors: list[str] = Field(default_factory=list, max_length=50)
    categories: list[str] = Field(default_factory=list, max_length=100)
    entities: list[Entity] = Field(default_factory=list, max_length=2_000)
    topics: list[str] = Field(default_factory=list, max_length=100)
    topic_evidence: dict[str, list[str]] = Field(default_factory=dict)
    cluster_id: str | None = Field(None, max_length=64)
    cluster_size: int | None = Field(None, ge=1)
    fulltext_status: str | None = Field(None, max_length=200)

    @field_validator("schema_version")
    @classmethod
    def _supported_version(cls, value: int) -> int:
        if not 1 <= value <= SCHEMA_VERSION:
            raise ValueError(f"unsupported schema_version {value} (this build reads 1..{SCHEMA_VERSION})")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in {"http", "https"}:
            raise ValueError("url must be http(s)")
        return value

    @model_validator(mode="after")
    def _has_text(self) -> Article:
        if not (self.title.strip() or self.summary.strip() or self.content.strip()):
            raise ValueError("article has no title, summary or content")
        return self

    @property
    def story_id(self) -> str:
        """The story this article belongs to: its cluster when known, else itself."""
        return self.cluster_id or self.id

    def to_json(self) -> bytes:
        """Serialise for Kafka and storage (UTC ISO 8601 timestamps)."""
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes | str) -> Article:
        """Parse and validate a record; any problem raises SchemaError with a one-line reason."""
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            raise SchemaError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming the first offending field, for dead-letter reasons and CLI errors."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "record"
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def utcnow() -> datetime:
    """Current time, timezone-aware UTC (the only clock the pipeline uses)."""
    return datetime.now(UTC)
