from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.access import GeneratePrincipal, ReadPrincipal
from api.deps import ServicesDep
from api.downloads import artifact_response, ready_job
from api.envelope import envelope
from api.schemas.common import Envelope, error_responses, file_response
from api.schemas.tabular import ColumnType, ParsedSchema, ParseRequest, TabularAccepted, TabularStatus
from symage_pipeline.app import records
from symage_pipeline.app.tabular import TabularRequest, create_tabular_job, tabular_status
from symage_pipeline.errors import bad_request, conflict
from symage_pipeline.keys import table_key
from symage_pipeline.tabular.llm import llm_config, parse_with_llm
from symage_pipeline.tabular.registry import describe
from symage_pipeline.tabular.spec import FORMATS

router = APIRouter(prefix="/tabular", tags=["tabular"], responses=error_responses(401, 403, 422, 429))
MEDIA = {"csv": "text/csv", "json": "application/json"}


@router.get("/types", response_model=Envelope[list[ColumnType]])
def types(principal: ReadPrincipal) -> dict:
    """Every column type a `/tabular/generate` column may name, with its constraints and defaults
    (each column also takes `null_rate`, 0..1)."""
    listing = describe()
    return envelope(listing, count=len(listing))


@router.post("/parse", response_model=Envelope[ParsedSchema], responses=error_responses(400))
async def parse(body: ParseRequest, services: ServicesDep, principal: GeneratePrincipal) -> dict:
    """A description → columns. With an LLM configured (`SYMAGE_LLM_*`) it is asked first and its
    answer must validate; otherwise, or on any error, the offline heuristic answers."""
    result = await run_in_threadpool(parse_with_llm, body.prompt, llm_config(services.settings))
    return envelope(result, count=len(result["columns"]))


@router.post(
    "/generate",
    response_model=Envelope[TabularAccepted],
    response_model_exclude_none=True,
    responses=error_responses(400, 402, 409, 413, 503),
)
async def generate(
    services: ServicesDep,
    principal: GeneratePrincipal,
    body: TabularRequest,
    idempotency_key: Annotated[
        str | None, Header(description="Retry-safe creation: one job per (account, key) for 24 h.")
    ] = None,
) -> dict:
    """Price (ceil(rows/50 + ceil(rows x max(cols-10, 0) / 500))), reserve, record and start a
    `generate_tabular` Dagster run. Spend confirmation and `Idempotency-Key` work as on /generate."""
    admission = await run_in_threadpool(
        create_tabular_job,
        db=services.db,
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
    data = TabularAccepted(job_id=job.job_id, status=tabular_status(job)["status"],
                           credits_required=job.credits_required)  # fmt: skip
    if admission.replay:
        return envelope(data, credits_charged=0, idempotent_replay=True)
    return envelope(data, credits_charged=job.credits_required)


@router.get("/{job_id}/status", response_model=Envelope[TabularStatus], responses=error_responses(404))
def status(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> dict:
    job = records.load_job(services.db, principal.user_id, job_id, kind="tabular")
    return envelope(tabular_status(job))


@router.get(
    "/{job_id}/download/{fmt}",
    response_class=Response,
    responses={**file_response("The table", *MEDIA.values()), **error_responses(400, 404, 409, 410)},
)
def download(job_id: str, fmt: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    """The table as `csv` or `json` (an array of row objects); 409 until completed, 410 after 48 h."""
    if fmt not in FORMATS:
        raise bad_request("invalid_format", f"Unknown download format {fmt!r}: use csv or json.")
    job = ready_job(services, principal.user_id, job_id, kind="tabular")
    if job.status != "completed":
        raise conflict("job_not_completed", f"Job is not completed (status: {tabular_status(job)['status']}).")
    key = table_key(job_id, fmt)
    if fmt not in job.output_formats or not services.store.exists(key):
        raise conflict("output_unavailable", f"This job was not asked for {fmt}; its formats: "
                       f"{', '.join(job.output_formats)}.")  # fmt: skip
    return artifact_response(services.store, key, MEDIA[fmt], f"{job_id}.{fmt}")
