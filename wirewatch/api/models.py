"""Request and response bodies of the API: the OpenAPI schema clients and schemathesis read."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Text = Field(max_length=200)


class ErrorBody(BaseModel):
    """Every non-2xx answer."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="Short machine-readable code, e.g. invalid_query, not_found")
    detail: str = Field(description="One readable sentence")


class Ok(BaseModel):
    ok: bool


class Ready(BaseModel):
    ok: bool
    checks: dict[str, Any]


class EntityRef(BaseModel):
    name: str
    type: str


class SearchHit(BaseModel):
    id: str
    title: str
    url: str | None
    source: str
    feed_id: str
    published: datetime
    fetched: datetime
    language: str | None
    score: float
    highlight: str = Field(description="HTML: text escaped, query matches in <mark>")
    title_highlight: str = Field(description="The title as HTML, matches in <mark>")
    entities: list[EntityRef]
    topics: list[str]
    cluster_id: str | None
    cluster_size: int | None


class FacetValue(BaseModel):
    value: str
    count: int


class SearchResponse(BaseModel):
    query: str
    total: int
    total_exact: bool  # false: at least `total` (counting stops at 10,000)
    page: int
    size: int
    took_ms: float
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]]


class Bucket(BaseModel):
    start: datetime
    count: int


class HistogramResponse(BaseModel):
    interval: str
    buckets: list[Bucket]


class FiltersBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(default_factory=list, max_length=50)
    entities: list[str] = Field(default_factory=list, max_length=50)
    topics: list[str] = Field(default_factory=list, max_length=50)
    languages: list[str] = Field(default_factory=list, max_length=50)


Targets = Field(max_length=20, description="'console', an http(s) webhook URL or an apprise URL")


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    query: str = Field(min_length=1, max_length=4_000)
    targets: list[str] = Field(min_length=1, max_length=20, description=Targets.description)
    filters: FiltersBody | None = None
    digest: str | None = Field(None, max_length=40, description="hourly or daily@HH:MM; null: realtime")
    tz: str | None = Field(None, max_length=64, description="IANA time zone of the digest schedule")
    dedup: bool = True
    muted: bool = False


class SubscriptionPatch(BaseModel):
    """Any of the creation fields; `name` renames. Fields left out are unchanged."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100)
    query: str | None = Field(None, min_length=1, max_length=4_000)
    targets: list[str] | None = Field(None, min_length=1, max_length=20)
    filters: FiltersBody | None = None
    digest: str | None = Field(None, max_length=40)
    tz: str | None = Field(None, max_length=64)
    dedup: bool | None = None
    muted: bool | None = None


class SubscriptionOut(BaseModel):
    id: str
    name: str
    query: str
    targets: list[str] = Field(description="Targets with passwords redacted")
    filters: dict[str, list[str]]
    mode: Literal["realtime", "digest"]
    schedule: str | None
    tz: str
    dedup: bool
    muted: bool
    created: datetime
    updated: datetime


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionOut]


class TargetResult(BaseModel):
    target: str
    ok: bool
    error: str | None


class TestResults(BaseModel):
    results: list[TargetResult]


class FeedHealth(BaseModel):
    id: str
    url: str
    name: str
    active: bool
    inactive_reason: str | None
    tags: list[str]
    status: str | None
    last_success: float | None = Field(description="Unix time")
    last_error: str | None
    consecutive_failures: int
    items_total: int
    items_per_day: float
    next_poll: float | None = Field(description="Unix time")
    websub: str | None


class FeedList(BaseModel):
    feeds: list[FeedHealth]


class FeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=4_096)
    name: str | None = Field(None, max_length=200)
    tags: list[str] = Field(default_factory=list, max_length=50)


class ImportResult(BaseModel):
    added: int
    skipped: int
    errors: list[str]


class AlertOut(BaseModel):
    id: str
    seq: int
    kind: str
    subscription: str
    created: datetime
    status: str
    deliveries: dict[str, dict[str, Any]]
    payload: dict[str, Any]


class AlertList(BaseModel):
    alerts: list[AlertOut]
