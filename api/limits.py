"""Request-size limits at the edge: a body cap (413 `body_too_large`) and a JSON nesting cap (400
`json_too_deep`), checked before any route parses the body.

Without them a 1 MB `config` was stored in the app DB and the run config, and a config nested
400 deep was stored and then broke every later read of its job.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from symage_pipeline.errors import SymageError

MAX_JSON_DEPTH = 32


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if brackets nest deeper than `limit` outside strings (a linear scan, no parse)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int = MAX_JSON_DEPTH):
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        too_large = SymageError(
            413, "body_too_large", f"The request body exceeds {self.max_bytes:,} bytes.", {"limit": self.max_bytes}
        )
        for name, value in scope.get("headers", []):
            # Length first: int() of a 5,000-digit header is itself an error.
            if name == b"content-length" and value.isdigit() and (len(value) > 15 or int(value) > self.max_bytes):
                await error_response(too_large)(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await error_response(too_large)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if json_depth_exceeds(body, self.max_depth):
            too_deep = SymageError(400, "json_too_deep", f"JSON nests deeper than {self.max_depth} levels.")
            await error_response(too_deep)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
