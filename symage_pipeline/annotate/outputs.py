"""The per-document annotation files, written beside each render in the chunk that made it.

Always: ground truth (``ground_truth/json/S.json``), and per surface FUNSD pages
(``annotations/funsd/<surface>/S_funsd_p<N>.json``) and the words file
(``annotations/words/<surface>/S_words.json``). On request: ``_bio.json`` and ``_donut.jsonl``.

Page images: the exports that point at images (COCO, Donut, YOLO) need them in the dataset. The
renderer's own images (``png_typed`` ...) are used when there are any; otherwise the page is
rasterized here, only for those exports: into ``images/<surface>/`` for COCO/Donut, into the YOLO
tree for YOLO. A dataset carries what was asked for: the Hugging Face parquet embeds the page
images that exist (the PNG surface, or the images those exports made) and never rasterizes for
itself, so a ``pdf_typed``-only job rasterizes nothing and its parquet holds words, boxes and tags
with a null ``image`` (issue 10: that raster was ~7.4 ms of a typed W-2's ~16 ms).

For the dataset-level files (COCO per split, YOLO labels and data.yaml, Donut metadata.jsonl,
parquet) the chunk also leaves what the bundle needs in the work area (``_work/``, never part of
the dataset): the document's parquet rows and its field boxes in pixels. The bundle then only
appends and renumbers (``annotate.dataset``), and never re-parses the words files. A chunk keeps
the parquet rows of a run of documents in one work file (``RowRuns``): written and read back a
document at a time, the rows cost ~0.15 ms a document in the chunk and ~0.1 ms in the bundle more.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from symage_pipeline.annotate.detection import objects_record
from symage_pipeline.annotate.donut import donut_row, gt_parse, jsonl
from symage_pipeline.annotate.funsd import funsd_page_bytes
from symage_pipeline.annotate.ground_truth import ground_truth, truth_json
from symage_pipeline.annotate.hf import bio_tags, normalise, page_rows
from symage_pipeline.annotate.jsontext import plain
from symage_pipeline.annotate.model import (
    LABEL_SURFACES,
    PageRaster,
    SurfaceAnnotation,
    annotate_surface,
    bio_json_bytes,
    label_words,
    page_objects,
    page_raster,
    words_json_bytes,
)
from symage_pipeline.annotate.splits import split_of
from symage_pipeline.catalog import FormDef
from symage_pipeline.document import FilledDocument, OutputFile, PageImage, RenderedSurface
from symage_pipeline.render import DEFAULT_DPI, rasterize, surface_files
from symage_pipeline.spec import GenerationSpec

WORK_DIR = "_work"
_IMAGE_PAGE = re.compile(r"_p(\d+)\.[A-Za-z0-9]+$")


def json_bytes(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=plain).encode()


# Dataset-relative paths, one definition each (the bundle and the item listing use them too).


def ground_truth_path(stem: str) -> str:
    return f"ground_truth/json/{stem}.json"


def funsd_path(surface: str, stem: str, page: int) -> str:
    return f"annotations/funsd/{surface}/{stem}_funsd_p{page}.json"


def words_path(surface: str, stem: str) -> str:
    return f"annotations/words/{surface}/{stem}_words.json"


def bio_path(surface: str, stem: str) -> str:
    return f"annotations/bio/{surface}/{stem}_bio.json"


def donut_path(surface: str, stem: str) -> str:
    return f"annotations/donut/{surface}/{stem}_donut.jsonl"


def image_path(surface: str, stem: str, page: int, ext: str) -> str:
    return f"images/{surface}/{stem}_p{page}.{ext}"


def yolo_image_path(surface: str, split: str, stem: str, page: int, ext: str) -> str:
    return f"annotations/yolo/{surface}/images/{split}/{stem}_p{page}.{ext}"


def hf_rows_path(surface: str, stem: str) -> str:
    """The document's parquet rows (Arrow IPC), kept for the bundle; not part of the dataset."""
    return f"{WORK_DIR}/hf/{surface}/{stem}.arrow"


def objects_path(surface: str, stem: str) -> str:
    """The document's field boxes in image pixels, kept for the bundle's COCO and YOLO files."""
    return f"{WORK_DIR}/objects/{surface}/{stem}.json"


def _renderer_image_paths(doc: FilledDocument, name: str, surface: RenderedSurface) -> dict[int, str]:
    """Where the renderer put its page images, asked of the renderer rather than re-derived."""
    paths: dict[int, str] = {}
    for path, _ in surface_files(doc, {name: surface}):
        if path.startswith("images/") and (m := _IMAGE_PAGE.search(path)):
            paths[int(m.group(1))] = path
    return paths


def _page_images(
    doc: FilledDocument, name: str, surface: RenderedSurface, spec: GenerationSpec
) -> tuple[tuple[PageImage, ...], dict[int, str], list[OutputFile]]:
    """All page images, the dataset path of those that ship with the dataset, and files to write.

    The renderer attaches images whenever they are asked for or degraded, so pages rasterized here
    are clean, at the request's ``dpi`` like the renderer's own.
    """
    formats = set(spec.output_formats)
    files: list[OutputFile] = []
    paths: dict[int, str] = {}
    need_files = bool(formats & {"coco", "donut"})
    yolo = "yolo" in formats
    if surface.images:
        images = surface.images
        own = _renderer_image_paths(doc, name, surface)
        paths = {im.page: own.get(im.page) or image_path(name, doc.stem, im.page, im.ext) for im in images}
    elif need_files or yolo:
        images = rasterize(surface, int(spec.config.get("dpi", DEFAULT_DPI)))
        if need_files:
            for im in images:
                paths[im.page] = image_path(name, doc.stem, im.page, im.ext)
                files.append((paths[im.page], im.data))
    else:
        images = ()  # nothing asked for an image: none is made
    if yolo:
        split = split_of(doc.item_index, spec.quantity)
        for im in images:
            path = yolo_image_path(name, split, doc.stem, im.page, im.ext)
            files.append((path, im.data))
            paths.setdefault(im.page, path)
    return images, paths, files


