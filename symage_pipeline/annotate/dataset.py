"""Dataset-level exports, built at bundle time from the per-document files (no re-rendering).

One pass over the items in order reads what each document's chunk left in the work area (its
parquet rows and its field boxes in pixels, both views of the annotation model) and feeds every
writer: Hugging Face parquet (always, for every surface that has labels), COCO instances per
split, YOLO label files and ``data.yaml``, Donut ``metadata.jsonl`` per split.
Everything streams through files in a work directory, so memory stays flat whatever the job size.

Files that belong with their items (parquet pieces, YOLO label files) are tagged with the shard of
those items, so a sharded dataset keeps each shard self-contained; the rest are dataset-level.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from symage_pipeline.annotate.detection import CocoWriter, yolo_data_yaml, yolo_lines
from symage_pipeline.annotate.hf import PieceWriter
from symage_pipeline.annotate.labels import bio_tag_names, label_names
from symage_pipeline.annotate.model import LABEL_SURFACES
from symage_pipeline.annotate.outputs import donut_path, hf_rows_path, objects_path, yolo_image_path
from symage_pipeline.annotate.splits import split_of, split_ranges
from symage_pipeline.catalog import Catalog
from symage_pipeline.document import document_stem
from symage_pipeline.spec import GenerationSpec


@dataclass(frozen=True)
class DatasetFile:
    path: str  # inside the dataset
    local: Path  # where it was written
    shard: int | None  # the shard of the items it describes; None = dataset-level


def hf_dir(surface: str) -> str:
    return f"annotations/hf/{surface}"


def yolo_label_path(surface: str, split: str, stem: str, page: int) -> str:
    return f"annotations/yolo/{surface}/labels/{split}/{stem}_p{page}.txt"


class DocumentFiles(Protocol):
    """What the chunks made for some items, by dataset path (work files included)."""

    def __contains__(self, path: object) -> bool: ...

    def read(self, path: str) -> bytes: ...


def dataset_files(
    spec: GenerationSpec,
    catalog: Catalog,
    files_of: Callable[[int, int], AbstractContextManager[DocumentFiles]],
    workdir: Path,
    item_ranges: Sequence[tuple[int, int]] | None = None,
) -> list[DatasetFile]:
    """Write the dataset-level exports under ``workdir`` from the files ``files_of(start, stop)``
    gives for each shard's items, one shard at a time.

    ``item_ranges`` are the shards' item ranges (one range covering the job for a single zip).
    """
    ranges = list(item_ranges or [(0, spec.quantity)])
    forms = [catalog.get(f) for f in spec.form_ids]
    scheme = spec.label_scheme
    names = label_names(forms, scheme)
    tag_names = bio_tag_names(names)
    class_ids = {n: i for i, n in enumerate(names)}
    formats = set(spec.output_formats)
    split_names = list(split_ranges(spec.quantity))

    out: list[DatasetFile] = []
    pieces: dict[tuple[str, str], list[tuple[Path, int]]] = {}  # (surface, split) -> [(file, shard)]
    open_pieces: dict[str, tuple[tuple[str, int], PieceWriter]] = {}  # surface -> ((split, shard), writer)
    coco: dict[tuple[str, str], CocoWriter] = {}
    donut: dict[tuple[str, str], Path] = {}
    surfaces_seen: list[str] = []

    def local(path: str) -> Path:
        target = workdir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def piece_for(surface: str, split: str, shard: int) -> PieceWriter:
        current = open_pieces.get(surface)
        if current is not None and current[0] == (split, shard):
            return current[1]
        if current is not None:
            current[1].close()
        listed = pieces.setdefault((surface, split), [])
        path = local(f"{hf_dir(surface)}/.{split}-{len(listed):05d}.parquet")
        writer = PieceWriter(path, tag_names)
        listed.append((path, shard))
        open_pieces[surface] = ((split, shard), writer)
        return writer

    def add_item(item: int, shard: int, present: DocumentFiles) -> None:
        split = split_of(item, spec.quantity)
        for form in forms:
            stem = document_stem(form.id, item, spec.quantity)
            for surface in LABEL_SURFACES:
                rows = hf_rows_path(surface, stem)
                if rows not in present:
                    continue
                if surface not in surfaces_seen:
                    surfaces_seen.append(surface)
                piece_for(surface, split, shard).add_rows(present.read(rows))
                objects = objects_path(surface, stem)
                pages = json.loads(present.read(objects)) if objects in present else []
                if "coco" in formats:
                    key = (surface, split)
                    if key not in coco:
                        path = f"annotations/coco/{surface}/instances_{split}.json"
                        coco[key] = CocoWriter(local(path), names, scheme)
                    for page in pages:
                        coco[key].add_page(page, document_id=stem, form_id=form.id)
                if "yolo" in formats:
                    for page in pages:
                        image = page["image"]
                        ext = image["path"].rsplit(".", 1)[-1]
                        if yolo_image_path(surface, split, stem, page["page"], ext) not in present:
                            continue
                        objs = [(class_ids[label], box) for _, label, box, _ in page["objects"]]
                        path = yolo_label_path(surface, split, stem, page["page"])
                        local(path).write_text(yolo_lines(objs, image["width"], image["height"]))
                        out.append(DatasetFile(path, workdir / path, shard))
                if "donut" in formats:
                    donut_rows = donut_path(surface, stem)
                    if donut_rows in present:
                        target = donut.get((surface, split))
                        if target is None:
                            path = f"annotations/donut/{surface}/{split}/metadata.jsonl"
                            target = donut[(surface, split)] = local(path)
                            target.write_bytes(b"")
                        with target.open("ab") as sink:
                            sink.write(present.read(donut_rows))

    for shard, (start, stop) in enumerate(ranges):
        with files_of(start, stop) as present:
            for item in range(start, stop):
                add_item(item, shard, present)

    for _, writer in open_pieces.values():
        writer.close()
    for (surface, split), listed in pieces.items():
        for k, (path, piece_shard) in enumerate(listed):
            rel = f"{hf_dir(surface)}/{split}-{k:05d}-of-{len(listed):05d}.parquet"
            path.rename(local(rel))
            out.append(DatasetFile(rel, workdir / rel, piece_shard))
    for (surface, split), writer in coco.items():
        writer.close()
        out.append(DatasetFile(f"annotations/coco/{surface}/instances_{split}.json", writer.path, None))
    for (surface, split), path in donut.items():
        out.append(DatasetFile(f"annotations/donut/{surface}/{split}/metadata.jsonl", path, None))
    if "yolo" in formats:
        for surface in surfaces_seen:
            rel = f"annotations/yolo/{surface}/data.yaml"
            local(rel).write_text(yolo_data_yaml(names, split_names, surface))
            out.append(DatasetFile(rel, workdir / rel, None))
    return sorted(out, key=lambda f: f.path)
