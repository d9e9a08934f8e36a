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

Packaging streams: files are copied store → zip a block at a time, dataset-level exports are
written through spill files (``annotate.dataset``), so memory does not grow with the job.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from symage_pipeline.annotate import csv_row
from symage_pipeline.annotate.dataset import DatasetFile, dataset_files
from symage_pipeline.annotate.labels import bio_tag_names, label_names
from symage_pipeline.annotate.outputs import WORK_DIR, ground_truth_path
from symage_pipeline.annotate.splits import splits
from symage_pipeline.bundle.card import dataset_card
from symage_pipeline.bundle.items import ItemIndexWriter, stem_parser
from symage_pipeline.bundle.parts import PARTS_DIR, Parts, ShardFiles, copy_member, items_per_shard, zip_entry
from symage_pipeline.catalog import Catalog
from symage_pipeline.document import document_stem
from symage_pipeline.keys import (
    annotations_key,
    dataset_key,
    download_key,
    files_prefix,
    manifest_key,
    preview_key,
    readme_key,
    shard_key,
)
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import ArtifactStore

__all__ = ["GENERATOR", "SCHEMA_VERSION", "DatasetInfo", "build_dataset", "csv_columns", "inner_manifest", "splits"]

SCHEMA_VERSION = "2.0.0"
GENERATOR = {
    "git_shas": ["dev"],
    "render_versions": ["typed-r1"],
    "finalizer_git_sha": "dev",
    "stamps_seen": 0,
    "stamps_unreadable": 0,
    "guard_key": None,
    "scope": "dataset",
}
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


def ground_truth_records(
    spec: GenerationSpec, files_of: FilesOf, ranges: Sequence[tuple[int, int]]
) -> Iterator[dict]:
    """Every document's ground truth in item order, one shard's files open at a time: paths are
    computed, not listed."""
    for start, stop in ranges:
        with files_of(start, stop) as files:
            for item_index in range(start, stop):
                for form_id in spec.form_ids:
                    yield json.loads(files.read(ground_truth_path(document_stem(form_id, item_index, spec.quantity))))


def csv_columns(spec: GenerationSpec, catalog: Catalog) -> list[str]:
    columns = ["document_id", "form_id", "item_index"]
    for form_id in spec.form_ids:
        for field in catalog.get(form_id).fields:
            if field.id not in columns:
                columns.append(field.id)
    return columns


# ------------------------------------------------------------------------------------ zip writing

# An entry's source: bytes, ("store", key), ("local", path) or ("member", (part file, ZipInfo)):
# a chunk's zip part member, copied without recompressing (bundle/parts.py).
Source = bytes | tuple[str, Any]
# The parts' files of the items [start, stop), open for the block.
FilesOf = Callable[[int, int], contextlib.AbstractContextManager[ShardFiles]]


def _copy(source: BinaryIO, sink: BinaryIO) -> None:
    while block := source.read(1 << 20):
        sink.write(block)


def _size(store: ArtifactStore, source: Source) -> int:
    if isinstance(source, bytes):
        return len(source)
    kind, ref = source
    if kind == "member":
        return ref[1].file_size
    return store.size(ref) if kind == "store" else Path(ref).stat().st_size


