"""Bodies of the bundle-size estimator (`/jobs/size-rates`, `/jobs/size-estimate`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import Open
from symage_pipeline.errors import SymageError, bad_request
from symage_pipeline.spec import KNOWN_FORMATS, MAX_QUANTITY

MAX_FORMS = 50
MAX_COUNT = 10_000


def _counts(body: dict[str, Any], name: str) -> list[int]:
    value = body.get(name)
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= MAX_FORMS
        or not all(not isinstance(v, bool) and isinstance(v, int) and 0 <= v <= MAX_COUNT for v in value)
    ):
        raise SymageError(
            422, "validation_error", f"{name} must be a list of 1..{MAX_FORMS} integers 0..{MAX_COUNT:,}."
        )
    return value


class SizeEstimateRequest(BaseModel):
    field_counts: list[int] = Field(description="Fields on each form (one entry per form).")
    page_counts: list[int] = Field(description="Pages on each form; the same length as field_counts.")
    output_formats: list[str] = Field([], description="Requested output format tokens, e.g. pdf_typed, bio.")
    record_count: int = Field(ge=0, le=MAX_QUANTITY, description="Identities (items) to generate.")

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, body: Any) -> Any:
        if not isinstance(body, dict):
            raise bad_request("invalid_body", "The request body must be a JSON object.")
        fields, pages = _counts(body, "field_counts"), _counts(body, "page_counts")
        if len(fields) != len(pages):
            raise SymageError(422, "validation_error", "field_counts and page_counts must have the same length.")
        count = body.get("record_count")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_QUANTITY:
            raise SymageError(422, "validation_error", f"record_count must be an integer 0..{MAX_QUANTITY:,}.")
        formats = body.get("output_formats", [])
        if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
            raise SymageError(422, "validation_error", "output_formats must be a list of strings.")
        unknown = [f for f in formats if f not in KNOWN_FORMATS]
        if unknown:
            raise bad_request(
                "invalid_output_format", f"Unknown output format: {', '.join(unknown)}", invalid_formats=unknown
            )
        return body


class SizeRates(Open):
    rates: dict[str, float]
    tiers: dict[str, int]
    expected_accuracy: str
    calibration_sample_count: int
    calibrated_at: str


class SizeEstimate(Open):
    total_bytes: int
    human_readable: str
    tier: str = Field(description="small (< 100 MB) | medium (< 1 GB) | large")
    breakdown: dict[str, int]
    expected_accuracy: str
    calibration_sample_count: int
    calibrated_at: str
    notes: list[str]
