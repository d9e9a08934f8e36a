"""Every artifact-store key of a job, in one place: the pipeline writes them, the API serves them.

A job owns everything under `jobs/<job_id>/`. Per-document files live under `files/` at the path
they take inside the dataset zip, so the bundle copies them without renaming.
"""

from __future__ import annotations


def job_prefix(job_id: str) -> str:
    return f"jobs/{job_id}"


def files_prefix(job_id: str) -> str:
    return f"{job_prefix(job_id)}/files"


def file_key(job_id: str, path: str) -> str:
    """The stored key of one dataset file (`pdfs/typed/x.pdf`, `ground_truth/json/x.json`, …)."""
    return f"{files_prefix(job_id)}/{path}"


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
