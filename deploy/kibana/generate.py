"""Build deploy/kibana/wirewatch.ndjson: data views, the saved search and the "News monitor" dashboard.

Run `python deploy/kibana/generate.py` after changing this file; a test checks that the committed
NDJSON is exactly what it prints. The objects use the Kibana 8.8 saved-object format that Kibana's
own sample data still ships (dashboards with by-value Lens panels, a control group, one saved
search by reference); Kibana 9 migrates them on import.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

ARTICLES = "wirewatch-articles"  # data view ids; their titles are the index patterns
ALERTS = "wirewatch-alerts"
LATEST = "wirewatch-latest-articles"
DASHBOARD = "wirewatch-news-monitor"
OUTPUT = Path(__file__).with_name("wirewatch.ndjson")
CORE_VERSION = "8.8.0"
PANEL_VERSION = "8.8.0"
COUNT = "count"  # column id of the record count in every Lens layer
# Top entities of one type each: (type, panel title, position x, y on the 48-column grid).
ENTITY_PANELS = (
    ("GPE", "Top places (GPE)", 16, 13),
    ("PERSON", "Top people", 32, 13),
    ("ORG", "Top organisations", 0, 27),
    ("WEAPON", "Top weapon systems", 16, 27),
)

Json = dict[str, Any]


def saved_object(kind: str, ident: str, migration: str, attributes: Json, references: list[Json]) -> Json:
    """One importable saved object."""
    return {
        "attributes": attributes,
        "coreMigrationVersion": CORE_VERSION,
        "id": ident,
        "managed": False,
        "references": references,
        "type": kind,
        "typeMigrationVersion": migration,
    }


def data_view(ident: str, pattern: str, name: str, time_field: str) -> Json:
    """A data view (saved-object type index-pattern) over an index pattern with a time field."""
    attributes = {"name": name, "timeFieldName": time_field, "title": pattern}
    return saved_object("index-pattern", ident, "8.0.0", attributes, [])


def latest_articles() -> Json:
    """Saved search of the newest articles matching the dashboard's query, filters and time range."""
    source = {
        "highlightAll": True,
        "version": True,
        "query": {"language": "kuery", "query": ""},
        "filter": [],
        "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index",
    }
    attributes = {
        "columns": ["title", "source", "published"],
        "description": "Newest articles first; follows the dashboard's query, filters and time range.",
        "hits": 0,
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(source)},
        "sort": [["published", "desc"]],
        "title": "Latest matching articles",
        "version": 1,
    }
    index = {"id": ARTICLES, "name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern"}
    return saved_object("search", LATEST, "7.9.3", attributes, [index])


def count_column(label: str) -> Json:
    return {
        "customLabel": True,
        "dataType": "number",
        "isBucketed": False,
        "label": label,
        "operationType": "count",
        "params": {"emptyAsNull": True},
        "scale": "ratio",
        "sourceField": "___records___",
    }


def date_column(field: str) -> Json:
    return {
        "dataType": "date",
        "isBucketed": True,
        "label": field,
        "operationType": "date_histogram",
        "params": {"dropPartials": False, "includeEmptyRows": True, "interval": "auto"},
        "scale": "interval",
        "sourceField": field,
    }


def terms_column(field: str, size: int, label: str, include: str | None = None) -> Json:
    """Top values of a keyword field by count; `include` is a regular expression on the values."""
    return {
        "customLabel": True,
        "dataType": "string",
        "isBucketed": True,
        "label": label,
        "operationType": "terms",
        "params": {
            "exclude": [],
            "excludeIsRegex": False,
            "include": [include] if include else [],
            "includeIsRegex": include is not None,
            "missingBucket": False,
            "orderBy": {"columnId": COUNT, "type": "column"},
            "orderDirection": "desc",
            "otherBucket": False,
            "parentFormat": {"id": "terms"},
            "size": size,
        },
        "scale": "ordinal",
        "sourceField": field,
    }


