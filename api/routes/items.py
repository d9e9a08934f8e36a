"""Per-item training data: the items of a job with signed file URLs, one item's files, all job files.

Every URL here is absolute and works without an API key (the official client fetches them with a
bare GET). Archives are presigned by S3 or signed by this API for the local store
(``symage_pipeline.app.signing``); an item's files are members of its archive, so their URLs are
this API's files route, which reads the member out of the archive (``bundle.members``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.access import ReadPrincipal
from api.deps import ServicesDep
from api.downloads import ready_job
from api.envelope import envelope
from api.schemas.common import Envelope, error_responses
from api.schemas.jobs import Item, ItemDownload, JobDownloads
from api.services import Services
from symage_pipeline.app.cursors import decode_cursor, encode_cursor, invalid_cursor
from symage_pipeline.app.db import Job
from symage_pipeline.app.signing import FILE_URL_TTL, file_url
from symage_pipeline.app.times import iso
from symage_pipeline.bundle.items import content_type, ensure_item_index, find_item, read_items
from symage_pipeline.errors import SymageError
from symage_pipeline.keys import (
    annotations_key,
    archived_file_key,
    dataset_key,
    download_key,
    file_key,
    manifest_key,
    preview_key,
    readme_key,
    shard_key,
)

router = APIRouter(prefix="/jobs", tags=["items"], responses=error_responses(400, 401, 403, 404, 409, 422))

MAX_ITEMS_PER_PAGE = 100


def _file(services: Services, job_id: str, row: dict[str, Any], path: str, **extra: Any) -> dict[str, Any]:
    """One file of an item: a member of the archive its row names (`bundle.members`), or, for a job
    bundled before files lived only in archives, its own object."""
    archive = row.get("archive")
    key = archived_file_key(archive, path) if archive else file_key(job_id, path)
    return {
        "filename": path.rsplit("/", 1)[-1],
        "url": file_url(services.settings, services.store, key),
        "content_type": content_type(path),
        "path": path,
        **extra,
    }


def public_item_id(job_id: str, stem: str) -> str:
    """Item ids name one item of one job (`<job id>.<document stem>`), so an id never resolves
    under another job; `document_id` stays the stem the dataset's files are named by."""
    return f"{job_id}.{stem}"


def _item(services: Services, job: Job, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "item_id": public_item_id(job.job_id, row["item_id"]),
        "document_id": row["item_id"],
        "item_index": row["item_index"],
        "form_id": row["form_id"],
        "status": "completed",
        "created_at": iso(job.completed_at),
        "files": [_file(services, job.job_id, row, p) for p in row["files"]],
    }


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    (offset,) = decode_cursor(cursor, "items", 1)
    if not offset.isdigit() or len(offset) > 12:
        raise invalid_cursor()
    return int(offset)


@router.get("/{job_id}/items", response_model=Envelope[list[Item]])
def list_items(
    job_id: str,
    services: ServicesDep,
    principal: ReadPrincipal,
    limit: int = Query(default=50, ge=1),
    cursor: str | None = None,
) -> dict:
    """Items in item order (forms of an item in request order), ``limit`` clamped to 100."""
    job = ready_job(services, principal.user_id, job_id)
    limit = min(limit, MAX_ITEMS_PER_PAGE)
    total = ensure_item_index(job.spec, services.store, job.job_id)
    offset = _offset(cursor)
    rows = read_items(services.store, job_id, offset, limit)
    has_more = offset + len(rows) < total and bool(rows)
    return envelope(
        [_item(services, job, row) for row in rows],
        count=len(rows),
        total=total,
        has_more=has_more,
        next_cursor=encode_cursor("items", str(offset + len(rows))) if has_more else None,
    )


@router.get("/{job_id}/items/{item_id}/download", response_model=Envelope[ItemDownload])
def download_item(job_id: str, item_id: str, services: ServicesDep, principal: ReadPrincipal) -> dict:
    job = ready_job(services, principal.user_id, job_id)
    ensure_item_index(job.spec, services.store, job.job_id)
    # The item id names one item of one job; the bare document stem (what the files and data.csv
    # are named by) is accepted under its job's path too.
    owner, dot, stem = item_id.partition(".")
    if not dot:
        owner, stem = job.job_id, item_id
    row = find_item(services.store, job_id, job.spec, stem) if owner == job.job_id else None
    if row is None:
        raise SymageError(404, "item_not_found", f"Item {item_id!r} is not part of this job.")
    item = _item(services, job, row)
    return envelope({"job_id": job_id, **item, "expires_in": FILE_URL_TTL})


@router.get("/{job_id}/downloads", response_model=Envelope[JobDownloads])
def list_downloads(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> dict:
    """Signed URLs for the job's archives and flat downloads, then per-item files (up to a limit)."""
    job = ready_job(services, principal.user_id, job_id)
    store, settings = services.store, services.settings
    keys: list[tuple[str, str]] = []
    if job.bundle_layout == "sharded":
        keys += [(preview_key(job_id), "preview.zip"), (annotations_key(job_id), "annotations.zip")]
        index = 0
        while store.exists(shard_key(job_id, index)):
            keys.append((shard_key(job_id, index), f"shard_{index:05d}.zip"))
            index += 1
    else:
        keys.append((dataset_key(job_id), f"symage_{job_id}.zip"))
    keys += [
        (manifest_key(job_id), "manifest.json"),
        (readme_key(job_id), f"README_{job_id}.md"),
        (download_key(job_id, "json"), f"{job_id}.json"),
        (download_key(job_id, "csv"), f"{job_id}.csv"),
    ]
    files = [
        {
            "filename": name,
            "url": file_url(settings, store, key),
            "content_type": content_type(name),
            "item_index": None,
        }
        for key, name in keys
        if store.exists(key)
    ]
    total = ensure_item_index(job.spec, services.store, job.job_id)
    limit = settings.downloads_item_limit
    for row in read_items(store, job_id, 0, min(total, limit)):
        files.extend(_file(services, job_id, row, p, item_index=row["item_index"]) for p in row["files"])
    return envelope(
        {
            "job_id": job_id,
            "files": files,
            "expires_in": FILE_URL_TTL,
            "item_count": total,
            "items_truncated": total > limit,
        }
    )
