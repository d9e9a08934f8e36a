"""The dataset: one deterministic zip per job, plus the flat JSON/CSV downloads and the top-level manifest.

Same request + seed ⇒ byte-identical zip: entries in a fixed order with fixed timestamps and
modes, and the in-zip manifest holds only what the request determines (no job id, no clock).
The job id and creation time live in the top-level manifest served at `dataset/manifest`.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from symage_pipeline.catalog import Catalog
from symage_pipeline.generation import csv_columns, csv_row, files_prefix, ground_truth_records, job_prefix
from symage_pipeline.request import GenerationSpec
from symage_pipeline.storage import ArtifactStore

SCHEMA_VERSION = "2.0.0"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
GENERATOR = {
    "git_shas": ["dev"],
    "render_versions": ["typed-r1"],
    "finalizer_git_sha": "dev",
    "stamps_seen": 0,
    "stamps_unreadable": 0,
    "guard_key": None,
    "scope": "dataset",
}
SPLIT_RATIOS = (("train", 0.8), ("validation", 0.1), ("test", 0.1))


@dataclass(frozen=True)
class DatasetInfo:
    job_id: str
    key: str
    size_bytes: int
    documents: int
    files: int


def dataset_key(job_id: str) -> str:
    return f"{job_prefix(job_id)}/dataset.zip"


def manifest_key(job_id: str) -> str:
    return f"{job_prefix(job_id)}/manifest.json"


def download_key(job_id: str, fmt: str) -> str:
    return f"{job_prefix(job_id)}/data.{fmt}"


def splits(quantity: int) -> tuple[dict[str, Any], list[str]]:
    """80/10/10 by item, floor-allocated; the remainder goes to train; empty splits are omitted."""
    counts = {name: int(quantity * ratio) for name, ratio in SPLIT_RATIOS}
    counts["train"] += quantity - sum(counts.values())
    result: dict[str, Any] = {}
    omitted: list[str] = []
    start = 0
    for name, _ in SPLIT_RATIOS:
        n = counts[name]
        if n == 0:
            omitted.append(name)
            continue
        result[name] = {"count": n, "item_range": [start, start + n]}
        start += n
    return result, omitted


def _entry(name: str, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info


def _copy(store: ArtifactStore, key: str, sink: BinaryIO) -> None:
    with store.open_read(key) as source:
        while block := source.read(1 << 20):
            sink.write(block)


def inner_manifest(spec: GenerationSpec, catalog: Catalog, files: Iterable[str]) -> dict[str, Any]:
    paths = list(files)
    split_map, omitted = splits(spec.quantity)
    counts: dict[str, int] = {}
    for path in paths:
        top = "/".join(path.split("/")[:2])
        counts[top] = counts.get(top, 0) + 1
    return {
        "schema_version": SCHEMA_VERSION,
        "layout": "single",
        "seed": spec.seed,
        "form_ids": list(spec.form_ids),
        "output_formats": list(spec.output_formats),
        "quantity": spec.quantity,
        "document_count": spec.documents_total,
        "forms": [
            {"form_id": f, "name": catalog.get(f).name, "page_count": catalog.get(f).page_count} for f in spec.form_ids
        ],
        "dataset_info": {
            "generation_params": {
                "form_ids": list(spec.form_ids),
                "quantity": spec.quantity,
                "seed": spec.seed,
                "output_formats": list(spec.output_formats),
                "coherence_mode": spec.coherence_mode,
                "label_scheme": spec.label_scheme,
                "config": spec.config,
            }
        },
        "splits": split_map,
        "omitted_splits": omitted,
        "file_counts": dict(sorted(counts.items())),
        "generator": GENERATOR,
    }


def build_dataset(
    spec: GenerationSpec,
    catalog: Catalog,
    store: ArtifactStore,
    job_id: str,
    *,
    generated_at: datetime,
    created_via: str = "api_key",
) -> DatasetInfo:
    prefix = files_prefix(job_id)
    keys = store.list(prefix)
    rel_paths = [k[len(prefix) + 1 :] for k in keys]
    columns = csv_columns(spec, catalog)

    # JSON and CSV stream to the store record by record: memory stays flat whatever the quantity.
    with (
        store.open_write(download_key(job_id, "json")) as json_sink,
        store.open_write(download_key(job_id, "csv")) as csv_sink,
    ):
        text = io.TextIOWrapper(csv_sink, encoding="utf-8", newline="")
        writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        json_sink.write(b"[")
        for n, record in enumerate(ground_truth_records(spec, store, job_id)):
            writer.writerow(csv_row(record))
            json_sink.write((b"," if n else b"") + json.dumps(record, ensure_ascii=False, sort_keys=True).encode())
        json_sink.write(b"]")
        text.flush()
        text.detach()

    manifest = inner_manifest(spec, catalog, [*rel_paths, "ground_truth/data.csv"])
    with store.open_write(dataset_key(job_id)) as sink, zipfile.ZipFile(sink, "w") as archive:
        archive.writestr(_entry("manifest.json", True), json.dumps(manifest, indent=2, sort_keys=True))
        with archive.open(_entry("ground_truth/data.csv", True), "w") as entry:
            _copy(store, download_key(job_id, "csv"), entry)  # type: ignore[arg-type]
        for key, rel in zip(keys, rel_paths, strict=True):
            # PDFs are already compressed: storing them is 4x faster and costs ~11% in size.
            with archive.open(_entry(rel, not rel.endswith(".pdf")), "w") as entry:
                _copy(store, key, entry)  # type: ignore[arg-type]
    size = store.size(dataset_key(job_id))

    top = {
        "schema_version": SCHEMA_VERSION,
        "job_id": job_id,
        "generated_at": generated_at.isoformat(),
        "layout": "single",
        "seed": spec.seed,
        "form_ids": list(spec.form_ids),
        "output_formats": list(spec.output_formats),
        "total_bytes": size,
        "created_via": created_via,
        "dataset": {"key": dataset_key(job_id), "size_bytes": size},
        "dataset_info": manifest["dataset_info"],
        "splits": manifest["splits"],
        "omitted_splits": manifest["omitted_splits"],
        "generator": GENERATOR,
    }
    store.put_bytes(manifest_key(job_id), json.dumps(top, indent=2, sort_keys=True).encode())
    return DatasetInfo(job_id, dataset_key(job_id), size, spec.documents_total, len(keys) + 2)
