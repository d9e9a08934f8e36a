from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from starlette.concurrency import run_in_threadpool

from api.access import GeneratePrincipal
from api.deps import ServicesDep
from api.envelope import envelope
from api.schemas.common import Envelope, error_responses
from api.schemas.jobs import GenerateAccepted
from symage_pipeline.app.intake import GenerateRequest, create_job

router = APIRouter(tags=["generate"])


@router.post(
    "/generate",
    response_model=Envelope[GenerateAccepted],
    response_model_exclude_none=True,
    responses=error_responses(400, 401, 402, 403, 409, 413, 422, 429, 503),
)
async def generate(
    services: ServicesDep,
    principal: GeneratePrincipal,
    body: GenerateRequest,
    idempotency_key: Annotated[
        str | None, Header(description="Retry-safe creation: one job per (account, key) for 24 h.")
    ] = None,
) -> dict:
    """Validate, price, reserve credits, record the job and queue its Dagster run.

    Above the account's confirmation threshold the answer is `status: confirmation_required`
    with the `cost` (no job is made): send the same body again with `confirmed_credits: cost`."""
    admission = await run_in_threadpool(
        create_job,
        db=services.db,
        catalog=services.catalog,
        launcher=services.submitter,
        settings=services.settings,
        user_id=principal.user_id,
        request=body,
        idempotency_key=idempotency_key,
    )
    if admission.confirmation is not None:
        return envelope(admission.confirmation, credits_charged=0)
    job = admission.job
    assert job is not None
    data = GenerateAccepted(job_id=job.job_id, status=job.status, credits_required=job.credits_required)
    if admission.replay:
        return envelope(data, credits_charged=0, idempotent_replay=True)
    return envelope(data, credits_charged=job.credits_required)
