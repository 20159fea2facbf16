"""Reading deploy/kibana/wirewatch.ndjson the way Kibana does: objects, references, fields used."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NDJSON = ROOT / "deploy" / "kibana" / "wirewatch.ndjson"


def load(path: Path = NDJSON) -> list[dict[str, Any]]:
    """Every line of an NDJSON file, parsed (a bad line fails with its number)."""
    objects = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        try:
            objects.append(json.loads(line))
        except ValueError as exc:
            raise AssertionError(f"{path.name} line {number} is not JSON: {exc}") from None
    return objects


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return json.loads(dashboard["attributes"]["panelsJSON"])


def controls(dashboard: dict[str, Any]) -> dict[str, Any]:
    return json.loads(dashboard["attributes"]["controlGroupInput"]["panelsJSON"])


@dataclass(frozen=True)
class FieldUse:
    """A field some object uses on a data view, and how (which decides the types it may have)."""

    view: str  # data view id
    field: str
    how: str  # time | date_histogram | terms | control | column | sort
    where: str


def field_uses(objects: list[dict[str, Any]]) -> list[FieldUse]:
    """Every field the data views, saved searches, Lens panels and controls use."""
    uses: list[FieldUse] = []
    for obj in objects:
        attrs, where = obj["attributes"], f"{obj['type']} {obj['id']}"
        if obj["type"] == "index-pattern":
            uses.append(FieldUse(obj["id"], attrs["timeFieldName"], "time", where))
        elif obj["type"] == "search":
            view = next(r["id"] for r in obj["references"] if r["type"] == "index-pattern")
            uses += [FieldUse(view, column, "column", where) for column in attrs["columns"]]
            uses += [FieldUse(view, field, "sort", where) for field, _ in attrs["sort"]]
        elif obj["type"] == "dashboard":
            uses += _dashboard_uses(obj)
    return uses


def _dashboard_uses(dashboard: dict[str, Any]) -> list[FieldUse]:
    uses = []
    refs = {r["name"]: r["id"] for r in dashboard["references"]}
    for ident, control in controls(dashboard).items():
        view = refs[f"controlGroup_{ident}:optionsListDataView"]
        uses.append(FieldUse(view, control["explicitInput"]["fieldName"], "control", f"control {ident}"))
    for panel in panels(dashboard):
        if panel["type"] != "lens":
            continue
        attrs = panel["embeddableConfig"]["attributes"]
        views = {r["name"]: r["id"] for r in attrs["references"]}
        for layer_id, layer in attrs["state"]["datasourceStates"]["formBased"]["layers"].items():
            view = views[f"indexpattern-datasource-layer-{layer_id}"]
            for column in layer["columns"].values():
                if column["sourceField"] != "___records___":
                    uses.append(
                        FieldUse(view, column["sourceField"], column["operationType"], attrs["title"])
                    )
    return uses


def mapped_fields(template: dict[str, Any]) -> dict[str, str]:
    """{dotted field path: Elasticsearch type} of an index template, multi-fields included."""
    out: dict[str, str] = {}

    def walk(properties: dict[str, Any], prefix: str) -> None:
        for name, spec in properties.items():
            path = f"{prefix}{name}"
            if "properties" in spec:
                walk(spec["properties"], f"{path}.")
            else:
                out[path] = spec.get("type", "object")
            for sub, sub_spec in spec.get("fields", {}).items():
                out[f"{path}.{sub}"] = sub_spec["type"]

    walk(template["template"]["mappings"].get("properties", {}), "")
    return out


def templates() -> list[tuple[Path, dict[str, Any]]]:
    """The index templates this repository ships (JSON files with index_patterns and a template)."""
    found = []
    for top in ("search", "stream", "wirewatch", "deploy"):
        for path in sorted((ROOT / top).rglob("*.json")):
            body = json.loads(path.read_text())
            if isinstance(body, dict) and "index_patterns" in body and "template" in body:
                found.append((path, body))
    return found
