"""Bundle-size estimation, public like pricing (declared before `/jobs/{job_id}`, which would
otherwise take `size-rates` for a job id)."""

from __future__ import annotations

from fastapi import APIRouter

from api.schemas.common import error_responses
from api.schemas.sizing import SizeEstimate, SizeEstimateRequest, SizeRates
from symage_pipeline.app import sizing

router = APIRouter(prefix="/jobs", tags=["pricing"], responses=error_responses(400, 422))


@router.get("/size-rates", response_model=SizeRates)
def size_rates() -> dict:
    """The calibrated per-format byte constants and tier thresholds the estimator uses."""
    return sizing.size_rates()


@router.post("/size-estimate", response_model=SizeEstimate)
def size_estimate(body: SizeEstimateRequest) -> dict:
    """The compressed zip size of a job, before submitting it (+/- 30% for 80% of jobs)."""
    return sizing.estimate_size(body.page_counts, body.output_formats, body.record_count)
