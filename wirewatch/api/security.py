"""Who may do what: bearer tokens with a read or write scope, open reads on loopback, rate limits.

Reads need no token when the client is on loopback and WIREWATCH_API_OPEN_READS allows it (the
default); other clients always need a token. Writes always need a write token. Every request
spends from a token bucket keyed by its token (or, anonymous or bad, by the client address).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from wirewatch.api.errors import ApiError
from wirewatch.api.ratelimit import RateLimiter
from wirewatch.api.state import Api
from wirewatch.api.tokens import READ, WRITE, Token

STREAM_PATH = "/api/alerts/stream"
bearer = HTTPBearer(auto_error=False, description="A token from `wirewatch tokens create NAME --scope ...`")


def is_loopback(host: str | None) -> bool:
    """Whether a client address is this machine (a reverse proxy makes every client look so)."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _limit(limiter: RateLimiter, key: str) -> None:
    wait = limiter.take(key)
    if wait:
        raise ApiError(
            429,
            f"rate limit exceeded; retry in {RateLimiter.retry_after(wait)}s",
            headers={"Retry-After": RateLimiter.retry_after(wait)},
        )


def access(scope: str) -> Callable[..., Awaitable[Token | None]]:
    """A dependency admitting requests allowed `scope`; returns the token used, if any."""

    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        api: Api,
    ) -> Token | None:
        client = request.client.host if request.client else "unknown"
        presented = credentials.credentials if credentials is not None else None
        if presented is None and request.url.path == STREAM_PATH:  # EventSource cannot send headers
            presented = request.query_params.get("token")
        if presented is None:
            _limit(api.limiter, f"ip:{client}")
            if scope == READ and api.settings.api_open_reads and is_loopback(client):
                return None
            needed = "a write token" if scope == WRITE else "a token (reads are open on loopback only)"
            raise ApiError(
                401, f"this needs {needed}: send Authorization: Bearer <token>", headers=_challenge()
            )
        token = await run_in_threadpool(api.tokens.check, presented)
        if token is None or token.revoked is not None:
            _limit(api.limiter, f"ip:{client}")
            why = "revoked" if token is not None else "unknown or malformed"
            raise ApiError(401, f"the token is {why}", headers=_challenge())
        _limit(api.limiter, f"token:{token.id}")
        if not token.allows(scope):
            raise ApiError(403, f"token {token.name!r} has scope {token.scope}; this needs a {scope} token")
        return token

    return check


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="wirewatch"'}


Read = Depends(access(READ))
Write = Depends(access(WRITE))
