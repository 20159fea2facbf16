"""The Kibana saved objects: importable, every reference resolved, every field mapped with a usable type.

Kibana itself cannot run here, so these tests check what its import API and dashboards rely on.
"""

from __future__ import annotations

import importlib.util
import json
import re
from fnmatch import fnmatch
from itertools import combinations
from typing import Any

import pytest

from tests.deploy.kibana_objects import (
    NDJSON,
    ROOT,
    controls,
    field_uses,
    load,
    mapped_fields,
    panels,
    templates,
)

# The fields the dashboard uses and the type each needs (docs/deploy.md lists them too). When the
# index templates change, reconcile them here: the test below checks this list against them.
DASHBOARD_FIELDS = {
    "wirewatch-articles": {
        "published": "date",
        "source": "keyword",
        "language": "keyword",
        "topics": "keyword",
        "entity_keys": "keyword",
        "title": "text",
    },
    "wirewatch-alerts": {"created": "date", "subscription.name": "keyword"},
}
# Elasticsearch field types that satisfy each need.
COMPATIBLE = {
    "date": {"date", "date_nanos"},
    "keyword": {"keyword", "constant_keyword", "wildcard"},
    "text": {"text", "match_only_text", "keyword"},
}
# What each use of a field needs.
NEEDS = {
    "time": "date",
    "date_histogram": "date",
    "terms": "keyword",
    "control": "keyword",
    "sort": "date",
}
TYPES = {"index-pattern", "search", "dashboard"}
REQUIRED_PANELS = {
    "Articles over time by source",
    "Top topics",
    "Top places (GPE)",
    "Top people",
    "Top organisations",
    "Articles by language",
    "Latest matching articles",
    "Alerts over time by subscription",
}


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return load()