def _hf_rows(ann: SurfaceAnnotation, doc: FilledDocument, images: tuple[PageImage, ...]) -> list[dict]:
    """The parquet rows of one document, one per page: boxes normalised to the page image (its own
    pixel boxes) or, without one, to the page; `image` null when no image was made."""
    words_by_page: dict[int, list[int]] = {}
    for i, w in enumerate(ann.words):
        words_by_page.setdefault(w.page, []).append(i)
    by_page = {im.page: im for im in images}
    pages = []
    for page in range(ann.page_count):
        im = by_page.get(page)
        idx = words_by_page.get(page, [])
        raster = ann.rasters.get(page)
        if raster is not None:
            boxes = normalise(raster.boxes, raster.width, raster.height)
        else:
            width, height = ann.page_sizes[page]
            boxes = normalise([ann.words[i].box for i in idx], width, height)
        pages.append(
            {
                "id": f"{doc.stem}_p{page}",
                "document_id": doc.stem,
                "form_id": doc.form_id,
                "item_index": doc.item_index,
                "page": page,
                "image": im.data if im else None,
                "image_name": f"{doc.stem}_p{page}.{im.ext}" if im else None,
                "words": [ann.words[i].text for i in idx],
                "boxes": boxes,
                "tags": bio_tags([ann.words[i].field_id for i in idx], [ann.labels[i] for i in idx]),
            }
        )
    return pages


@dataclass
class DocumentLabels:
    """A document's label files, its parquet rows per label surface (``hf.page_rows`` input) and
    its ground truth, left unserialised so a chunk can write a run of documents' rows (``RowRuns``)
    and download records (``bundle.downloads.RecordRuns``) at once."""

    files: list[OutputFile]
    rows: dict[str, list[dict]] = field(default_factory=dict)
    truth: dict[str, Any] = field(default_factory=dict)


class RowRuns:
    """The parquet rows of consecutive documents, one work file per label surface, named after
    the run's first document (``hf_rows_path``): the bundle reads a run where it finds its first
    document, and a file of one document is a run of one."""

    def __init__(self) -> None:
        self._runs: dict[str, tuple[str, list[dict]]] = {}

    def add(self, stem: str, rows: dict[str, list[dict]]) -> None:
        for surface, pages in rows.items():
            self._runs.setdefault(surface, (stem, []))[1].extend(pages)

    def flush(self) -> list[OutputFile]:
        """The runs so far as files; the next document starts new ones."""
        files = [(hf_rows_path(surface, stem), page_rows(pages)) for surface, (stem, pages) in self._runs.items()]
        self._runs.clear()
        return files


def document_files(
    form: FormDef, doc: FilledDocument, surfaces: dict[str, RenderedSurface], spec: GenerationSpec
) -> list[OutputFile]:
    """Every label file of one document on its own, its parquet rows a run of one."""
    labels = document_labels(form, doc, surfaces, spec)
    runs = RowRuns()
    runs.add(doc.stem, labels.rows)
    return [*labels.files, *runs.flush()]


def document_labels(
    form: FormDef, doc: FilledDocument, surfaces: dict[str, RenderedSurface], spec: GenerationSpec
) -> DocumentLabels:
    formats = set(spec.output_formats)
    files: list[OutputFile] = []
    parquet_rows: dict[str, list[dict]] = {}
    for name, surface in surfaces.items():
        labelled = name in LABEL_SURFACES
        rasters: dict[int, PageRaster] = {}
        images: tuple[PageImage, ...] = ()
        if labelled:
            images, paths, image_files = _page_images(doc, name, surface, spec)
            files.extend(image_files)
            words = label_words(surface.words, doc)
            sizes = surface.page_sizes or tuple(form.page_size for _ in range(form.page_count))
            for im in images:
                if im.page in paths:
                    page_words = [w for w in words if w.page == im.page]
                    rasters[im.page] = page_raster(im, paths[im.page], page_words, sizes[im.page])
        ann = annotate_surface(form, doc, surface, spec.label_scheme, rasters)
        image_paths = [rasters[p].path if p in rasters else None for p in range(ann.page_count)]
        for page_no, page in enumerate(funsd_page_bytes(form, ann.words, image_paths)):
            files.append((funsd_path(name, doc.stem, page_no), page))
        files.append((words_path(name, doc.stem), words_json_bytes(ann)))
        if not labelled:
            continue
        if "bio" in formats:
            files.append((bio_path(name, doc.stem), bio_json_bytes(ann)))
        if "donut" in formats:
            rows = [
                donut_row(
                    rasters[p].path,
                    gt_parse(form, doc.values, spec.label_scheme, page=p, stages=doc.stages),
                    document_id=doc.stem,
                    page=p,
                )
                for p in range(ann.page_count)
                if p in rasters
            ]
            files.append((donut_path(name, doc.stem), jsonl(rows)))
        if formats & {"coco", "yolo"}:
            files.append((objects_path(name, doc.stem), json_bytes(objects_record(page_objects(ann)))))
        parquet_rows[name] = _hf_rows(ann, doc, images)
    truth = ground_truth(
        form,
        doc.values,
        item_index=doc.item_index,
        document_id=doc.stem,
        identity_seed=doc.identity_seed,
        fill=doc.fill,
        metadata=doc.metadata,
        surfaces={name: s.metadata for name, s in surfaces.items()},
    )
    files.append((ground_truth_path(doc.stem), truth_json(form, truth).encode()))
    return DocumentLabels(files, parquet_rows, truth)
