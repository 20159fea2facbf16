"""Serving the app with uvicorn: `wirewatch api`, and the API child of `wirewatch run`."""

from __future__ import annotations

import asyncio
import logging
import socket
from types import FrameType

import uvicorn

from wirewatch.api.app import create_app
from wirewatch.api.live import AlertHub
from wirewatch.broker import ensure_port_free
from wirewatch.settings import Settings

log = logging.getLogger("wirewatch.api")
GRACE = 3.0  # seconds open requests get at shutdown (live streams are ended at once)


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Serve the API until SIGINT/SIGTERM; a port in use is one clear error line, not a traceback."""
    host = host or settings.api_host
    port = port or settings.api_port
    ensure_port_free(port, host, what="the HTTP API (WIREWATCH_API_PORT)")
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,  # the client address decides open reads: never trust forwarded headers
        timeout_graceful_shutdown=GRACE,
        lifespan="on",
    )
    server = _Server(config, app.state.api.hub)
    log.info("HTTP API and console on http://%s:%d/", host if ":" not in host else f"[{host}]", port)
    asyncio.run(server.serve())
    if not server.started:
        raise SystemExit(1)


class _Server(uvicorn.Server):
    """Ends live alert streams as soon as a stop is asked, so shutdown does not wait on them."""

    def __init__(self, config: uvicorn.Config, hub: AlertHub) -> None:
        super().__init__(config)
        self.hub = hub
        self.loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self.loop is not None:
            self.loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self.hub.close()))
