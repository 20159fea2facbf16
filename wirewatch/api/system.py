"""Operational routes: liveness, readiness, the status report and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from wirewatch.api.metrics import Exposition
from wirewatch.api.models import Ok, Ready
from wirewatch.api.security import Read
from wirewatch.api.state import Api
from wirewatch.errors import WirewatchError
from wirewatch.status import collect_status

router = APIRouter(tags=["system"])
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/healthz", response_model=Ok)
async def healthz() -> dict[str, bool]:
    """The process is alive and answering."""
    return {"ok": True}


@router.get("/readyz", response_model=Ready, responses={503: {"model": Ready}})
def readyz(api: Api) -> Any:
    """Ready when the search index and the alert store answer (503 otherwise)."""
    checks: dict[str, Any] = {}
    try:
        health = api.index.run(lambda index: index.health())
        checks["index"] = {"ok": health.ok, "detail": health.detail}
    except WirewatchError as exc:
        checks["index"] = {"ok": False, "detail": str(exc)}
    try:
        api.alerts.last_seq()
        checks["alerts"] = {"ok": True, "detail": str(api.settings.alerts_db)}
    except Exception as exc:
        checks["alerts"] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse({"ok": ok, "checks": checks}, status_code=200 if ok else 503)


@router.get("/api/status", dependencies=[Read])
def status(api: Api) -> dict[str, Any]:
    """The same facts as `wirewatch status --json`: broker, index, lag, alerts, feed health."""
    return collect_status(api.settings)


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    dependencies=[Read],
    responses={200: {"content": {PROMETHEUS: {"schema": {"type": "string"}}}}},
)
async def metrics(api: Api) -> PlainTextResponse:
    """Prometheus exposition: pipeline figures from the shared stores, and this API's requests."""
    pipeline = await run_in_threadpool(api.pipeline.text)
    own = Exposition()
    api.requests.write(own, len(api.hub.clients))
    return PlainTextResponse(pipeline + own.text(), media_type=PROMETHEUS)
