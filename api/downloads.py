"""Serving stored artifacts over HTTP: streamed from the store, or a redirect to a presigned URL."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.responses import RedirectResponse, Response, StreamingResponse

from api.services import Services
from symage_pipeline.app.db import Job
from symage_pipeline.app.records import DOWNLOADABLE, load_job
from symage_pipeline.app.signing import DATASET_URL_TTL
from symage_pipeline.app.times import is_past
from symage_pipeline.errors import SymageError, conflict
from symage_pipeline.storage import ArtifactStore


def ready_job(services: Services, user_id: str, job_id: str, kind: str = "documents") -> Job:
    """A job whose outputs can be served: terminal (partial output of a job that stopped early
    too, SDK README) and not past its retention (410 then, even before the sweep has run)."""
    job = load_job(services.db, user_id, job_id, kind)
    if job.status == "expired" or (job.status in DOWNLOADABLE and is_past(job.expires_at)):
        raise SymageError(410, "job_expired", "This job's outputs have expired (they are kept 48 hours).")
    if job.status not in DOWNLOADABLE:
        raise conflict("job_not_completed", f"Job is not completed (status: {job.status}).")
    return job


def _stream(store: ArtifactStore, key: str) -> Iterator[bytes]:
    with store.open_read(key) as source:
        while block := source.read(1 << 16):
            yield block


def artifact_response(
    store: ArtifactStore, key: str, media_type: str, filename: str, disposition: str = "attachment"
) -> Response:
    return StreamingResponse(
        _stream(store, key),
        media_type=media_type,
        headers={
            "Content-Length": str(store.size(key)),
            "Content-Disposition": f'{disposition}; filename="{filename}"',
        },
    )


def serve_archive(services: Services, key: str, filename: str) -> Response:
    """Redirect to the store's presigned URL when it has one (S3), else stream the archive."""
    url = services.store.presigned_url(key, DATASET_URL_TTL)
    if url is not None:
        return RedirectResponse(url, status_code=307)
    return artifact_response(services.store, key, "application/zip", filename)
