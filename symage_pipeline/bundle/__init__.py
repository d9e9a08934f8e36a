"""The dataset: deterministic zip(s) per job, the flat JSON/CSV downloads, the card and the manifests.

Same request + seed ⇒ byte-identical archives: entries in a fixed order with fixed timestamps and
modes, and every in-archive manifest holds only what the request (and the server's shard size)
determines: no job id, no clock. The job id and creation time live in the top-level manifest
served at ``dataset/manifest``.

Two layouts (docs/spec/WIRE.md section 3):

* ``single``: ``dataset.zip`` holds everything.
* ``sharded`` (more documents than ``shard_size``): ``shards/shard_<k>.zip`` hold the documents
  of consecutive items (each with the parquet pieces and YOLO labels of those items),
  ``annotations.zip`` the dataset-level files, ``preview.zip`` the first few documents. Every
  archive carries its own ``manifest.json`` scoped to its contents; unpacked into one folder they
  give the same tree as a single zip.

Packaging streams, a shard at a time: documents are copied from the chunks' zip parts without
recompressing (``parts``), exports are written through spill files (``annotate.dataset``), so
memory is bounded by the shard size, not the job's. Each shard is bundled on its own
(``shards``): by the chunk step that made it whole when there is one, so a fanned-out job bundles
in parallel; this step bundles the rest and joins the dataset-level files.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from symage_pipeline.annotate.dataset import DatasetFile, dataset_files, merge_exports
from symage_pipeline.annotate.outputs import WORK_DIR
from symage_pipeline.annotate.splits import splits
from symage_pipeline.bundle.archive import (
    GENERATOR,
    SCHEMA_VERSION,
    Source,
    inner_manifest,
    json_bytes,
    labels_info,
    local_entries,
    write_archive,
)
from symage_pipeline.bundle.card import dataset_card
from symage_pipeline.bundle.downloads import csv_columns, join_downloads, record_runs, write_downloads
from symage_pipeline.bundle.items import finish_item_index, item_rows, write_item_pages
from symage_pipeline.bundle.parts import Parts, items_per_shard
from symage_pipeline.bundle.shards import bundle_shard, shard_exports_of, summary, work_key
from symage_pipeline.catalog import Catalog
from symage_pipeline.keys import (
    annotations_key,
    dataset_key,
    download_key,
    files_prefix,
    manifest_key,
    preview_key,
    readme_key,
    shard_key,
    shards_prefix,
)
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import ArtifactStore

__all__ = [
    "GENERATOR",
    "SCHEMA_VERSION",
    "DatasetInfo",
    "build_dataset",
    "bundle_shard",
    "csv_columns",
    "inner_manifest",
    "item_ranges",
    "splits",
]

# Documents in preview.zip of a sharded dataset: enough to look at, small enough to fetch first.
PREVIEW_DOCUMENTS = 20


@dataclass(frozen=True)
class DatasetInfo:
    job_id: str
    key: str  # dataset.zip (single) or the top-level manifest (sharded)
    size_bytes: int  # all archives together
    documents: int
    files: int
    layout: str = "single"


def item_ranges(spec: GenerationSpec, shard_size: int | None, items: int | None = None) -> list[tuple[int, int]]:
    """Shard item ranges: whole items per shard (an identity's forms stay together), over the first
    `items` items (all by default)."""
    made = spec.quantity if items is None else items
    per = items_per_shard(spec, shard_size or 0)
    if not per:
        return [(0, made)]
    return [(start, min(start + per, made)) for start in range(0, spec.quantity, per) if start < made] or [(0, 0)]


def build_dataset(
    spec: GenerationSpec,
    catalog: Catalog,
    store: ArtifactStore,
    job_id: str,
    *,
    generated_at: datetime,
    created_via: str = "api_key",
    shard_size: int | None = None,
    items: int | None = None,
) -> DatasetInfo:
    """Bundle what the job's chunks left in their parts. `items` < quantity bundles only the first
    `items` items: what a canceled or failed job made (later items a parallel chunk left are not
    part of it); its parts stay, so a later re-execution of the failed chunks can still bundle
    the whole dataset."""
    made = spec.quantity if items is None else items
    ranges = item_ranges(spec, shard_size, made)
    layout = "single" if len(ranges) == 1 else "sharded"
    documents_made = made * len(spec.form_ids)

    with contextlib.ExitStack() as stack:
        parts = stack.enter_context(Parts(store, job_id, spec))
        if not parts and items is None and store.exists(manifest_key(job_id)):
            return _bundled(store, job_id)  # a retried bundle whose first attempt ended after clearing the parts

        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="symage-bundle-")))
        top: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "job_id": job_id,
            "generated_at": generated_at.isoformat(),
            "layout": layout,
            "seed": spec.seed,
            "form_ids": list(spec.form_ids),
            "output_formats": list(spec.output_formats),
            "created_via": created_via,
        }
        csv_source: Source = ("store", download_key(job_id, "csv"))

        if layout == "single":
            start, stop = ranges[0]
            # One reading of the parts' central directories for the downloads, the exports and the
            # archive: each reading was ~0.06 ms a document.
            with parts.items(start, stop) as files:
                write_downloads(spec, catalog, store, job_id, record_runs(spec, files, start, stop))
                extra = dataset_files(spec, catalog, lambda _start, _stop: contextlib.nullcontext(files), tmp, ranges)
                card = _card(spec, catalog, store, job_id, top, extra, layout)
                size, manifest = write_archive(
                    store,
                    dataset_key(job_id),
                    spec,
                    catalog,
                    [
                        ("README.md", card),
                        ("ground_truth/data.csv", csv_source),
                        *sorted([*files.shipped(), *local_entries(extra)]),
                    ],
                    layout=layout,
                    archive={"kind": "dataset"},
                    documents=documents_made,
                )
                rows = item_rows(spec, files, dataset_key(job_id))
            finish_item_index(store, job_id, [write_item_pages(store, job_id, 0, rows)], len(rows))
            top["dataset"] = {"key": dataset_key(job_id), "size_bytes": size}
            total = size
            files_total = manifest["files"]["count"] + 1
        else:
            # Shards a chunk bundled whole are read from their summaries; the rest are bundled here.
            summaries = [
                summary(store, job_id, k, ranges) or bundle_shard(spec, catalog, store, job_id, ranges, k, parts)
                for k in range(len(ranges))
            ]
            join_downloads(spec, catalog, store, job_id, [
                (work_key(job_id, s["entry"]["index"], "data.json.part"),
                 work_key(job_id, s["entry"]["index"], "data.csv.part"), s["records"]) for s in summaries])  # fmt: skip
            with shard_exports_of(store, job_id, summaries) as exports:
                extra = merge_exports(spec, catalog, exports, tmp)
            surfaces = [x for s in summaries for x in s["surfaces"]]
            card = _card(spec, catalog, store, job_id, top, extra, layout, surfaces)
            total = sum(s["entry"]["size_bytes"] for s in summaries)
            files_total = sum(s["files"] for s in summaries)
            preview_items = max(1, PREVIEW_DOCUMENTS // len(spec.form_ids))
            preview_docs = min(preview_items, spec.quantity) * len(spec.form_ids)
            with parts.items(0, min(preview_items, made)) as files:
                size, _ = write_archive(
                    store,
                    preview_key(job_id),
                    spec,
                    catalog,
                    [("README.md", card), *sorted(files.shipped())],
                    layout=layout,
                    archive={"kind": "preview", "item_range": [0, min(preview_items, spec.quantity)]},
                    documents=preview_docs,
                )
            top["preview"] = {"key": preview_key(job_id), "size_bytes": size, "doc_count": preview_docs}
            total += size
            size, manifest = write_archive(
                store,
                annotations_key(job_id),
                spec,
                catalog,
                [("README.md", card), ("ground_truth/data.csv", csv_source), *sorted(local_entries(extra))],
                layout=layout,
                archive={"kind": "annotations"},
                documents=0,
            )
            top["annotations"] = {"key": annotations_key(job_id), "size_bytes": size}
            top["shards"] = [s["entry"] for s in summaries]
            total += size
            files_total += manifest["files"]["count"]
            finish_item_index(store, job_id, [s["item_edges"] for s in summaries], sum(s["items"] for s in summaries))

    split_map, omitted = splits(spec.quantity)
    top.update(
        {
            "total_bytes": total,
            "document_count": documents_made,
            "quantity": spec.quantity,
            "file_count": files_total,
            "labels": labels_info(spec, catalog),
            "dataset_info": inner_manifest(spec, catalog, [])["dataset_info"],
            "splits": split_map,
            "omitted_splits": omitted,
            "generator": GENERATOR,
        }
    )
    store.put_bytes(manifest_key(job_id), json_bytes(top))
    # Shards chunks bundled for a whole job that a canceled or failed one does not reach.
    listed = {shard_key(job_id, k) for k in range(len(ranges))} if layout == "sharded" else set()
    for key in store.list(shards_prefix(job_id)):
        if key not in listed:
            store.delete(key)
    if items is None:  # copied into the archives: cleared last, so a retried bundle finds them or the manifest
        store.delete_prefix(f"{files_prefix(job_id)}/{WORK_DIR}")
    store.discard_unfinished(files_prefix(job_id))  # every chunk has ended: a leftover is a killed writer's
    key = dataset_key(job_id) if layout == "single" else manifest_key(job_id)
    return DatasetInfo(job_id, key, total, documents_made, files_total, layout)


def _card(
    spec: GenerationSpec,
    catalog: Catalog,
    store: ArtifactStore,
    job_id: str,
    top: dict[str, Any],
    extra: Sequence[DatasetFile],
    layout: str,
    surfaces: Sequence[str] = (),
) -> bytes:
    """The dataset card (README.md), stored beside the archives and recorded in the manifest."""
    hf = {f.path.split("/")[2] for f in extra if f.path.startswith("annotations/hf/")} | set(surfaces)
    card = dataset_card(spec, catalog, hf_surfaces=sorted(hf), layout=layout).encode()
    store.put_bytes(readme_key(job_id), card)
    top["readme"] = {"key": readme_key(job_id), "size_bytes": len(card)}
    return card


def _bundled(store: ArtifactStore, job_id: str) -> DatasetInfo:
    """The dataset an earlier attempt finished, from its top-level manifest."""
    top = json.loads(store.get_bytes(manifest_key(job_id)))
    key = dataset_key(job_id) if top["layout"] == "single" else manifest_key(job_id)
    return DatasetInfo(job_id, key, top["total_bytes"], top["document_count"], top["file_count"], top["layout"])
