"""Object-detection exports: COCO instances and YOLOv8 labels, one object per filled field per page.

An object is the union of a field's value words on one page, in the pixels of that page's image;
its class is the field's label under the job's scheme. Blank fields have no words, so no object.

COCO (``annotations/coco/<surface>/instances_<split>.json``): ``file_name`` is the image path
relative to the dataset root; category ids are 1-based in the job's class order; ``bbox`` is
``[x, y, width, height]`` in pixels; each annotation also carries ``field_id`` and ``text``.
The file is streamed: images and annotations go to two spill files and are joined at the end,
so memory does not grow with the job.

YOLOv8 (``annotations/yolo/<surface>/``): the standard Ultralytics tree, ``images/<split>/`` and
``labels/<split>/`` side by side (Ultralytics finds a label by replacing ``/images/`` with
``/labels/`` in the image path) and ``data.yaml`` beside them; one ``class cx cy w h`` line per
object, normalised to [0, 1], class ids 0-based in the job's class order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from symage_pipeline.annotate.model import Box, PageObjects

COCO_INFO = {"description": "Symage synthetic filled forms", "version": "1.0"}


def _clamp01(v: float) -> float:
    return min(max(v, 0.0), 1.0)


def objects_record(pages: Sequence[PageObjects]) -> list[dict[str, Any]]:
    """What a chunk keeps for the bundle's COCO/YOLO writers: per page image, its objects (pixels)."""
    return [
        {
            "page": p.page,
            "image": {"path": p.image.path, "width": p.image.width, "height": p.image.height},
            "objects": [[fid, label, [round(v, 2) for v in box], text] for fid, label, box, text in p.objects],
        }
        for p in pages
    ]


def yolo_lines(objects: Sequence[tuple[int, Box]], width: int, height: int) -> str:
    """``class cx cy w h`` per object, normalised to the image and clamped into it."""
    out = []
    for cls, (x0, y0, x1, y1) in objects:
        x0, x1 = _clamp01(x0 / width), _clamp01(x1 / width)
        y0, y1 = _clamp01(y0 / height), _clamp01(y1 / height)
        out.append(f"{cls} {(x0 + x1) / 2:.6f} {(y0 + y1) / 2:.6f} {x1 - x0:.6f} {y1 - y0:.6f}\n")
    return "".join(out)


def yolo_data_yaml(names: Sequence[str], splits: Sequence[str], surface: str) -> str:
    """data.yaml with paths relative to its own folder (no ``path:``, so it works wherever unpacked).

    Ultralytics requires ``val``; a job too small for a validation split points it at train.
    """
    lines = [
        f"# YOLOv8 dataset of the {surface} surface (Ultralytics layout); run e.g.",
        f"#   yolo detect train data=annotations/yolo/{surface}/data.yaml",
        "train: images/train",
        f"val: images/{'validation' if 'validation' in splits else 'train'}",
    ]
    if "test" in splits:
        lines.append("test: images/test")
    lines.append(f"nc: {len(names)}")
    lines.append("names:")
    lines.extend(f"  {i}: {json.dumps(name)}" for i, name in enumerate(names))
    return "\n".join(lines) + "\n"


class CocoWriter:
    """Streams one shard's part of a COCO instances file: images and annotations (ids from 1) to
    two spill files beside ``path``; ``write_coco`` joins the shards' parts into the file."""

    def __init__(self, path: Path, names: Sequence[str], scheme: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._cat = {n: i + 1 for i, n in enumerate(names)}
        self.paths = (path.with_suffix(".images"), path.with_suffix(".annotations"))
        # Closed in spill(); a writer lives for a shard's whole pass, not a with-block.
        self._images: BinaryIO = self.paths[0].open("wb")  # noqa: SIM115
        self._annotations: BinaryIO = self.paths[1].open("wb")  # noqa: SIM115
        self.image_count = 0
        self.annotation_count = 0

    def _append(self, sink: BinaryIO, first: bool, obj: dict[str, Any]) -> None:
        sink.write((b"" if first else b",") + json.dumps(obj, ensure_ascii=False, sort_keys=True).encode())

    def add_page(self, page: Mapping[str, Any], *, document_id: str, form_id: str) -> None:
        """One page of an objects record (``objects_record``): its image and field objects."""
        image = page["image"]
        self.image_count += 1
        image_id = self.image_count
        self._append(
            self._images,
            image_id == 1,
            {
                "id": image_id,
                "file_name": image["path"],
                "width": image["width"],
                "height": image["height"],
                "document_id": document_id,
                "form_id": form_id,
                "page": page["page"],
            },
        )
        for field_id, label, (x0, y0, x1, y1), text in page["objects"]:
            w, h = round(x1 - x0, 2), round(y1 - y0, 2)
            self.annotation_count += 1
            self._append(
                self._annotations,
                self.annotation_count == 1,
                {
                    "id": self.annotation_count,
                    "image_id": image_id,
                    "category_id": self._cat[label],
                    "bbox": [x0, y0, w, h],
                    "area": round(w * h, 2),
                    "iscrowd": 0,
                    "segmentation": [[x0, y0, x1, y0, x1, y1, x0, y1]],
                    "field_id": field_id,
                    "text": text,
                },
            )

    def spill(self) -> tuple[Path, Path]:
        """Close the part: the images and annotations spill files."""
        self._images.close()
        self._annotations.close()
        return self.paths


# An id member of an image or annotation as json.dumps writes it. A string value cannot hold this
# text: inside a JSON string every quote is escaped, so `"id": ` never matches there.
_IMAGE_ID = re.compile(rb'"id": (\d+)')
_ANNOTATION_IDS = re.compile(rb'"(id|image_id)": (\d+)')


def _shifted(data: bytes, images: int, annotations: int, *, annotation: bool) -> bytes:
    """A part's objects with their ids moved past the earlier parts' `images` / `annotations`."""
    if not images and not annotations:
        return data
    if not annotation:
        return _IMAGE_ID.sub(lambda m: b'"id": %d' % (int(m.group(1)) + images), data)
    return _ANNOTATION_IDS.sub(
        lambda m: b'"%s": %d' % (m.group(1), int(m.group(2)) + (annotations if m.group(1) == b"id" else images)), data
    )


def write_coco(path: Path, names: Sequence[str], scheme: str, parts: Sequence[Any]) -> None:
    """One COCO instances file from the parts of consecutive shards (`CocoPart`s, in item order):
    ids continue from part to part, as if one writer had seen every page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    categories = [{"id": i + 1, "name": n, "supercategory": scheme} for i, n in enumerate(names)]
    with path.open("wb") as out:
        head = {"info": COCO_INFO, "licenses": [], "categories": categories}
        out.write(json.dumps(head, sort_keys=True)[:-1].encode() + b',"images":[')
        _join(out, parts, annotation=False)
        out.write(b'],"annotations":[')
        _join(out, parts, annotation=True)
        out.write(b"]}")


def _join(out: BinaryIO, parts: Sequence[Any], *, annotation: bool) -> None:
    images = annotations = 0
    wrote = False
    for part in parts:
        count = part.annotation_count if annotation else part.image_count
        if count:
            data = (part.annotations if annotation else part.images).read_bytes()
            out.write((b"," if wrote else b"") + _shifted(data, images, annotations, annotation=annotation))
            wrote = True
        images += part.image_count
        annotations += part.annotation_count
