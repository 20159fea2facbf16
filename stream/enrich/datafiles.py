"""Reading the enrichment data files (aliases, gazetteer, topics): shipped defaults plus user files.

Each kind of file is a YAML mapping validated by a pydantic model; a user file named in the
settings is read after the shipped one, so its entries add to or replace the shipped entries.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from wirewatch.errors import ConfigError
from wirewatch.schema import describe_validation_error

M = TypeVar("M", bound=BaseModel)


def shipped(name: str) -> Path:
    """Path of a data file shipped in stream/enrich/resources/."""
    return Path(str(resources.files("stream.enrich") / "resources" / name))


def load_file(path: Path, model: type[M]) -> M:
    """Parse and validate one data file; any problem is a ConfigError naming the file and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    try:
        return model.model_validate(data or {})
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc)}") from None


def load_layers(name: str, user: Path | None, model: type[M]) -> list[tuple[Path, M]]:
    """The shipped file `name` then the user's file (if any), each parsed; later layers win."""
    paths = [shipped(name), *([user] if user else [])]
    return [(path, load_file(path, model)) for path in paths]
