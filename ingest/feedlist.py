"""The feed list file (YAML): which feeds to poll, under which name, tags and cadence."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from wirewatch.errors import ConfigError
from wirewatch.schema import describe_validation_error

MIN_INTERVAL = 10


class FeedSpec(BaseModel):
    """One feed as the user declares it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(min_length=1, max_length=4_096)
    name: str | None = Field(None, min_length=1, max_length=200)
    interval: int | None = Field(None, ge=MIN_INTERVAL, le=86_400)  # fixed: no adaptive schedule
    min_interval: int | None = Field(None, ge=MIN_INTERVAL, le=86_400)
    max_interval: int | None = Field(None, ge=MIN_INTERVAL, le=7 * 86_400)
    tags: tuple[str, ...] = ()
    fulltext: bool = False  # fetch each article's page and extract its full text

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return tuple(dict.fromkeys(str(t).strip()[:100] for t in value if str(t).strip()))
        return value

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        value = value.strip()
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _bounds(self) -> FeedSpec:
        if self.min_interval and self.max_interval and self.min_interval > self.max_interval:
            raise ValueError("min_interval is larger than max_interval")
        return self


def load_feed_list(path: Path) -> list[FeedSpec]:
    """Read and validate a feed list: a YAML list of feeds, or a mapping with a `feeds` list."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read feed list {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML") from None
    entries = data.get("feeds") if isinstance(data, dict) else data
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a list of feeds (or a 'feeds:' list)")
    specs: list[FeedSpec] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        if isinstance(entry, str):
            entry = {"url": entry}
        try:
            spec = FeedSpec.model_validate(entry)
        except ValidationError as exc:
            raise ConfigError(f"{path}: feed #{number}: {describe_validation_error(exc)}") from None
        if spec.url in seen:
            raise ConfigError(f"{path}: feed #{number}: {spec.url} is listed twice")
        seen.add(spec.url)
        specs.append(spec)
    return specs