def _write_zip(store: ArtifactStore, key: str, entries: Iterable[tuple[str, Source, int]]) -> int:
    with store.open_write(key) as sink, zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
        for name, source, size in entries:
            if isinstance(source, bytes):
                archive.writestr(zip_entry(name), source)
                continue
            kind, ref = source
            if kind == "member":
                copy_member(archive, *ref)
                continue
            # A streamed entry must say up front if it will need ZIP64 sizes (a parquet piece of a
            # big single-zip job can pass 2 GiB); the rest keep the plain, smaller headers.
            with archive.open(zip_entry(name), "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as entry:
                if kind == "store":
                    with store.open_read(ref) as data:
                        _copy(data, entry)  # type: ignore[arg-type]
                else:
                    with Path(ref).open("rb") as data:
                        _copy(data, entry)  # type: ignore[arg-type]
    return store.size(key)


# ------------------------------------------------------------------------------------ manifests


def _labels(spec: GenerationSpec, catalog: Catalog) -> dict[str, Any]:
    names = label_names([catalog.get(f) for f in spec.form_ids], spec.label_scheme)
    return {"scheme": spec.label_scheme, "names": list(names), "bio_tags": list(bio_tag_names(names))}


def _file_stats(sizes: Iterable[tuple[str, int]]) -> dict[str, Any]:
    by_dir: dict[str, dict[str, int]] = {}
    count = total = 0
    for path, size in sizes:
        top = "/".join(path.split("/")[:2]) if "/" in path else path
        stats = by_dir.setdefault(top, {"count": 0, "bytes": 0})
        stats["count"] += 1
        stats["bytes"] += size
        count += 1
        total += size
    return {"count": count, "bytes": total, "by_directory": dict(sorted(by_dir.items()))}


def inner_manifest(
    spec: GenerationSpec,
    catalog: Catalog,
    files: Iterable[str | tuple[str, int]],
    *,
    layout: str = "single",
    archive: dict[str, Any] | None = None,
    documents: int | None = None,
) -> dict[str, Any]:
    """The manifest.json inside an archive: request-determined facts, counts scoped to the archive."""
    sized = [(f, 0) if isinstance(f, str) else f for f in files]
    stats = _file_stats(sized)
    split_map, omitted = splits(spec.quantity)
    return {
        "schema_version": SCHEMA_VERSION,
        "layout": layout,
        "archive": archive or {"kind": "dataset"},
        "seed": spec.seed,
        "form_ids": list(spec.form_ids),
        "output_formats": list(spec.output_formats),
        "quantity": spec.quantity,
        "document_count": spec.documents_total if documents is None else documents,
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
        "labels": _labels(spec, catalog),
        "splits": split_map,
        "omitted_splits": omitted,
        "file_counts": {d: s["count"] for d, s in stats["by_directory"].items()},
        "files": stats,
        "generator": GENERATOR,
    }


def _json(obj: Any) -> bytes:
    return json.dumps(obj, indent=2, sort_keys=True).encode()


def _archive(
    store: ArtifactStore,
    key: str,
    spec: GenerationSpec,
    catalog: Catalog,
    entries: Sequence[tuple[str, Source]],
    *,
    layout: str,
    archive: dict[str, Any],
    documents: int,
) -> tuple[int, dict[str, Any]]:
    """Write one archive: manifest.json first, then ``entries`` (already in their final order)."""
    sizes = [(name, _size(store, source)) for name, source in entries]
    manifest = inner_manifest(spec, catalog, sizes, layout=layout, archive=archive, documents=documents)
    head = _json(manifest)
    sized = [(name, source, size) for (name, source), (_, size) in zip(entries, sizes, strict=True)]
    size = _write_zip(store, key, [("manifest.json", head, len(head)), *sized])
    return size, manifest


# ------------------------------------------------------------------------------------ the build


def _write_flat_downloads(
    spec: GenerationSpec,
    catalog: Catalog,
    store: ArtifactStore,
    job_id: str,
    files_of: FilesOf,
    ranges: Sequence[tuple[int, int]],
) -> None:
    """data.json and data.csv stream to the store record by record: memory stays flat."""
    columns = csv_columns(spec, catalog)
    with (
        store.open_write(download_key(job_id, "json")) as json_sink,
        store.open_write(download_key(job_id, "csv")) as csv_sink,
    ):
        text = io.TextIOWrapper(csv_sink, encoding="utf-8", newline="")
        writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        json_sink.write(b"[")
        for n, record in enumerate(ground_truth_records(spec, files_of, ranges)):
            writer.writerow(csv_row(record))
            json_sink.write((b"," if n else b"") + json.dumps(record, ensure_ascii=False, sort_keys=True).encode())
        json_sink.write(b"]")
        text.flush()
        text.detach()


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
    """Bundle what the job's chunks left in their parts, one shard's items at a time. `items` <
    quantity bundles only the first `items` items: what a canceled or failed job made (later
    items a parallel chunk left are not part of it); its parts stay, so a later re-execution of
    the failed chunks can still bundle the whole dataset."""
    made = spec.quantity if items is None else items
    parse = stem_parser(spec)
    ranges = item_ranges(spec, shard_size, made)
    layout = "single" if len(ranges) == 1 else "sharded"
    documents_made = made * len(spec.form_ids)

    with contextlib.ExitStack() as stack:
        parts = stack.enter_context(Parts(store, job_id))
        if not parts and items is None and store.exists(manifest_key(job_id)):
            return _bundled(store, job_id)  # a retried bundle whose first attempt ended after clearing the parts

        def files_of(start: int, stop: int) -> contextlib.AbstractContextManager[ShardFiles]:
            return parts.items(start, stop, lambda path: hit[0] if (hit := parse(path)) else None)

        _write_flat_downloads(spec, catalog, store, job_id, files_of, ranges)
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="symage-bundle-"))
        extra = dataset_files(spec, catalog, files_of, Path(tmp), ranges)
        hf_surfaces = sorted({f.path.split("/")[2] for f in extra if f.path.startswith("annotations/hf/")})
        card = dataset_card(spec, catalog, hf_surfaces=hf_surfaces, layout=layout).encode()
        store.put_bytes(readme_key(job_id), card)
        csv_source: Source = ("store", download_key(job_id, "csv"))
        top: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "job_id": job_id,
            "generated_at": generated_at.isoformat(),
            "layout": layout,
            "seed": spec.seed,
            "form_ids": list(spec.form_ids),
            "output_formats": list(spec.output_formats),
            "created_via": created_via,
            "readme": {"key": readme_key(job_id), "size_bytes": len(card)},
        }
        index = stack.enter_context(ItemIndexWriter(spec, store, job_id))

        def doc_entries(files: ShardFiles) -> list[tuple[str, Source]]:
            """The shard's dataset files, copied from the parts; work files are not shipped."""
            index.add(files)
            return [(p, ("member", files.get(p))) for p in files if not p.startswith(f"{WORK_DIR}/")]

        def ds_entries(files: Iterable[DatasetFile]) -> list[tuple[str, Source]]:
            return [(f.path, ("local", f.local)) for f in files]

        if layout == "single":
            with files_of(*ranges[0]) as files:
                entries = sorted([*doc_entries(files), *ds_entries(extra)])
                size, manifest = _archive(
                    store,
                    dataset_key(job_id),
                    spec,
                    catalog,
                    [("README.md", card), ("ground_truth/data.csv", csv_source), *entries],
                    layout=layout,
                    archive={"kind": "dataset"},
                    documents=documents_made,
                )
            top["dataset"] = {"key": dataset_key(job_id), "size_bytes": size}
            total = size
            files_total = manifest["files"]["count"] + 1
        else:
            shards = []
            total = files_total = 0
            for k, (start, stop) in enumerate(ranges):
                with files_of(start, stop) as files:
                    members = sorted([*doc_entries(files), *ds_entries(f for f in extra if f.shard == k)])
                    size, manifest = _archive(
                        store,
                        shard_key(job_id, k),
                        spec,
                        catalog,
                        members,
                        layout=layout,
                        archive={"kind": "shard", "index": k, "item_range": [start, stop]},
                        documents=(stop - start) * len(spec.form_ids),
                    )
                coverage = sorted({m[0].split("/")[1] for m in members if m[0].startswith("annotations/")})
                shards.append(
                    {
                        "index": k,
                        "key": shard_key(job_id, k),
                        "size_bytes": size,
                        "doc_count": (stop - start) * len(spec.form_ids),
                        "item_range": [start, stop],
                        "annotation_coverage": coverage,
                    }
                )
                total += size
                files_total += manifest["files"]["count"]
            preview_items = max(1, PREVIEW_DOCUMENTS // len(spec.form_ids))
            preview_docs = min(preview_items, spec.quantity) * len(spec.form_ids)
            with files_of(0, min(preview_items, made)) as files:
                preview = [(p, ("member", files.get(p))) for p in files if not p.startswith(f"{WORK_DIR}/")]
                size, _ = _archive(
                    store,
                    preview_key(job_id),
                    spec,
                    catalog,
                    [("README.md", card), *sorted(preview)],
                    layout=layout,
                    archive={"kind": "preview", "item_range": [0, min(preview_items, spec.quantity)]},
                    documents=preview_docs,
                )
            top["preview"] = {"key": preview_key(job_id), "size_bytes": size, "doc_count": preview_docs}
            total += size
            dataset_level = sorted(ds_entries(f for f in extra if f.shard is None))
            size, manifest = _archive(
                store,
                annotations_key(job_id),
                spec,
                catalog,
                [("README.md", card), ("ground_truth/data.csv", csv_source), *dataset_level],
                layout=layout,
                archive={"kind": "annotations"},
                documents=0,
            )
            top["annotations"] = {"key": annotations_key(job_id), "size_bytes": size}
            top["shards"] = shards
            total += size
            files_total += manifest["files"]["count"]

    split_map, omitted = splits(spec.quantity)
    top.update(
        {
            "total_bytes": total,
            "document_count": documents_made,
            "quantity": spec.quantity,
            "file_count": files_total,
            "labels": _labels(spec, catalog),
            "dataset_info": inner_manifest(spec, catalog, [])["dataset_info"],
            "splits": split_map,
            "omitted_splits": omitted,
            "generator": GENERATOR,
        }
    )
    store.put_bytes(manifest_key(job_id), _json(top))
    if items is None:  # copied into the archives: cleared last, so a retried bundle finds them or the manifest
        store.delete_prefix(f"{files_prefix(job_id)}/{PARTS_DIR}")
    key = dataset_key(job_id) if layout == "single" else manifest_key(job_id)
    return DatasetInfo(job_id, key, total, documents_made, files_total, layout)


def _bundled(store: ArtifactStore, job_id: str) -> DatasetInfo:
    """The dataset an earlier attempt finished, from its top-level manifest."""
    top = json.loads(store.get_bytes(manifest_key(job_id)))
    key = dataset_key(job_id) if top["layout"] == "single" else manifest_key(job_id)
    return DatasetInfo(job_id, key, top["total_bytes"], top["document_count"], top["file_count"], top["layout"])
