"""Dataset-level exports, built at bundle time from the per-document files (no re-rendering).

A shard at a time (``shard_exports``), one pass over its items in order reads what each
document's chunk left in the work area (its parquet rows and its field boxes in pixels, both
views of the annotation model) and feeds every writer: Hugging Face parquet (always, for every
surface that has labels), COCO instances per split, YOLO label files, Donut ``metadata.jsonl``
per split. What belongs with the shard's items (parquet pieces, YOLO labels) ships in its own
archive; COCO and Donut are parts that ``merge_exports`` joins in item order, with ``data.yaml``.
So shards can be exported apart (by the chunk steps that made them) and the result is the same
as one pass over the whole job. Everything streams through files in a work directory, so memory
stays flat whatever the job size.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from symage_pipeline.annotate.detection import CocoWriter, write_coco, yolo_data_yaml, yolo_lines
from symage_pipeline.annotate.hf import PieceWriter, rows_by_split
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


@dataclass(frozen=True)
class CocoPart:
    """One shard's images and annotations of a (surface, split) COCO file, ids counted from 1."""

    images: Path
    annotations: Path
    image_count: int
    annotation_count: int


@dataclass(frozen=True)
class ShardExports:
    """What one shard's items contribute to the exports: files its archive ships (parquet pieces,
    YOLO labels) and parts of the dataset-level files, keyed ``<surface>/<split>``."""

    files: list[DatasetFile]
    coco: dict[str, CocoPart]
    donut: dict[str, Path]
    surfaces: list[str]  # label surfaces with rows, in the order first seen


def piece_numbers(ranges: Sequence[tuple[int, int]], quantity: int, shard: int) -> dict[str, tuple[int, int]]:
    """Per split, this shard's parquet piece as (index, count) among the shards holding items of
    the split: every item has rows for every label surface of the job, so a split's pieces are
    its shards, and a shard can name its pieces without seeing the others."""
    out = {}
    for split, (start, stop) in split_ranges(quantity).items():
        holding = [k for k, (a, b) in enumerate(ranges) if a < stop and start < b and a < b]
        if shard in holding:
            out[split] = (holding.index(shard), len(holding))
    return out


def shard_exports(
    spec: GenerationSpec,
    catalog: Catalog,
    present: DocumentFiles,
    ranges: Sequence[tuple[int, int]],
    shard: int,
    workdir: Path,
) -> ShardExports:
    """The exports of the items of ``ranges[shard]``, written under ``workdir``, from the files
    the chunks made for them (``present``)."""
    start, stop = ranges[shard]
    forms = [catalog.get(f) for f in spec.form_ids]
    scheme = spec.label_scheme
    names = label_names(forms, scheme)
    tag_names = bio_tag_names(names)
    class_ids = {n: i for i, n in enumerate(names)}
    formats = set(spec.output_formats)
    numbers = piece_numbers(ranges, spec.quantity, shard)

    out: list[DatasetFile] = []
    open_pieces: dict[str, tuple[str, PieceWriter]] = {}  # surface -> (split, writer)
    coco: dict[str, CocoWriter] = {}
    donut: dict[str, Path] = {}
    surfaces_seen: list[str] = []

    def local(path: str) -> Path:
        target = workdir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def piece_for(surface: str, split: str) -> PieceWriter:
        current = open_pieces.get(surface)
        if current is not None and current[0] == split:
            return current[1]
        if current is not None:
            current[1].close()
        k, n = numbers[split]
        rel = f"{hf_dir(surface)}/{split}-{k:05d}-of-{n:05d}.parquet"
        writer = PieceWriter(local(rel), tag_names)
        out.append(DatasetFile(rel, workdir / rel, shard))
        open_pieces[surface] = (split, writer)
        return writer

    spans = {split: (max(a, start), min(b, stop)) for split, (a, b) in split_ranges(spec.quantity).items()}
    for item in range(start, stop):
        split = split_of(item, spec.quantity)
        for form in forms:
            stem = document_stem(form.id, item, spec.quantity)
            for surface in LABEL_SURFACES:
                rows = hf_rows_path(surface, stem)
                if rows in present:  # a run of documents' rows starts here (`RowRuns`)
                    for run_split, run in rows_by_split(present.read(rows), spans):
                        piece_for(surface, run_split).add_batch(run)
                    if surface not in surfaces_seen:
                        surfaces_seen.append(surface)
                if surface not in surfaces_seen:
                    continue  # not a surface of this job
                objects = objects_path(surface, stem)
                pages = json.loads(present.read(objects)) if objects in present else []
                key = f"{surface}/{split}"
                if "coco" in formats:
                    if key not in coco:
                        coco[key] = CocoWriter(local(f".coco/{key}.json"), names, scheme)
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
                        target = donut.get(key)
                        if target is None:
                            target = donut[key] = local(f".donut/{key}.jsonl")
                            target.write_bytes(b"")
                        with target.open("ab") as sink:
                            sink.write(present.read(donut_rows))
    for _, writer in open_pieces.values():
        writer.close()
    parts = {}
    for key, writer in coco.items():
        images, annotations = writer.spill()
        parts[key] = CocoPart(images, annotations, writer.image_count, writer.annotation_count)
    return ShardExports(sorted(out, key=lambda f: f.path), parts, donut, surfaces_seen)


