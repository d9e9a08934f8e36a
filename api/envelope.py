"""The success envelope `{"data": ..., "meta": {"request_id": ...}}` and the request id behind it."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_request_id: ContextVar[str] = ContextVar("request_id", default="")


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

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)
