"""Search, articles, histogram, status, health and metrics against a running API."""

from __future__ import annotations

import pytest

from tests.api.conftest import ApiServer

pytestmark = pytest.mark.integration


def test_search_ranks_highlights_and_counts_facets(api: ApiServer) -> None:
    with api.client() as http:
        body = http.get("/api/search", params={"q": 'Patriot OR "air defense"', "size": 10}).json()
    assert body["query"] == 'Patriot OR "air defense"' and body["page"] == 1 and body["size"] == 10
    titles = {h["title"] for h in body["hits"]}
    assert (
        "Germany pledges a third Patriot battery" in titles
        and "Kyiv asks allies for more air defense" in titles
    )
    assert "Oil prices steady as OPEC meets" not in titles
    first = next(h for h in body["hits"] if h["title"].startswith("Germany"))
    assert "<mark>Patriot</mark>" in first["highlight"] and "<mark>Patriot</mark>" in first["title_highlight"]
    assert first["cluster_id"] == "story-air" and first["cluster_size"] == 2
    assert first["entities"] == [{"name": "Ukraine", "type": "GPE"}] and first["topics"] == [
        "conflict/air-defense"
    ]
    assert body["total"] == len(body["hits"]) and body["total_exact"] is True and body["took_ms"] >= 0
    sources = {f["value"]: f["count"] for f in body["facets"]["source"]}
    assert sources["Wire"] == 2
    assert set(body["facets"]) == {"source", "entity", "topic", "lang"}


def test_search_filters_sort_pages_and_empty_query(api: ApiServer) -> None:
    with api.client() as http:
        everything = http.get("/api/search", params={"sort": "newest", "facets": "false"}).json()
        assert everything["total"] == 5 and everything["facets"] == {}
        published = [h["published"] for h in everything["hits"]]
        assert published == sorted(published, reverse=True)
        wire = http.get("/api/search", params=[("source", "Wire"), ("source", "Markets")]).json()
        assert wire["total"] == 4
        recent = http.get("/api/search", params={"since": "150m"}).json()
        assert recent["total"] == 2
        page = http.get("/api/search", params={"size": 2, "page": 3, "sort": "newest"}).json()
        assert (
            len(page["hits"]) == 1 and page["hits"][0]["title"] == "Floods displace thousands in Bangladesh"
        )
        entity = http.get("/api/search", params={"entity": "ukraine"}).json()
        assert entity["total"] == 2


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"q": 'patriot "air'}, "unbalanced quote"),
        ({"page": 1001}, "page"),
        ({"size": 0}, "size"),
        ({"sort": "oldest"}, "sort"),
        ({"since": "yesterday"}, "since: 'yesterday' is not a duration"),
        ({"since": "9999999w"}, "since: must be between"),
        ({"q": "x" * 4001}, "q"),
    ],
)
def test_bad_search_parameters_are_422_with_a_reason(api: ApiServer, params: dict, fragment: str) -> None:
    with api.client() as http:
        response = http.get("/api/search", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] in {"invalid_query", "invalid_request"} and fragment in body["detail"]


def test_query_check_gives_the_position_of_the_problem(api: ApiServer) -> None:
    with api.client() as http:
        assert http.get("/api/query/check", params={"q": "patriot AND missile"}).json() == {"ok": True}
        bad = http.get("/api/query/check", params={"q": 'patriot "air'})
    assert bad.status_code == 422
    assert bad.json()["error"] == "invalid_query" and bad.json()["position"] == 8


def test_article_by_id_and_unknown_id(api: ApiServer) -> None:
    with api.client() as http:
        hit = http.get("/api/search", params={"q": "OPEC"}).json()["hits"][0]
        article = http.get(f"/api/articles/{hit['id']}").json()
        missing = http.get("/api/articles/0123456789abcdef0123456789abcdef")
    assert article["title"] == "Oil prices steady as OPEC meets" and article["source"] == "Markets"
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_histogram_buckets_oldest_first_and_bounds(api: ApiServer) -> None:
    with api.client() as http:
        body = http.get("/api/histogram", params={"interval": "1h", "since": "1d"}).json()
        assert body["interval"] == "1h" and sum(b["count"] for b in body["buckets"]) == 5
        starts = [b["start"] for b in body["buckets"]]
        assert starts == sorted(starts)
        filtered = http.get("/api/histogram", params={"q": "patriot", "interval": "1d"}).json()
        assert sum(b["count"] for b in filtered["buckets"]) == 2
        too_fine = http.get("/api/histogram", params={"interval": "1m", "since": "30d"})
        too_small = http.get("/api/histogram", params={"interval": "10s"})
    assert too_fine.status_code == 422 and "buckets" in too_fine.json()["detail"]
    assert too_small.status_code == 422 and "at least 1m" in too_small.json()["detail"]


def test_health_readiness_status_and_unknown_paths(api: ApiServer) -> None:
    with api.client() as http:
        assert http.get("/healthz").json() == {"ok": True}
        ready = http.get("/readyz").json()
        assert ready["ok"] and ready["checks"]["index"]["ok"] and ready["checks"]["alerts"]["ok"]
        status = http.get("/api/status").json()
        assert status["index"] == {"ok": True, "detail": status["index"]["detail"], "articles": 5}
        assert status["broker"]["ok"] is False and isinstance(status["feeds"], list)
        unknown = http.get("/api/nothing-here")
        wrong_method = http.put("/api/search")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    assert wrong_method.status_code == 405 and wrong_method.json()["error"] == "method_not_allowed"


def test_console_is_served_with_strict_headers(api: ApiServer) -> None:
    with api.client() as http:
        page = http.get("/")
        schema = http.get("/openapi.json").json()
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["cache-control"] == "no-cache"
    assert "access-control-allow-origin" not in page.headers  # CORS is off by default
    assert "/api/search" in schema["paths"] and "/api/alerts/stream" in schema["paths"]


def test_metrics_in_prometheus_format(api: ApiServer) -> None:
    with api.client() as http:
        http.get("/api/search", params={"q": "patriot"})
        response = http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "wirewatch_articles_indexed 5" in text
    assert 'wirewatch_alert_deliveries{status="sent"}' in text
    assert 'wirewatch_api_requests_total{method="GET",route="/api/search",status="200"}' in text
    assert 'wirewatch_api_request_duration_seconds_bucket{route="/api/search",le="+Inf"}' in text
    assert 'wirewatch_stage_latency_seconds{stage="published_to_fetched",quantile="0.5"} 120' in text
    for line in text.splitlines():
        assert line.startswith("#") or line.startswith("wirewatch_"), line
