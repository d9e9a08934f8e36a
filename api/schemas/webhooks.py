"""Webhook management bodies (both surfaces: `/api/v1/webhooks` and `/api/internal/webhooks`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import Open
from symage_pipeline.app import webhooks
from symage_pipeline.errors import bad_request


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("invalid_body", "The request body must be a JSON object.")
    return body


class WebhookCreate(BaseModel):
    url: str = Field(max_length=webhooks.MAX_URL_LENGTH, description="https endpoint that receives the events.")
    events: list[str] | None = Field(None, description=f"Default: all of {', '.join(webhooks.EVENTS)}.")
    description: str | None = Field(None, max_length=webhooks.MAX_DESCRIPTION)

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, body: Any) -> Any:
        body = _object(body)
        if not isinstance(body.get("url"), str):
            raise bad_request("invalid_webhook_url", "url is required.")
        webhooks.check_events(body.get("events"))
        webhooks.check_description(body.get("description"))
        return body


class WebhookUpdate(BaseModel):
    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    is_active: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, body: Any) -> Any:
        body = _object(body)
        unknown = sorted(set(body) - set(webhooks.UPDATABLE))
        if unknown:
            raise bad_request("invalid_webhook_field", f"Unknown webhook field(s): {', '.join(unknown)}")
        return body


class WebhookView(Open):
    webhook_id: str
    secret_prefix: str
    url: str
    events: list[str]
    description: str | None
    is_active: bool
    job_id: str | None = Field(description="Set for the temporary subscription of an inline webhook_url.")
    created_at: str | None
    signing_secret: str | None = Field(None, description="Only on create and rotate: store it, it is not shown again.")


class DeliveryView(Open):
    delivery_id: str
    webhook_id: str
    event: str
    job_id: str | None
    status: str = Field(description="pending | delivered | failed")
    attempts: int
    response_status: int | None
    last_error: str | None
    next_attempt_at: str | None
    created_at: str | None
    delivered_at: str | None
