"""Every error leaves the API as `{"detail": {"code", "message", "status"}}`, whoever raised it."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from symage_pipeline.errors import SymageError

log = logging.getLogger("symage.api")

HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "rate_limited",
}


def error_response(error: SymageError) -> JSONResponse:
    """The one error shape, as a response (also an ASGI app, for middleware that answers early)."""
    return JSONResponse(error.to_body(), status_code=error.status, headers=error.headers)


def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(SymageError(400, "invalid_json", "The request body is not valid JSON."))
    if any(
        e.get("type") in ("missing", "model_attributes_type") and tuple(e.get("loc", ())) == ("body",) for e in errors
    ):
        return error_response(SymageError(400, "invalid_body", "The request body must be a JSON object."))
    problems = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors
    ]
    first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
    where = ".".join(p for p in first["loc"] if p not in ("body", "query", "path"))
    message = f"{where}: {first['msg']}" if where else first["msg"]
    return error_response(SymageError(422, "validation_error", message, {"errors": _jsonable(problems)}))


def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    if isinstance(exc.detail, dict) and "code" in exc.detail:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    code = HTTP_CODES.get(exc.status_code, "error")
    error = SymageError(exc.status_code, code, str(exc.detail))
    return JSONResponse(error.to_body(), status_code=exc.status_code, headers=getattr(exc, "headers", None))


def _symage_error(_: Request, exc: SymageError) -> JSONResponse:
    return error_response(exc)


def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    """A bug still answers in the one error shape (and is logged with its traceback)."""
    log.exception("unhandled error", exc_info=exc)
    return error_response(SymageError(500, "internal_error", "An unexpected error occurred; it has been logged."))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SymageError, _symage_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
