"""Per-item training data: the items of a job with signed file URLs, one item's files, all job files.

Every URL here is absolute and works without an API key (the official client fetches them with a
bare GET): presigned by S3, or signed by this API for the local store (``symage_pipeline.signing``).
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Query

from api.deps import ReadPrincipal, ServicesDep
from api.envelope import envelope
from api.routers.jobs import _ready_job
from api.services import Services
from symage_pipeline.bundle import (
    annotations_key,
    dataset_key,
    download_key,
    manifest_key,
    preview_key,
    readme_key,
    shard_key,
)
from symage_pipeline.bundle.items import build_item_index, content_type, find_item, item_count, read_items
from symage_pipeline.db import Job
from symage_pipeline.errors import SymageError, bad_request
from symage_pipeline.generation import files_prefix, job_prefix
from symage_pipeline.jobstate import iso
from symage_pipeline.request import GenerationSpec
from symage_pipeline.signing import FILE_URL_TTL, file_url

router = APIRouter(prefix="/jobs", tags=["items"])

MAX_ITEMS_PER_PAGE = 100


def job_spec(job: Job) -> GenerationSpec:
    return GenerationSpec(
        form_ids=tuple(job.form_ids),
        quantity=job.quantity,
        output_formats=tuple(job.output_formats),
        seed=job.effective_seed,
        config=dict(job.config or {}),
    )


def _ensure_index(services: Services, job: Job) -> int:
    """The item index is written by the bundle; a job that stopped before bundling gets one now."""
    count = item_count(services.store, job_prefix(job.job_id))
    if count is not None:
        return count
    prefix = files_prefix(job.job_id)
    paths = [k[len(prefix) + 1 :] for k in services.store.list(prefix)]
    return build_item_index(job_spec(job), services.store, job_prefix(job.job_id), paths)


def _file(services: Services, job_id: str, path: str, **extra: Any) -> dict[str, Any]:
    key = f"{files_prefix(job_id)}/{path}"
    return {
        "filename": path.rsplit("/", 1)[-1],
        "url": file_url(services.settings, services.store, key),
        "content_type": content_type(path),
        "path": path,
        **extra,
    }


def _item(services: Services, job: Job, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "item_id": row["item_id"],
        "item_index": row["item_index"],
        "form_id": row["form_id"],
        "status": "completed",
        "created_at": iso(job.completed_at),
        "files": [_file(services, job.job_id, p) for p in row["files"]],
    }


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"items:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, offset = raw.split(":", 1)
        if kind != "items" or not offset.isdigit():
            raise ValueError(raw)
        return int(offset)
    except Exception as exc:  # any malformed cursor is the caller's error, not ours
        raise bad_request("invalid_cursor", "The cursor is not one this API issued.") from exc


@router.get("/{job_id}/items")
def list_items(
    job_id: str,
    services: ServicesDep,
    principal: ReadPrincipal,
    limit: int = Query(default=50, ge=1),
    cursor: str | None = None,
) -> dict:
    """Items in item order (forms of an item in request order), ``limit`` clamped to 100."""
    job = _ready_job(services, principal.user_id, job_id)
    limit = min(limit, MAX_ITEMS_PER_PAGE)
    total = _ensure_index(services, job)
    offset = _decode_cursor(cursor) if cursor else 0
    rows = read_items(services.store, job_prefix(job_id), offset, limit)
    has_more = offset + len(rows) < total and bool(rows)
    return envelope(
        [_item(services, job, row) for row in rows],
        count=len(rows),
        total=total,
        has_more=has_more,
        next_cursor=_encode_cursor(offset + len(rows)) if has_more else None,
    )


@router.get("/{job_id}/items/{item_id}/download")
def download_item(job_id: str, item_id: str, services: ServicesDep, principal: ReadPrincipal) -> dict:
    job = _ready_job(services, principal.user_id, job_id)
    _ensure_index(services, job)
    row = find_item(services.store, job_prefix(job_id), job_spec(job), item_id)
    if row is None:
        raise SymageError(404, "item_not_found", f"Item {item_id!r} is not part of this job.")
    item = _item(services, job, row)
    return envelope({"job_id": job_id, **item, "expires_in": FILE_URL_TTL})


@router.get("/{job_id}/downloads")
def list_downloads(job_id: str, services: ServicesDep, principal: ReadPrincipal) -> dict:
    """Signed URLs for the job's archives and flat downloads, then per-item files (up to a limit)."""
    job = _ready_job(services, principal.user_id, job_id)
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
    total = _ensure_index(services, job)
    limit = settings.downloads_item_limit
    for row in read_items(store, job_prefix(job_id), 0, min(total, limit)):
        files.extend(_file(services, job_id, p, item_index=row["item_index"]) for p in row["files"])
    return envelope(
        {
            "job_id": job_id,
            "files": files,
            "expires_in": FILE_URL_TTL,
            "item_count": total,
            "items_truncated": total > limit,
        }
    )
