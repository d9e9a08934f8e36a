"""The dataset surface the client's ``download_dataset`` walks (docs/spec/WIRE.md sections 2.5 and 3).

``manifest`` is the top-level manifest's bytes, un-enveloped (the client reads ``layout`` at the
top level). Archives stream from the local store, or redirect to a presigned URL when the store
has them (S3), which the client follows without sending its key. ``preview``, ``annotations`` and
``shards/{n}`` exist for sharded datasets only; a single dataset is ``download/dataset``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.access import ReadPrincipal
from api.deps import ServicesDep
from api.downloads import ready_job, serve_archive
from api.schemas.common import REDIRECT, error_responses, file_response
from symage_pipeline.app.db import Job
from symage_pipeline.errors import SymageError, conflict
from symage_pipeline.keys import annotations_key, manifest_key, preview_key, readme_key, shard_key

router = APIRouter(prefix="/jobs", tags=["dataset"], responses=error_responses(401, 403, 404, 409, 422))
ZIP = {**file_response("The archive, streamed", "application/zip"), **REDIRECT}


def _sharded(job: Job, what: str) -> None:
    if job.bundle_layout != "sharded":
        raise conflict(
            "dataset_not_sharded", f"This job's dataset is a single archive (no {what}); use download/dataset."
        )


@router.get(
    "/{job_id}/dataset/manifest",
    response_class=Response,
    responses={
        200: {
            "description": "The top-level manifest (not enveloped)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def dataset_manifest(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    ready_job(services, principal.user_id, job_id)
    key = manifest_key(job_id)
    if not services.store.exists(key):
        raise conflict("output_unavailable", "This job has no dataset manifest.")
    return Response(services.store.get_bytes(key), media_type="application/json")


@router.get(
    "/{job_id}/dataset/readme", response_class=Response, responses=file_response("The dataset card", "text/markdown")
)
def dataset_readme(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    ready_job(services, principal.user_id, job_id)
    key = readme_key(job_id)
    if not services.store.exists(key):
        raise SymageError(404, "readme_not_found", "This job has no dataset card.")
    return Response(
        services.store.get_bytes(key),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="README_{job_id}.md"'},
    )


@router.get("/{job_id}/dataset/preview", response_class=Response, responses=ZIP)
def dataset_preview(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    job = ready_job(services, principal.user_id, job_id)
    _sharded(job, "preview")
    return serve_archive(services, preview_key(job_id), "preview.zip")


@router.get("/{job_id}/dataset/annotations", response_class=Response, responses=ZIP)
def dataset_annotations(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    job = ready_job(services, principal.user_id, job_id)
    _sharded(job, "annotations archive")
    return serve_archive(services, annotations_key(job_id), "annotations.zip")


@router.get("/{job_id}/dataset/shards/{index}", response_class=Response, responses=ZIP)
def dataset_shard(job_id: str, index: int, services: ServicesDep, principal: ReadPrincipal) -> Response:
    job = ready_job(services, principal.user_id, job_id)
    _sharded(job, "shards")
    key = shard_key(job_id, index)
    if index < 0 or not services.store.exists(key):
        raise SymageError(404, "shard_not_found", f"This dataset has no shard {index}.")
    return serve_archive(services, key, f"shard_{index:05d}.zip")
