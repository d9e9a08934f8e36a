from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import and_, or_, select

from api.deps import ReadPrincipal, ServicesDep
from api.envelope import envelope
from api.services import Services
from symage_pipeline.bundle import dataset_key, download_key
from symage_pipeline.db import Job
from symage_pipeline.errors import SymageError, bad_request, conflict
from symage_pipeline.jobstate import (
    JOB_STATUSES,
    TERMINAL,
    JobTracker,
    generation_time_ms,
    iso,
    progress,
    throughput_docs_per_min,
)
from symage_pipeline.runs import FAILED_RUN_STATUSES
from symage_pipeline.storage import ArtifactStore

router = APIRouter(prefix="/jobs", tags=["jobs"])

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
# Partial output of a job that stopped early may still be downloaded (SDK README).
DOWNLOADABLE = ("completed", "canceled", "failed", "expired")


def _form_names(services: Services, job: Job) -> list[str]:
    return [services.catalog.get(f).name if f in services.catalog else f for f in job.form_ids]


def job_summary(services: Services, job: Job) -> dict[str, Any]:
    names = _form_names(services, job)
    return {
        "job_id": job.job_id,
        "status": job.status,
        "progress": progress(job),
        "form_id": job.form_ids[0] if job.form_ids else "",
        "form_name": names[0] if names else "",
        "form_ids": list(job.form_ids),
        "form_names": names,
        "quantity": job.quantity,
        "output_formats": list(job.output_formats),
        "credits_required": job.credits_required,
        "credits_charged": job.credits_charged,
        "created_at": iso(job.created_at),
        "completed_at": iso(job.completed_at),
        "error": job.error,
        "bundle_layout": job.bundle_layout,
    }


def job_detail(services: Services, job: Job) -> dict[str, Any]:
    per_form = max(job.documents_done // max(len(job.form_ids), 1), 0)
    return {
        **job_summary(services, job),
        "seed": job.seed,
        "effective_seed": job.effective_seed,
        "config": job.config,
        "forms_completed": per_form * len(job.form_ids),
        "forms_total": job.documents_total,
        "documents_completed": job.documents_done,
        "started_at": iso(job.started_at),
        "generation_time_ms": generation_time_ms(job),
        "worker_count": job.worker_count,
        "peak_workers": job.peak_workers,
        "throughput_docs_per_min": throughput_docs_per_min(job),
    }


def _encode_cursor(job: Job) -> str:
    raw = f"{iso(job.created_at)}|{job.job_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, job_id = raw.split("|", 1)
        return datetime.fromisoformat(created), job_id
    except Exception as exc:  # any malformed cursor is the caller's error, not ours
        raise bad_request("invalid_cursor", "The cursor is not one this API issued.") from exc


def load_job(services: Services, user_id: str, job_id: str) -> Job:
    with services.db.session() as session:
        job = session.get(Job, job_id)
    if job is None or job.user_id != user_id:
        raise SymageError(404, "job_not_found", "Job not found in this account")
    return job


def _reconciled(services: Services, job: Job) -> Job:
    """A run that died without reaching its failure hook (killed worker) still ends its job."""
    if job.status in TERMINAL or not job.dagster_run_id:
        return job
    status = services.submitter.run_status(job.dagster_run_id)
    if status in FAILED_RUN_STATUSES:
        JobTracker(services.db).fail(job.job_id, f"Dagster run {job.dagster_run_id} ended {status.lower()}")
        return load_job(services, job.user_id, job.job_id)
    return job


@router.get("")
def list_jobs(
    services: ServicesDep,
    principal: ReadPrincipal,
    limit: int = Query(default=50, ge=1, le=100),
    cursor: str | None = None,
    status: str | None = None,
    form_id: str | None = None,
) -> dict:
    if status is not None and status not in JOB_STATUSES:
        raise SymageError(
            422,
            "validation_error",
            f"Unknown status {status!r}; accepted: {', '.join(JOB_STATUSES)}",
            {"accepted": list(JOB_STATUSES)},
        )
    query = select(Job).where(Job.user_id == principal.user_id)
    if status:
        query = query.where(Job.status == status)
    if cursor:
        created, job_id = _decode_cursor(cursor)
        query = query.where(or_(Job.created_at < created, and_(Job.created_at == created, Job.job_id < job_id)))
    with services.db.session() as session:
        rows = list(session.scalars(query.order_by(Job.created_at.desc(), Job.job_id.desc()).limit(limit + 1)))
    if form_id:
        rows = [j for j in rows if j.form_ids and j.form_ids[0] == form_id]
    has_more = len(rows) > limit
    page = rows[:limit]
    return envelope(
        [job_summary(services, j) for j in page],
        count=len(page),
        has_more=has_more,
        next_cursor=_encode_cursor(page[-1]) if has_more else None,
    )


@router.get("/{job_id}")
def get_job(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> dict:
    job = _reconciled(services, load_job(services, principal.user_id, job_id))
    return envelope(job_detail(services, job))


def _stream(store: ArtifactStore, key: str) -> Iterator[bytes]:
    with store.open_read(key) as source:
        while block := source.read(1 << 16):
            yield block


def artifact_response(store: ArtifactStore, key: str, media_type: str, filename: str) -> Response:
    return StreamingResponse(
        _stream(store, key),
        media_type=media_type,
        headers={
            "Content-Length": str(store.size(key)),
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


def _ready_job(services: Services, user_id: str, job_id: str) -> Job:
    job = load_job(services, user_id, job_id)
    if job.status not in DOWNLOADABLE:
        raise conflict("job_not_completed", f"Job is not completed (status: {job.status}).")
    return job


@router.get("/{job_id}/download/{fmt}")
def download(job_id: str, fmt: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    if fmt not in WHOLE_JOB_FORMATS:
        retired = " It was retired; download the dataset (bundle) instead." if fmt in RETIRED_FORMATS else ""
        raise bad_request(
            "invalid_format", f"Unknown download format {fmt!r}: use dataset, bundle, json or csv.{retired}"
        )
    job = _ready_job(services, principal.user_id, job_id)
    if job.bundle_layout == "sharded" and WHOLE_JOB_FORMATS[fmt] == "dataset":
        raise conflict("dataset_sharded", "This job's dataset is sharded; use the dataset/manifest and shards.")
    kind = WHOLE_JOB_FORMATS[fmt]
    key = dataset_key(job_id) if kind == "dataset" else download_key(job_id, kind)
    if not services.store.exists(key):
        raise conflict("output_unavailable", f"This {job.status} job has no {fmt} output.")
    if kind == "dataset":
        # The dataset surface (manifest, readme, sharded archives) lives in api/routers/dataset.py.
        from api.routers.dataset import serve_archive

        return serve_archive(services, key, f"symage_{job_id}.zip")
    media = {"dataset": "application/zip", "json": "application/json", "csv": "text/csv"}[kind]
    name = {"dataset": f"symage_{job_id}.zip", "json": f"{job_id}.json", "csv": f"{job_id}.csv"}[kind]
    return artifact_response(services.store, key, media, name)
