"""Where articles live in Elasticsearch and what each document holds.

One index per published month, `PREFIX-articles-YYYY.MM`, all behind the alias `PREFIX-articles`
and created on first write from the index template `PREFIX-articles` (template.json, shared with
the deployment). Retention drops whole months; the alias is what searches and Kibana read.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from search.document import digest, keyword_values, token_fields
from wirewatch.schema import Article

TEMPLATE_FILE = Path(__file__).with_name("template.json")
DEFAULT_PREFIX = "wirewatch"
# Fields a document holds besides the article's own: derived for search, stripped on reading.
DERIVED_FIELDS = ("tokens", "keys", "labels", "entity_keys", "digest")


@cache
def _template_file() -> dict[str, Any]:
    return json.loads(TEMPLATE_FILE.read_text())


@dataclass(frozen=True)
class IndexLayout:
    """Names of the template, alias and monthly indices for one index prefix."""

    prefix: str = DEFAULT_PREFIX

    @property
    def alias(self) -> str:
        return f"{self.prefix}-articles"

    @property
    def template_name(self) -> str:
        return self.alias

    def monthly(self, published: datetime) -> str:
        """The index of articles published in that month (UTC)."""
        return f"{self.alias}-{published.astimezone(UTC):%Y.%m}"

    def month_of(self, index: str) -> datetime | None:
        """First instant of the month an index holds (a rebuilt `...-2026.10-r2` included), or
        None for an index not named by us."""
        if not index.startswith(f"{self.alias}-"):
            return None
        month = index.removeprefix(f"{self.alias}-").split("-", 1)[0]
        try:
            return datetime.strptime(month, "%Y.%m").replace(tzinfo=UTC)
        except ValueError:
            return None

    def template(self) -> dict[str, Any]:
        """The index template body (template.json) with this prefix's pattern and alias."""
        body = copy.deepcopy(_template_file())
        default = IndexLayout()
        body["index_patterns"] = [f"{self.alias}-*"]
        body["template"]["aliases"] = {self.alias: body["template"]["aliases"][default.alias]}
        return body


def document(article: Article) -> dict[str, Any]:
    """The Elasticsearch document: the article's own fields plus the derived search fields."""
    own = article.model_dump_json()
    values = keyword_values(article)
    doc: dict[str, Any] = json.loads(own)
    doc["digest"] = digest(own)
    doc["tokens"] = token_fields(article)
    doc["keys"] = {field: sorted(pairs) for field, pairs in values.items()}
    doc["labels"] = {field: sorted(pairs.items()) for field, pairs in values.items()}
    doc["entity_keys"] = sorted({f"{e.type}:{e.name}" for e in article.entities})
    return doc


def article_from(source: dict[str, Any]) -> Article:
    """The article stored in a document's _source (derived fields ignored)."""
    return Article.model_validate({k: v for k, v in source.items() if k not in DERIVED_FIELDS})


def facet_display(field: str, key: str, source: dict[str, Any]) -> str:
    """How one document spells a facet key (its `labels`, from search.document.keyword_values)."""
    labels = source.get("labels", {}).get(field, [])
    return str(dict(labels).get(key, key))
