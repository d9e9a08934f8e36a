"""The dataset surface the client's ``download_dataset`` walks (WIRE.md sections 2.5 and 3).

``manifest`` is the top-level manifest's bytes, un-enveloped (the client reads ``layout`` at the
top level). Archives stream from the local store, or redirect to a presigned URL when the store
has them (S3), which the client follows without sending its key. ``preview``, ``annotations`` and
``shards/{n}`` exist for sharded datasets only; a single dataset is ``download/dataset``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from api.deps import ReadPrincipal, ServicesDep
from api.routers.jobs import _ready_job, artifact_response
from api.services import Services
from symage_pipeline.bundle import annotations_key, manifest_key, preview_key, readme_key, shard_key
from symage_pipeline.db import Job
from symage_pipeline.errors import SymageError, conflict
from symage_pipeline.signing import DATASET_URL_TTL

router = APIRouter(prefix="/jobs", tags=["dataset"])


def serve_archive(services: Services, key: str, filename: str) -> Response:
    """Redirect to the store's presigned URL when it has one, else stream the archive."""
    url = services.store.presigned_url(key, DATASET_URL_TTL)
    if url is not None:
        return RedirectResponse(url, status_code=307)
    return artifact_response(services.store, key, "application/zip", filename)


def _sharded(job: Job, what: str) -> None:
    if job.bundle_layout != "sharded":
        raise conflict(
            "dataset_not_sharded", f"This job's dataset is a single archive (no {what}); use download/dataset."
        )


@router.get("/{job_id}/dataset/manifest")
def dataset_manifest(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    _ready_job(services, principal.user_id, job_id)
    key = manifest_key(job_id)
    if not services.store.exists(key):
        raise conflict("output_unavailable", "This job has no dataset manifest.")
    return Response(services.store.get_bytes(key), media_type="application/json")


@router.get("/{job_id}/dataset/readme")
def dataset_readme(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    _ready_job(services, principal.user_id, job_id)
    key = readme_key(job_id)
    if not services.store.exists(key):
        raise SymageError(404, "readme_not_found", "This job has no dataset card.")
    return Response(
        services.store.get_bytes(key),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="README_{job_id}.md"'},
    )


@router.get("/{job_id}/dataset/preview")
def dataset_preview(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    job = _ready_job(services, principal.user_id, job_id)
    _sharded(job, "preview")
    return serve_archive(services, preview_key(job_id), "preview.zip")


@router.get("/{job_id}/dataset/annotations")
def dataset_annotations(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> Response:
    job = _ready_job(services, principal.user_id, job_id)
    _sharded(job, "annotations archive")
    return serve_archive(services, annotations_key(job_id), "annotations.zip")


@router.get("/{job_id}/dataset/shards/{index}")
def dataset_shard(job_id: str, index: int, services: ServicesDep, principal: ReadPrincipal) -> Response:
    job = _ready_job(services, principal.user_id, job_id)
    _sharded(job, "shards")
    key = shard_key(job_id, index)
    if index < 0 or not services.store.exists(key):
        raise SymageError(404, "shard_not_found", f"This dataset has no shard {index}.")
    return serve_archive(services, key, f"shard_{index:05d}.zip")
