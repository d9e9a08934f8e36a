from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from symage_pipeline.app.intake import validate_quantity, validate_seed
from symage_pipeline.errors import bad_request

MAX_IDENTITIES = 10_000


class IdentitiesRequest(BaseModel):
    """Record *i* is item *i* of a generation job with the same seed (identity seed `seed + i`)."""

    model_config = ConfigDict(extra="allow")

    quantity: int = Field(1, ge=1, le=MAX_IDENTITIES)
    seed: int | None = Field(None, ge=0, lt=2**62)
    config: dict[str, Any] | None = Field(None, description="Accepted for symmetry with /generate.")

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, body: Any) -> Any:
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise bad_request("invalid_body", "The request body must be a JSON object.")
        validate_quantity(body.get("quantity", 1), MAX_IDENTITIES)
        validate_seed(body.get("seed"))
        if body.get("config") is not None and not isinstance(body["config"], dict):
            raise bad_request("invalid_config", "config must be an object.")
        return body
