"""The success envelope `{"data": ..., "meta": {"request_id": ...}}` and the request id behind it."""

from __future__ import annotations

import logging
import time
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_request_id: ContextVar[str] = ContextVar("request_id", default="")
access_log = logging.getLogger("symage.access")


def current_request_id() -> str:
    return _request_id.get()


def envelope(data: Any, **meta: Any) -> dict[str, Any]:
    return {"data": data, "meta": {"request_id": _request_id.get() or str(uuid.uuid4()), **meta}}


class RequestIdMiddleware:
    """Gives each request an id (echoed as X-Request-ID) that the envelope and logs share."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        token = _request_id.set(request_id)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %s", scope["method"], scope["path"], status,
                extra={"request_id": request_id, "method": scope["method"], "path": scope["path"], "status": status,
                       "duration_ms": round((time.perf_counter() - started) * 1000, 1)},
            )  # fmt: skip
            _request_id.reset(token)
