"""Settings: defaults for the embedded mode, env and TOML sources, one-line errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wirewatch.errors import ConfigError
from wirewatch.settings import load_settings


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("WIREWATCH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_run_embedded() -> None:
    settings = load_settings()
    assert settings.embedded_broker
    assert settings.bootstrap == "127.0.0.1:19092"
    assert settings.elasticsearch_url is None
    assert settings.data_dir == Path("data")
    assert settings.feeds == Path("feeds.yaml")
    assert settings.index_db == Path("data/search.db")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_KAFKA_BOOTSTRAP", "kafka1:9092,kafka2:9092")
    monkeypatch.setenv("WIREWATCH_ELASTICSEARCH_URL", "https://es.example:9200")
    monkeypatch.setenv("WIREWATCH_POLL_INTERVAL", "60")
    settings = load_settings()
    assert not settings.embedded_broker
    assert settings.bootstrap == "kafka1:9092,kafka2:9092"
    assert settings.poll_interval == 60


def test_blank_url_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_ELASTICSEARCH_URL", "  ")
    assert load_settings().elasticsearch_url is None


def test_toml_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "wirewatch.toml").write_text('data_dir = "/srv/ww"\npoll_interval = 120\n')
    assert load_settings().data_dir == Path("/srv/ww")
    monkeypatch.setenv("WIREWATCH_POLL_INTERVAL", "30")
    assert load_settings().poll_interval == 30


def test_missing_explicit_config_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_CONFIG", "/nope/wirewatch.toml")
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WIREWATCH_POLL_INTERVAL", "often", "WIREWATCH_POLL_INTERVAL"),
        ("WIREWATCH_BROKER_PORT", "70000", "WIREWATCH_BROKER_PORT"),
        ("WIREWATCH_LOG_LEVEL", "LOUD", "WIREWATCH_LOG_LEVEL"),
    ],
)
def test_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message) as err:
        load_settings()
    assert "\n" not in str(err.value)


def test_secrets_are_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_ELASTICSEARCH_PASSWORD", "hunter2")
    shown = load_settings().describe()
    assert shown["elasticsearch_password"] == "***"
    assert "hunter2" not in repr(shown)
