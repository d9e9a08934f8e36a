from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from starlette.concurrency import run_in_threadpool

from api.deps import GeneratePrincipal, ServicesDep
from api.envelope import envelope
from symage_pipeline.errors import bad_request
from symage_pipeline.submission import create_job

router = APIRouter(tags=["generate"])


@router.post("/generate")
async def generate(services: ServicesDep, principal: GeneratePrincipal, body: Any = Body(default=None)) -> dict:
    if not isinstance(body, dict):
        raise bad_request("invalid_body", "The request body must be a JSON object.")
    job = await run_in_threadpool(
        create_job,
        db=services.db,
        catalog=services.catalog,
        submitter=services.submitter,
        settings=services.settings,
        user_id=principal.user_id,
        body=body,
    )
    data = {"job_id": job.job_id, "status": job.status, "credits_required": job.credits_required, "warnings": []}
    return envelope(data, credits_charged=job.credits_required)
