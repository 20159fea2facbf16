"""Alert routes: the filtered list and the live stream (Server-Sent Events)."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from stream.alerts.store import FAILED, PENDING, SENT
from wirewatch.api.errors import ApiError
from wirewatch.api.models import AlertList
from wirewatch.api.search import duration
from wirewatch.api.security import Read
from wirewatch.api.state import Api

router = APIRouter(prefix="/api/alerts", tags=["alerts"], dependencies=[Read])
Seq = Annotated[int | None, Query(ge=0, le=2**62)]


@router.get("", response_model=AlertList)
def list_alerts(
    api: Api,
    subscription: Annotated[str | None, Query(max_length=100)] = None,
    status: Literal["sent", "failed", "pending"] | None = None,
    since: Annotated[str | None, Query(max_length=20, description="Raised within, e.g. 24h")] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 50,
    after: Seq = None,
) -> dict[str, Any]:
    """Alerts, digests and summaries, newest first, with their delivery state."""
    chosen = {"sent": SENT, "failed": FAILED, "pending": PENDING}.get(status or "")
    window = time.time() - duration("since", since).total_seconds() if since else None
    records = api.alerts.find(
        subscription=subscription, status=chosen, since=window, after=after, limit=limit
    )
    return {"alerts": [r.to_dict() for r in records]}


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}},
)
async def stream_alerts(
    api: Api,
    after: Seq = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """New alerts as Server-Sent Events (`event: alert`, `id:` its seq, `data:` the alert JSON).

    Reconnecting with Last-Event-ID (or `?after=SEQ`) first replays what was missed. A comment
    line is sent every 15 s (WIREWATCH_API_KEEPALIVE) so proxies keep the connection open.
    """
    resume = after
    if last_event_id is not None and last_event_id.strip():
        if not last_event_id.strip().isdigit():
            raise ApiError(422, "Last-Event-ID must be an alert sequence number")
        resume = int(last_event_id)
    return StreamingResponse(
        api.hub.stream(resume),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