def xy(layer: str, series: str, x: str, split: str | None = None, legend: bool = True) -> Json:
    """An XY chart: one data layer of counts over `x`, optionally split into series."""
    data_layer: Json = {
        "accessors": [COUNT],
        "layerId": layer,
        "layerType": "data",
        "position": "top",
        "seriesType": series,
        "showGridlines": False,
        "xAccessor": x,
    }
    if split:
        data_layer["splitAccessor"] = split
    shown = {"x": True, "yLeft": True, "yRight": True}
    return {
        "axisTitlesVisibilitySettings": {"x": False, "yLeft": False, "yRight": True},
        "fittingFunction": "None",
        "gridlinesVisibilitySettings": shown,
        "layers": [data_layer],
        "legend": {"isVisible": legend, "position": "right"},
        "preferredSeriesType": series,
        "tickLabelsVisibilitySettings": shown,
        "valueLabels": "hide",
    }


class Dashboard:
    """Collects panels and the references Kibana needs to resolve them."""

    def __init__(self) -> None:
        self.panels: list[Json] = []
        self.references: list[Json] = []

    def _panel(self, kind: str, grid: tuple[int, int, int, int], title: str, config: Json) -> Json:
        index = f"panel-{len(self.panels) + 1}"
        x, y, w, h = grid
        panel = {
            "embeddableConfig": config | {"enhancements": {}},
            "gridData": {"h": h, "i": index, "w": w, "x": x, "y": y},
            "panelIndex": index,
            "title": title,
            "type": kind,
            "version": PANEL_VERSION,
        }
        self.panels.append(panel)
        return panel

    def lens(
        self,
        grid: tuple[int, int, int, int],
        title: str,
        view: str,
        kind: str,
        columns: dict[str, Json],
        visualization: Callable[[str], Json],
    ) -> None:
        """A Lens visualisation stored in the dashboard itself (by value): one layer on `view`,
        drawn by `visualization(layer id)`."""
        panel = self._panel("lens", grid, title, {})
        layer = panel["panelIndex"]
        ref_name = f"indexpattern-datasource-layer-{layer}"
        attributes = {
            "references": [{"id": view, "name": ref_name, "type": "index-pattern"}],
            "state": {
                "adHocDataViews": {},
                "datasourceStates": {
                    "formBased": {
                        "layers": {
                            layer: {"columnOrder": list(columns), "columns": columns, "incompleteColumns": {}}
                        }
                    }
                },
                "filters": [],
                "internalReferences": [],
                "query": {"language": "kuery", "query": ""},
                "visualization": visualization(layer),
            },
            "title": title,
            "type": "lens",
            "visualizationType": kind,
        }
        panel["embeddableConfig"]["attributes"] = attributes
        self.references.append({"id": view, "name": f"{layer}:{ref_name}", "type": "index-pattern"})

    def search(self, grid: tuple[int, int, int, int], title: str, search_id: str) -> None:
        """A saved search shown by reference."""
        panel = self._panel("search", grid, title, {})
        panel["panelRefName"] = f"panel_{panel['panelIndex']}"
        self.references.append(
            {"id": search_id, "name": f"{panel['panelIndex']}:panel_{panel['panelIndex']}", "type": "search"}
        )

    def controls(self, fields: list[tuple[str, str]]) -> Json:
        """The control bar: one options list per (field, title) on the articles data view."""
        panels: Json = {}
        for order, (field, title) in enumerate(fields):
            ident = f"control-{field}"
            explicit = {
                "enhancements": {},
                "fieldName": field,
                "id": ident,
                "selectedOptions": [],
                "title": title,
            }
            panels[ident] = {
                "explicitInput": explicit,
                "grow": True,
                "order": order,
                "type": "optionsListControl",
                "width": "medium",
            }
            self.references.append(
                {"id": ARTICLES, "name": f"controlGroup_{ident}:optionsListDataView", "type": "index-pattern"}
            )
        ignore = {
            "ignoreFilters": False,
            "ignoreQuery": False,
            "ignoreTimerange": False,
            "ignoreValidations": False,
        }
        return {
            "chainingSystem": "HIERARCHICAL",
            "controlStyle": "oneLine",
            "ignoreParentSettingsJSON": json.dumps(ignore),
            "panelsJSON": json.dumps(panels),
        }


