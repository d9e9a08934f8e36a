from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import Open
from symage_pipeline.errors import SymageError, bad_request
from symage_pipeline.spec import DEGRADATION_PROFILES, KNOWN_FORMATS, MAX_QUANTITY

TABULAR_FORMATS = ("csv", "json")


class PricingRates(Open):
    csv: dict[str, int]
    pdf_typed: dict[str, int]
    pdf_handwritten: dict[str, int]
    degradation_multipliers: dict[str, float]
    rounding: dict[str, Any]
    bundling: str


MAX_FIELD_COUNT = 10_000
MAX_RECORD_COUNT = MAX_QUANTITY


def _count(body: dict[str, Any], name: str, maximum: int) -> None:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise SymageError(422, "validation_error", f"{name} must be an integer 0..{maximum:,}.")


class EstimateRequest(BaseModel):
    """Credits for `record_count` documents of a form with `field_count` fields (or tabular rows)."""

    model_config = ConfigDict(extra="allow")

    field_count: int = Field(ge=0, le=MAX_FIELD_COUNT)
    record_count: int = Field(ge=0, le=MAX_RECORD_COUNT)
    output_formats: list[str] = Field(description="Document formats, or csv/json for tabular data.")
    degradation_profile: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, body: Any) -> Any:
        if not isinstance(body, dict):
            raise bad_request("invalid_body", "The request body must be a JSON object.")
        _count(body, "field_count", MAX_FIELD_COUNT)
        _count(body, "record_count", MAX_RECORD_COUNT)
        formats = body.get("output_formats")
        if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
            raise SymageError(422, "validation_error", "output_formats must be a list of strings.")
        unknown = [f for f in formats if f not in KNOWN_FORMATS and f not in TABULAR_FORMATS]
        if unknown:
            raise bad_request(
                "invalid_output_format", f"Unknown output format: {', '.join(unknown)}", invalid_formats=unknown
            )
        profile = body.get("degradation_profile")
        if profile is not None and profile not in DEGRADATION_PROFILES:
            raise bad_request("invalid_degradation_profile", f"Unknown degradation_profile {profile!r}.")
        return body

    @property
    def tabular(self) -> bool:
        return bool(self.output_formats) and all(f in TABULAR_FORMATS for f in self.output_formats)


class Estimate(Open):
    credits: int
    warnings: list[str]