@pytest.fixture(scope="module")
def dashboard(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (board,) = [o for o in objects if o["type"] == "dashboard"]
    return board


def test_every_line_is_an_importable_saved_object(objects: list[dict[str, Any]]) -> None:
    assert objects, "empty NDJSON"
    for obj in objects:
        assert obj["type"] in TYPES, obj["type"]
        assert obj["id"] and obj["attributes"].get("title"), obj
        assert obj["coreMigrationVersion"] and obj["typeMigrationVersion"], obj["id"]
        assert isinstance(obj["references"], list)
    keys = [(o["type"], o["id"]) for o in objects]
    assert len(keys) == len(set(keys)), "duplicate objects"


def test_every_reference_resolves_to_an_object_in_the_file(
    objects: list[dict[str, Any]], dashboard: dict[str, Any]
) -> None:
    present = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in present, f"{obj['id']} -> {ref}"
    names = {r["name"] for r in dashboard["references"]}
    for panel in panels(dashboard):
        if "panelRefName" in panel:
            assert f"{panel['panelIndex']}:{panel['panelRefName']}" in names, panel["title"]
        for ref in panel["embeddableConfig"].get("attributes", {}).get("references", []):
            assert (ref["type"], ref["id"]) in present, ref
            assert f"{panel['panelIndex']}:{ref['name']}" in names, (panel["title"], ref)
    for ident in controls(dashboard):
        assert f"controlGroup_{ident}:optionsListDataView" in names, ident
    for obj in objects:
        if obj["type"] == "search":
            source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
            assert source["indexRefName"] in {r["name"] for r in obj["references"]}


def test_dashboard_has_the_panels_and_controls_asked_for(dashboard: dict[str, Any]) -> None:
    assert dashboard["attributes"]["title"] == "News monitor"
    board = panels(dashboard)
    assert {p["title"] for p in board} >= REQUIRED_PANELS
    assert {p["type"] for p in board} == {"lens", "search"}, "Lens by value, plus the saved search"
    fields = {c["explicitInput"]["fieldName"] for c in controls(dashboard).values()}
    assert fields == {"source", "topics", "entity_keys"}


def test_panels_fit_the_grid_without_overlapping(dashboard: dict[str, Any]) -> None:
    grids = [p["gridData"] for p in panels(dashboard)]
    assert len({g["i"] for g in grids}) == len(grids)
    for g in grids:
        assert g["x"] >= 0 and g["x"] + g["w"] <= 48 and g["h"] > 0, g
    for a, b in combinations(grids, 2):
        apart = a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
        apart = apart or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"]
        assert apart, (a, b)


def test_lens_layers_are_consistent(dashboard: dict[str, Any]) -> None:
    for panel in panels(dashboard):
        if panel["type"] != "lens":
            continue
        state = panel["embeddableConfig"]["attributes"]["state"]
        layers = state["datasourceStates"]["formBased"]["layers"]
        for layer in layers.values():
            assert layer["columnOrder"] == list(layer["columns"]), panel["title"]
            for column in layer["columns"].values():
                order = column.get("params", {}).get("orderBy", {})
                assert order.get("type") != "column" or order["columnId"] in layer["columns"]
        vis = state["visualization"]
        for vis_layer in vis.get("layers", [vis]):
            assert vis_layer["layerId"] in layers, panel["title"]
            columns = layers[vis_layer["layerId"]]["columns"]
            accessors = [
                *vis_layer.get("accessors", []),
                *vis_layer.get("metrics", []),
                *vis_layer.get("primaryGroups", []),
                *[vis_layer[k] for k in ("xAccessor", "splitAccessor", "metricAccessor") if k in vis_layer],
            ]
            assert accessors and all(a in columns for a in accessors), panel["title"]


def test_fields_used_are_the_documented_ones_with_usable_types(objects: list[dict[str, Any]]) -> None:
    for use in field_uses(objects):
        documented = DASHBOARD_FIELDS[use.view]
        assert use.field in documented, f"{use.where} uses {use.field}: document it in DASHBOARD_FIELDS"
        need = NEEDS.get(use.how)
        assert need is None or documented[use.field] == need, use
    used = {(u.view, u.field) for u in field_uses(objects)}
    documented = {(view, field) for view, fields in DASHBOARD_FIELDS.items() for field in fields}
    assert used == documented, "DASHBOARD_FIELDS lists a field nothing uses"


@pytest.mark.parametrize("view", sorted(DASHBOARD_FIELDS))
def test_documented_fields_exist_in_the_index_template(objects: list[dict[str, Any]], view: str) -> None:
    (pattern,) = [o["attributes"]["title"] for o in objects if o["id"] == view]
    probes = (pattern.replace("*", ""), pattern.replace("*", "-2026.11"))
    matching = [
        (p, t) for p, t in templates() if any(fnmatch(i, x) for i in probes for x in t["index_patterns"])
    ]
    if not matching:
        pytest.skip(
            f"no index template for {pattern} in this repository yet: checked against DASHBOARD_FIELDS only"
        )
    for path, template in matching:
        mapped = mapped_fields(template)
        for field, need in DASHBOARD_FIELDS[view].items():
            where = path.relative_to(ROOT)
            assert field in mapped, f"{field} is not mapped in {where}"
            assert mapped[field] in COMPATIBLE[need], f"{field} is {mapped[field]} in {where}, needs {need}"


def test_committed_ndjson_is_what_the_generator_builds() -> None:
    spec = importlib.util.spec_from_file_location("generate", NDJSON.with_name("generate.py"))
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    assert NDJSON.read_text() == generate.ndjson(), "run: python deploy/kibana/generate.py"


def test_docs_list_the_fields_the_dashboard_uses() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text()
    table = docs[docs.index("The fields it uses") : docs.index("There is **no map**")]
    rows = re.findall(r"^\| (`[^`]+\*`)? ?\| `([^`]+)` \| ([^|]+) \|", table, re.M)
    documented = {field: kind for _, field, kind in rows}
    for fields in DASHBOARD_FIELDS.values():
        for field, need in fields.items():
            assert field in documented, f"docs/deploy.md does not list {field}"
            assert f"`{need}`" in documented[field], f"docs/deploy.md gives {field} another type"