def news_monitor() -> Json:
    """The "News monitor" dashboard."""
    board = Dashboard()
    board.lens(
        (0, 0, 32, 13),
        "Articles over time by source",
        ARTICLES,
        "lnsXY",
        {
            "when": date_column("published"),
            "source": terms_column("source", 10, "Source"),
            COUNT: count_column("Articles"),
        },
        lambda layer: xy(layer, "bar_stacked", "when", split="source"),
    )
    board.lens(
        (32, 0, 16, 13),
        "Articles by language",
        ARTICLES,
        "lnsPie",
        {"language": terms_column("language", 10, "Language"), COUNT: count_column("Articles")},
        lambda layer: {
            "layers": [
                {
                    "categoryDisplay": "default",
                    "layerId": layer,
                    "layerType": "data",
                    "legendDisplay": "default",
                    "metrics": [COUNT],
                    "nestedLegend": False,
                    "numberDisplay": "percent",
                    "primaryGroups": ["language"],
                }
            ],
            "shape": "donut",
        },
    )
    board.lens(
        (0, 13, 16, 14),
        "Top topics",
        ARTICLES,
        "lnsXY",
        {"topic": terms_column("topics", 15, "Topic"), COUNT: count_column("Articles")},
        lambda layer: xy(layer, "bar_horizontal", "topic", legend=False),
    )
    for kind, title, x, y in ENTITY_PANELS:
        board.lens(
            (x, y, 16, 14),
            title,
            ARTICLES,
            "lnsXY",
            {
                "entity": terms_column("entity_keys", 10, kind, include=f"{kind}:.*"),
                COUNT: count_column("Articles"),
            },
            lambda layer: xy(layer, "bar_horizontal", "entity", legend=False),
        )
    board.lens(
        (32, 27, 16, 14),
        "Alerts over time by subscription",
        ALERTS,
        "lnsXY",
        {
            "when": date_column("created"),
            "subscription": terms_column("subscription.name", 10, "Subscription"),
            COUNT: count_column("Alerts"),
        },
        lambda layer: xy(layer, "bar_stacked", "when", split="subscription"),
    )
    board.search((0, 41, 48, 18), "Latest matching articles", LATEST)
    controls = board.controls([("source", "Source"), ("topics", "Topic"), ("entity_keys", "Entity")])
    options = {"hidePanelTitles": False, "syncColors": True, "syncCursor": True, "syncTooltips": False}
    attributes = {
        "controlGroupInput": controls,
        "description": "Articles by source, language, topic and entity, and the alerts they raised.",
        "kibanaSavedObjectMeta": {
            "searchSourceJSON": json.dumps({"filter": [], "query": {"language": "kuery", "query": ""}})
        },
        "optionsJSON": json.dumps(options | {"useMargins": True}),
        "panelsJSON": json.dumps(board.panels),
        "refreshInterval": {"pause": False, "value": 60_000},
        "timeFrom": "now-24h",
        "timeRestore": True,
        "timeTo": "now",
        "title": "News monitor",
        "version": 1,
    }
    return saved_object("dashboard", DASHBOARD, "8.7.0", attributes, board.references)


def saved_objects() -> list[Json]:
    """Every object of the NDJSON, referenced objects first."""
    return [
        data_view(ARTICLES, "wirewatch-articles*", "wirewatch articles", "published"),
        data_view(ALERTS, "wirewatch-alerts*", "wirewatch alerts", "created"),
        latest_articles(),
        news_monitor(),
    ]


def ndjson() -> str:
    """The objects as NDJSON, one object per line, keys sorted so the file diffs well."""
    return "".join(json.dumps(obj, sort_keys=True) + "\n" for obj in saved_objects())


if __name__ == "__main__":
    OUTPUT.write_text(ndjson())
