"""The envelope every success shares, and the one error shape every failure shares."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Meta(BaseModel):
    """`request_id` always; list endpoints add count / has_more / next_cursor (and total)."""

    model_config = ConfigDict(extra="allow")

    request_id: str


class Envelope(BaseModel, Generic[T]):
    data: T
    meta: Meta


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, specific machine-readable code, e.g. invalid_quantity.")
    message: str
    status: int
    details: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    detail: ErrorDetail


class Open(BaseModel):
    """A record whose documented fields are listed; the server may add more without notice."""

    model_config = ConfigDict(extra="allow")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the errors a route really answers, all in the one error shape."""
    meaning = {
        400: "Bad input: a specific `code` names the rule that failed (malformed JSON is `invalid_json`).",
        401: "Missing, malformed, invalid or revoked API key.",
        402: "Not enough credits (`insufficient_credits`).",
        403: "The key lacks the scope this route needs, or a signed URL does not verify.",
        404: "Not found in this account.",
        409: "The job is not in a state that allows this (e.g. not completed yet), or an "
        "Idempotency-Key was reused with another body (`idempotency_key_reused`).",
        410: "The job's outputs expired (retention, 48 h by default).",
        413: "The request body is too large (`body_too_large`).",
        422: "Schema errors (`validation_error`) with `details.errors`.",
        429: "Rate limit exceeded (`rate_limited`); see Retry-After and X-RateLimit-*.",
        503: "The generation run could not be started.",
    }
    return {s: {"model": ErrorResponse, "description": meaning[s]} for s in statuses}


def file_response(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """A 200 that is a file, not JSON: documented as binary content of these media types."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": description, "content": {m: binary for m in media_types}}}


REDIRECT = {307: {"description": "Redirect to a presigned URL (S3 storage); followed without the API key."}}
