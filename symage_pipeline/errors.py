"""The one error type. Raised anywhere (domain, API, ops); the API renders it in one handler as
`{"detail": {"code", "message", "status", "details"?}}`."""

from __future__ import annotations

from typing import Any


class SymageError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers  # e.g. Retry-After on a 429

    def to_body(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details is not None:
            detail["details"] = self.details
        return {"detail": detail}


def bad_request(code: str, message: str, **details: Any) -> SymageError:
    return SymageError(400, code, message, details or None)


def not_found(code: str, message: str) -> SymageError:
    return SymageError(404, code, message)


def conflict(code: str, message: str) -> SymageError:
    return SymageError(409, code, message)
