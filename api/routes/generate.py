from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.access import GeneratePrincipal
from api.deps import ServicesDep
from api.envelope import envelope
from api.schemas.common import Envelope, error_responses
from api.schemas.jobs import GenerateAccepted
from symage_pipeline.app.intake import GenerateRequest, create_job

router = APIRouter(tags=["generate"])


@router.post(
    "/generate", response_model=Envelope[GenerateAccepted], responses=error_responses(400, 401, 402, 403, 422, 503)
)
async def generate(services: ServicesDep, principal: GeneratePrincipal, body: GenerateRequest) -> dict:
    """Validate, price, reserve credits, record the job and queue its Dagster run."""
    job = await run_in_threadpool(
        create_job,
        db=services.db,
        catalog=services.catalog,
        launcher=services.submitter,
        settings=services.settings,
        user_id=principal.user_id,
        request=body,
    )
    data = GenerateAccepted(job_id=job.job_id, status=job.status, credits_required=job.credits_required)
    return envelope(data, credits_charged=job.credits_required)
