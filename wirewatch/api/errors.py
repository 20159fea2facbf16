"""One error layer: every failure leaves the API as JSON `{error, detail}` with the right status.

Wirewatch's own errors map by type (bad input 422, unknown 404, taken 409, dependency down 503);
FastAPI's validation errors become one readable sentence; anything unexpected is logged and
answered 500 without internals.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from search.backends.base import QueryRejected
from search.query import QueryError
from wirewatch.errors import (
    ConfigError,
    ConflictError,
    NotFoundError,
    UnreachableError,
    UsageError,
    WirewatchError,
)

log = logging.getLogger("wirewatch.api")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error answered as is: status, short code, one readable sentence, optional extra keys."""

    def __init__(
        self,
        status: int,
        detail: str,
        code: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.detail = detail
        self.headers = headers
        self.extra = extra


def error_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The JSON body every non-2xx answer has."""
    return JSONResponse({"error": code, "detail": detail, **extra}, status_code=status, headers=headers)


def query_error(exc: QueryError) -> ApiError:
    """A query that does not parse, with the 0-based position of the problem."""
    return ApiError(422, str(exc), "invalid_query", position=exc.position)


def for_wirewatch_error(exc: WirewatchError) -> ApiError:
    """The API answer for one of wirewatch's own errors."""
    if isinstance(exc, NotFoundError):
        return ApiError(404, str(exc))
    if isinstance(exc, ConflictError):
        return ApiError(409, str(exc))
    if isinstance(exc, QueryRejected):
        return ApiError(422, str(exc), "invalid_query")
    if isinstance(exc, UsageError | ConfigError):
        return ApiError(422, str(exc))
    if isinstance(exc, UnreachableError):
        return ApiError(503, str(exc))
    log.error("unexpected wirewatch error: %s", exc)
    return ApiError(500, str(exc))


def _validation_detail(exc: RequestValidationError) -> tuple[str, list[dict[str, str]]]:
    errors = [
        {
            "where": ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body",
            "problem": err["msg"],
        }
        for err in exc.errors()
    ]
    if not errors:
        return "invalid request", []
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['where']}: {first['problem']}{more}", errors


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(QueryError)
    async def _query(_: Request, exc: QueryError) -> JSONResponse:
        err = query_error(exc)
        return error_response(err.status, err.code, err.detail, **err.extra)

    @app.exception_handler(WirewatchError)
    async def _wirewatch(_: Request, exc: WirewatchError) -> JSONResponse:
        err = for_wirewatch_error(exc)
        return error_response(err.status, err.code, err.detail, **err.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = _validation_detail(exc)
        return error_response(422, "invalid_request", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        return error_response(
            exc.status_code, CODES.get(exc.status_code, "error"), detail, getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        return error_response(
            500, "internal_error", f"internal error ({type(exc).__name__}); see the API log"
        )
