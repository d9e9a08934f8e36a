"""Every artifact-store key of a job, in one place: the pipeline writes them, the API serves them.

A job owns everything under `jobs/<job_id>/`. A dataset's files are members of its archives
(`dataset.zip` or `shards/shard_<n>.zip`), and one file is addressed as `<archive key>/<path>`
(`archived_file_key`): the archive's key, then the path the file takes inside it. Under `files/`
a job keeps only its work area (the chunks' zip parts, the bundle's inputs); jobs bundled before
issue 10 also hold one object per file there, at `file_key`.
"""

from __future__ import annotations


def job_prefix(job_id: str) -> str:
    return f"jobs/{job_id}"


def files_prefix(job_id: str) -> str:
    return f"{job_prefix(job_id)}/files"


def file_key(job_id: str, path: str) -> str:
    """The stored key of one dataset file (`pdfs/typed/x.pdf`, `ground_truth/json/x.json`, …)."""
    return f"{files_prefix(job_id)}/{path}"


def archived_file_key(archive_key: str, path: str) -> str:
    """One dataset file inside its archive: `jobs/<id>/shards/shard_00003.zip/pdfs/typed/x.pdf`."""
    return f"{archive_key}/{path}"


def split_archived_file_key(key: str) -> tuple[str, str] | None:
    """(archive key, path inside it) of an `archived_file_key`, else None."""
    archive, zip_, path = key.partition(".zip/")
    return (archive + ".zip", path) if zip_ and path else None


def items_prefix(job_id: str) -> str:
    """The paged item index the `/items` endpoints read."""
    return f"{job_prefix(job_id)}/items"


def dataset_key(job_id: str) -> str:
    return f"{job_prefix(job_id)}/dataset.zip"


def manifest_key(job_id: str) -> str:
    return f"{job_prefix(job_id)}/manifest.json"


def readme_key(job_id: str) -> str:
    return f"{job_prefix(job_id)}/README.md"


def preview_key(job_id: str) -> str:
    return f"{job_prefix(job_id)}/preview.zip"


def annotations_key(job_id: str) -> str:
    return f"{job_prefix(job_id)}/annotations.zip"


def shards_prefix(job_id: str) -> str:
    return f"{job_prefix(job_id)}/shards"


def shard_key(job_id: str, index: int) -> str:
    return f"{shards_prefix(job_id)}/shard_{index:05d}.zip"


def download_key(job_id: str, fmt: str) -> str:
    """The flat whole-job downloads: `json` and `csv`."""
    return f"{job_prefix(job_id)}/data.{fmt}"


def table_key(job_id: str, fmt: str) -> str:
    """A tabular job's file: `csv` or `json`."""
    return f"{job_prefix(job_id)}/table.{fmt}"
