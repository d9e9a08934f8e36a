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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from symage_pipeline.annotate import csv_row
from symage_pipeline.annotate.dataset import DatasetFile, dataset_files
from symage_pipeline.annotate.labels import bio_tag_names, label_names
from symage_pipeline.annotate.outputs import WORK_DIR
from symage_pipeline.annotate.splits import splits
from symage_pipeline.bundle.card import dataset_card
from symage_pipeline.bundle.items import build_item_index, stem_parser
from symage_pipeline.bundle.parts import PARTS_DIR, PartIndex, copy_member, zip_entry
from symage_pipeline.catalog import Catalog
from symage_pipeline.document import document_stem
from symage_pipeline.keys import (
    annotations_key,
    dataset_key,
    download_key,
    files_prefix,
    ground_truth_key,
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
    spec: GenerationSpec, store: ArtifactStore, job_id: str, items: int | None = None
) -> Iterator[dict]:
    """Every document's ground truth in item order (of the first `items` items), streamed: keys are
    computed, not listed."""
    for item_index in range(spec.quantity if items is None else items):
        for form_id in spec.form_ids:
            yield json.loads(
                store.get_bytes(ground_truth_key(job_id, document_stem(form_id, item_index, spec.quantity)))
            )


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
    spec: GenerationSpec, catalog: Catalog, store: ArtifactStore, job_id: str, items: int | None = None
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
        for n, record in enumerate(ground_truth_records(spec, store, job_id, items)):
            writer.writerow(csv_row(record))
            json_sink.write((b"," if n else b"") + json.dumps(record, ensure_ascii=False, sort_keys=True).encode())
        json_sink.write(b"]")
        text.flush()
        text.detach()


def item_ranges(spec: GenerationSpec, shard_size: int | None, items: int | None = None) -> list[tuple[int, int]]:
    """Shard item ranges: whole items per shard (an identity's forms stay together), over the first
    `items` items (all by default)."""
    made = spec.quantity if items is None else items
    if not shard_size or spec.documents_total <= shard_size:
        return [(0, made)]
    per = max(1, shard_size // len(spec.form_ids))
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
    """Bundle the job's files. `items` < quantity bundles only the first `items` items: what a
    canceled job made (later items a parallel chunk left are not part of it)."""
    prefix = files_prefix(job_id)
    made = spec.quantity if items is None else items
    parse = stem_parser(spec)
    all_paths = [k[len(prefix) + 1 :] for k in store.list(prefix)]
    if made < spec.quantity:
        all_paths = [p for p in all_paths if (hit := parse(p)) is None or hit[0] < made]
    # The work area holds what chunks left for this step; it is not part of the dataset.
    rel_paths = [p for p in all_paths if not p.startswith(f"{WORK_DIR}/")]
    _write_flat_downloads(spec, catalog, store, job_id, made)
    ranges = item_ranges(spec, shard_size, made)
    layout = "single" if len(ranges) == 1 else "sharded"
    documents_made = made * len(spec.form_ids)

    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="symage-bundle-"))
        extra = dataset_files(spec, catalog, store, prefix, frozenset(all_paths), Path(tmp), ranges)
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

        parts = stack.enter_context(PartIndex(store, job_id))

        def doc_entries(paths: Iterable[str]) -> list[tuple[str, Source]]:
            """A document file from its chunk's part when it has one, else from the store."""
            return [(p, ("member", hit) if (hit := parts.get(p)) else ("store", f"{prefix}/{p}")) for p in paths]

        def ds_entries(files: Iterable[DatasetFile]) -> list[tuple[str, Source]]:
            return [(f.path, ("local", f.local)) for f in files]

        if layout == "single":
            entries = sorted([*doc_entries(rel_paths), *ds_entries(extra)])
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
            files = manifest["files"]["count"] + 1
        else:
            by_shard: list[list[str]] = [[] for _ in ranges]
            loose: list[str] = []
            shard_of_item = _shard_lookup(ranges)
            for p in rel_paths:
                hit = parse(p)
                (by_shard[shard_of_item(hit[0])] if hit else loose).append(p)
            shards = []
            total = files = 0
            for k, (start, stop) in enumerate(ranges):
                members = sorted([*doc_entries(by_shard[k]), *ds_entries(f for f in extra if f.shard == k)])
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
                files += manifest["files"]["count"]
            preview_items = max(1, PREVIEW_DOCUMENTS // len(spec.form_ids))
            preview_paths = [p for p in rel_paths if (hit := parse(p)) is not None and hit[0] < preview_items]
            preview_docs = min(preview_items, spec.quantity) * len(spec.form_ids)
            size, _ = _archive(
                store,
                preview_key(job_id),
                spec,
                catalog,
                [("README.md", card), *sorted(doc_entries(preview_paths))],
                layout=layout,
                archive={"kind": "preview", "item_range": [0, min(preview_items, spec.quantity)]},
                documents=preview_docs,
            )
            top["preview"] = {"key": preview_key(job_id), "size_bytes": size, "doc_count": preview_docs}
            total += size
            dataset_level = sorted([*doc_entries(loose), *ds_entries(f for f in extra if f.shard is None)])
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
            files += manifest["files"]["count"]

    store.delete_prefix(f"{prefix}/{PARTS_DIR}")  # copied into the archives; a re-run bundle reads the files
    build_item_index(spec, store, job_id, rel_paths)
    split_map, omitted = splits(spec.quantity)
    top.update(
        {
            "total_bytes": total,
            "document_count": documents_made,
            "quantity": spec.quantity,
            "file_count": files,
            "labels": _labels(spec, catalog),
            "dataset_info": inner_manifest(spec, catalog, [])["dataset_info"],
            "splits": split_map,
            "omitted_splits": omitted,
            "generator": GENERATOR,
        }
    )
    store.put_bytes(manifest_key(job_id), _json(top))
    key = dataset_key(job_id) if layout == "single" else manifest_key(job_id)
    return DatasetInfo(job_id, key, total, documents_made, files, layout)


def _shard_lookup(ranges: Sequence[tuple[int, int]]):  # type: ignore[no-untyped-def]
    per = ranges[0][1] - ranges[0][0]
    return lambda item: min(item // per, len(ranges) - 1)
