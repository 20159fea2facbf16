"""The FastAPI app: routes, the error layer, security headers, metrics, CORS and the console."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wirewatch import __version__, heartbeat
from wirewatch.api import alerts, errors, feeds, search, subscriptions, system
from wirewatch.api.models import ErrorBody
from wirewatch.api.state import ApiState
from wirewatch.settings import Settings

CONSOLE_DIR = Path(str(resources.files("wirewatch.api").joinpath("console")))
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CSP.encode()),
]
ERRORS = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        401: "No token, or an unknown or revoked one",
        403: "The token lacks the scope",
        404: "Not found",
        409: "Name or URL already taken",
        422: "Invalid input",
        429: "Rate limited (see Retry-After)",
        503: "The search index or a store is unavailable",
    }.items()
}


class Frame:
    """ASGI middleware: security and cache headers on every answer, and request metrics."""

    def __init__(self, app: ASGIApp, api: ApiState) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        status = 500

        async def framed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                if not path.startswith(("/api/", "/metrics", "/healthz", "/readyz", "/openapi.json")):
                    headers.append((b"cache-control", b"no-cache"))  # console files: revalidate (ETag)
                message["headers"] = headers
                self._observe(scope, status, started)
            await send(message)

        await self.app(scope, receive, framed)

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or ("/" if status < 400 else "unmatched")
        self.api.requests.observe(scope["method"], template, status, time.perf_counter() - started)


def create_app(settings: Settings) -> FastAPI:
    """The API and console for these settings (stores open now, the live hub at start-up)."""
    api = ApiState(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await api.hub.start()
        beating = (  # container health checks (`wirewatch healthcheck`) read the file's age
            asyncio.create_task(heartbeat.beat(settings.heartbeat_file, settings.heartbeat_interval))
            if settings.heartbeat_file is not None
            else None
        )
        try:
            yield
        finally:
            if beating is not None:
                beating.cancel()
            await api.hub.close()
            api.close()

    app = FastAPI(
        title="wirewatch",
        version=__version__,
        description="Search, subscriptions, feeds, alerts and metrics of a wirewatch pipeline."
        " Errors are JSON {error, detail}. See docs/api.md.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load from CDNs; the console works offline
        redoc_url=None,
        responses=ERRORS,  # type: ignore[arg-type]
    )
    app.state.api = api
    errors.install(app)
    for module in (search, subscriptions, feeds, alerts, system):
        app.include_router(module.router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Last-Event-ID"],
        )
    app.add_middleware(Frame, api=api)
    app.mount("/", StaticFiles(directory=CONSOLE_DIR, html=True, check_dir=False), name="console")
    return app
