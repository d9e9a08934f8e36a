from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from api.envelope import envelope
from symage_pipeline import pricing
from symage_pipeline.errors import SymageError, bad_request
from symage_pipeline.request import DEGRADATION_PROFILES, KNOWN_FORMATS

router = APIRouter(prefix="/pricing", tags=["pricing"])
TABULAR_FORMATS = ("csv", "json")


@router.get("/rates")
def rates() -> dict:
    return envelope(pricing.rates())


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SymageError(422, "validation_error", f"{name} must be a non-negative integer.")
    return value


@router.post("/estimate")
def estimate(body: Any = Body(default=None)) -> dict:
    if not isinstance(body, dict):
        raise bad_request("invalid_body", "The request body must be a JSON object.")
    field_count, records = _int(body, "field_count"), _int(body, "record_count")
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
    if formats and all(f in TABULAR_FORMATS for f in formats):
        credits = pricing.tabular_cost(records, field_count)
    else:
        credits = pricing.job_cost([field_count], records, formats, profile)
    return envelope({"credits": credits, "warnings": []})