def merge_exports(
    spec: GenerationSpec, catalog: Catalog, shards: Sequence[ShardExports], workdir: Path
) -> list[DatasetFile]:
    """The dataset-level files from the shards' parts, in item order: COCO instances and Donut
    rows per (surface, split), YOLO ``data.yaml`` per surface."""
    forms = [catalog.get(f) for f in spec.form_ids]
    names = label_names(forms, spec.label_scheme)
    out: list[DatasetFile] = []
    coco_keys = list(dict.fromkeys(k for s in shards for k in s.coco))
    for key in coco_keys:
        surface, split = key.split("/")
        path = f"annotations/coco/{surface}/instances_{split}.json"
        write_coco(workdir / path, names, spec.label_scheme, [s.coco[key] for s in shards if key in s.coco])
        out.append(DatasetFile(path, workdir / path, None))
    for key in dict.fromkeys(k for s in shards for k in s.donut):
        surface, split = key.split("/")
        path = f"annotations/donut/{surface}/{split}/metadata.jsonl"
        target = workdir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as sink:
            for s in shards:
                if key in s.donut:
                    with s.donut[key].open("rb") as part:
                        shutil.copyfileobj(part, sink)
        out.append(DatasetFile(path, target, None))
    if "yolo" in spec.output_formats:
        split_names = list(split_ranges(spec.quantity))
        for surface in dict.fromkeys(x for s in shards for x in s.surfaces):
            path = f"annotations/yolo/{surface}/data.yaml"
            target = workdir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(yolo_data_yaml(names, split_names, surface))
            out.append(DatasetFile(path, target, None))
    return sorted(out, key=lambda f: f.path)


def dataset_files(
    spec: GenerationSpec,
    catalog: Catalog,
    files_of: Callable[[int, int], AbstractContextManager[DocumentFiles]],
    workdir: Path,
    item_ranges: Sequence[tuple[int, int]] | None = None,
) -> list[DatasetFile]:
    """Every export under ``workdir``, a shard at a time from the files ``files_of(start, stop)``
    gives for its items: the shards' own files tagged with their shard, then the dataset-level ones.

    ``item_ranges`` are the shards' item ranges (one range covering the job for a single zip).
    """
    ranges = list(item_ranges or [(0, spec.quantity)])
    shards = []
    for k, (start, stop) in enumerate(ranges):
        with files_of(start, stop) as present:
            shards.append(shard_exports(spec, catalog, present, ranges, k, workdir / f".shard-{k}"))
    own = [DatasetFile(f.path, f.local, f.shard) for s in shards for f in s.files]
    return sorted([*own, *merge_exports(spec, catalog, shards, workdir)], key=lambda f: f.path)
