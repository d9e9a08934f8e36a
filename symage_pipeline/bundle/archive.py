"""Archive writing and the manifests inside them: one deterministic zip from entries in their
final order, manifest.json first, every member with `zip_entry`'s fixed settings."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from symage_pipeline.annotate.dataset import DatasetFile
from symage_pipeline.annotate.labels import bio_tag_names, label_names
from symage_pipeline.annotate.splits import splits
from symage_pipeline.bundle.parts import copy_member, zip_entry
from symage_pipeline.catalog import Catalog
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import ArtifactStore

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
# ------------------------------------------------------------------------------------ zip writing

# An entry's source: bytes, ("store", key), ("local", path) or ("member", (part file, ZipInfo)):
# a chunk's zip part member, copied without recompressing (bundle/parts.py).
Source = bytes | tuple[str, Any]


def _copy(source: BinaryIO, sink: BinaryIO) -> None:
    while block := source.read(1 << 20):
        sink.write(block)


def local_entries(files: Iterable[DatasetFile]) -> list[tuple[str, Source]]:
    """Exports written to local files, as archive entries."""
    return [(f.path, ("local", f.local)) for f in files]


def source_size(store: ArtifactStore, source: Source) -> int:
    if isinstance(source, bytes):
        return len(source)
    kind, ref = source
    if kind == "member":
        return ref[1].file_size
    return store.size(ref) if kind == "store" else Path(ref).stat().st_size


def write_zip(store: ArtifactStore, key: str, entries: Iterable[tuple[str, Source, int]]) -> int:
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


def labels_info(spec: GenerationSpec, catalog: Catalog) -> dict[str, Any]:
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
        "labels": labels_info(spec, catalog),
        "splits": split_map,
        "omitted_splits": omitted,
        "file_counts": {d: s["count"] for d, s in stats["by_directory"].items()},
        "files": stats,
        "generator": GENERATOR,
    }


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, indent=2, sort_keys=True).encode()


def write_archive(
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
    sizes = [(name, source_size(store, source)) for name, source in entries]
    manifest = inner_manifest(spec, catalog, sizes, layout=layout, archive=archive, documents=documents)
    head = json_bytes(manifest)
    sized = [(name, source, size) for (name, source), (_, size) in zip(entries, sizes, strict=True)]
    size = write_zip(store, key, [("manifest.json", head, len(head)), *sized])
    return size, manifest
