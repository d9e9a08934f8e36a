from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.access import GeneratePrincipal, ReadPrincipal
from api.deps import ServicesDep
from api.downloads import artifact_response, ready_job, serve_archive
from api.envelope import envelope
from api.schemas.common import REDIRECT, Envelope, error_responses, file_response
from api.schemas.jobs import CancelAccepted, JobDetail, JobSummary
from api.views import job_detail, job_summary
from symage_pipeline.app import records
from symage_pipeline.app.records import JOB_STATUSES
from symage_pipeline.errors import SymageError, bad_request, conflict
from symage_pipeline.keys import dataset_key, download_key

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=error_responses(401, 403, 404, 422))

WHOLE_JOB_FORMATS = {"dataset": "dataset", "bundle": "dataset", "json": "json", "csv": "csv"}
RETIRED_FORMATS = (
    "pdf_typed",
    "pdf_handwritten",
    "png_typed",
    "png_handwritten",
    "pdf_filled",
    "coco",
    "bio",
    "yolo",
    "funsd",
    "donut",
    "paperlives",
    "hf_datasets",
    "coco_layout",
    "funsd_layout",
)
MEDIA = {"dataset": "application/zip", "json": "application/json", "csv": "text/csv"}


@router.get("", response_model=Envelope[list[JobSummary]], responses=error_responses(400))
def list_jobs(
    services: ServicesDep,
    principal: ReadPrincipal,
    limit: int = Query(default=50, ge=1, le=100),
    cursor: str | None = None,
    status: str | None = None,
    form_id: str | None = None,
) -> dict:
    """Newest first; `next_cursor` pages on."""
    if status is not None and status not in JOB_STATUSES:
        raise SymageError(
            422,
            "validation_error",
            f"Unknown status {status!r}; accepted: {', '.join(JOB_STATUSES)}",
            {"accepted": list(JOB_STATUSES)},
        )
    page = records.list_jobs(services.db, principal.user_id, limit=limit, cursor=cursor, status=status, form_id=form_id)
    return envelope(
        [job_summary(services.catalog, j) for j in page.jobs],
        count=len(page.jobs),
        has_more=page.has_more,
        next_cursor=page.next_cursor,
    )


@router.get("/{job_id}", response_model=Envelope[JobDetail])
def get_job(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> dict:
    job = records.load_job(services.db, principal.user_id, job_id)
    return envelope(job_detail(services.catalog, job))


@router.post("/{job_id}/cancel", response_model=Envelope[CancelAccepted], responses=error_responses(409))
def cancel(job_id: str, services: ServicesDep, principal: GeneratePrincipal) -> dict:
    """Stop a job and refund what it has not made. A pending job is `canceled` at once (its queued
    run is dequeued); a running one turns `canceling`, its render steps stop at the next batch of
    25 documents, and the dataset of what was made is bundled. Idempotent; 409 once it ended."""
    job, was_pending = records.request_cancel(services.db, principal.user_id, job_id, services.settings.retention)
    if was_pending and job.dagster_run_id:
        services.submitter.cancel(job.dagster_run_id)
    return envelope(CancelAccepted(job_id=job.job_id, status=job.status))


@router.get(
    "/{job_id}/download/{fmt}",
    response_class=Response,
    responses={**file_response("The file, streamed", *MEDIA.values()), **REDIRECT, **error_responses(400, 409)},
)
def download(job_id: str, fmt: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    """`dataset` (or `bundle`): the zip; `json` / `csv`: flat per-document records."""
    if fmt not in WHOLE_JOB_FORMATS:
        retired = " It was retired; download the dataset (bundle) instead." if fmt in RETIRED_FORMATS else ""
        raise bad_request(
            "invalid_format", f"Unknown download format {fmt!r}: use dataset, bundle, json or csv.{retired}"
        )
    job = ready_job(services, principal.user_id, job_id)
    kind = WHOLE_JOB_FORMATS[fmt]
    if job.bundle_layout == "sharded" and kind == "dataset":
        raise conflict("dataset_sharded", "This job's dataset is sharded; use the dataset/manifest and shards.")
    key = dataset_key(job_id) if kind == "dataset" else download_key(job_id, kind)
    if not services.store.exists(key):
        raise conflict("output_unavailable", f"This {job.status} job has no {fmt} output.")
    if kind == "dataset":
        return serve_archive(services, key, f"symage_{job_id}.zip")
    name = {"json": f"{job_id}.json", "csv": f"{job_id}.csv"}[kind]
    return artifact_response(services.store, key, MEDIA[kind], name)
