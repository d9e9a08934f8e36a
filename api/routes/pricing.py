from __future__ import annotations

from fastapi import APIRouter

from api.envelope import envelope
from api.schemas.common import Envelope, error_responses
from api.schemas.pricing import Estimate, EstimateRequest, PricingRates
from symage_pipeline.app import pricing

router = APIRouter(prefix="/pricing", tags=["pricing"], responses=error_responses(400, 422))


@router.get("/rates", response_model=Envelope[PricingRates])
def rates() -> dict:
    return envelope(pricing.rates())


@router.post("/estimate", response_model=Envelope[Estimate])
def estimate(body: EstimateRequest) -> dict:
    if body.tabular:
        credits = pricing.tabular_cost(body.record_count, body.field_count)
    else:
        credits = pricing.job_cost([body.field_count], body.record_count, body.output_formats, body.degradation_profile)
    return envelope(Estimate(credits=credits, warnings=[]))
