"""Operator routes' bodies (kept out of the public schema, like the routes themselves)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, model_validator

from api.schemas.common import Open
from symage_pipeline.app import accounts
from symage_pipeline.errors import bad_request


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("invalid_body", "The request body must be a JSON object.")
    return body


class AccountChanges(BaseModel):
    credit_limit: int | None = None
    tier: str | None = None
    feature_flags: list[str] | None = None
    confirm_above: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, body: Any) -> Any:
        accounts.check_account_changes(_object(body))
        return body


class KeyRequest(BaseModel):
    name: str
    scopes: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, body: Any) -> Any:
        body = _object(body)
        accounts.check_key_name(body.get("name"))
        accounts.validate_scopes(body.get("scopes"))
        return body


class AccountView(Open):
    user_id: str
    credit_limit: int | None
    tier: str
    feature_flags: list[str]
    confirm_above: int | None
    credits_allocated: int
    credits_used: int
