"""Hugging Face ``datasets`` export: parquet files with an Image column, LayoutLMv3-style.

One row per page image: ``words``, ``boxes`` (``[x0, y0, x1, y1]`` normalised to 0-1000 of the
image, the LayoutLMv2/v3 convention) and ``ner_tags`` (BIO ids of a ``ClassLabel`` whose names are
the job's tag vocabulary). The ``datasets`` feature types ride in the parquet schema metadata
under ``huggingface``, so ``datasets.load_dataset("parquet", data_dir=...)`` restores ``Image`` and
``ClassLabel`` without this package at read time; writing needs only pyarrow.

Work is split where it is cheapest: each document's rows are built in the chunk that rendered it
(``page_rows``, tags still as strings since the job's vocabulary spans all its forms) and kept, a
batch of documents at a time, as an Arrow IPC file in the work area; the bundle only maps tags to
ids and appends the rows to ``<split>-<k>-of-<n>.parquet`` files. Bytes are deterministic: fixed
row groups, compression and writer options, no timestamps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROW_GROUP_SIZE = 64  # pages: bounds writer memory to ~64 images whatever the job size
# Writer options that fix the bytes (library defaults could change under us). Page images are
# already-compressed PNG/JPEG: compressing them again costs time for nothing.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": {
        "id": "ZSTD",
        "document_id": "ZSTD",
        "form_id": "ZSTD",
        "item_index": "ZSTD",
        "page": "ZSTD",
        "image.bytes": "NONE",
        "image.path": "ZSTD",
        "words.list.element": "ZSTD",
        "boxes.list.element.list.element": "ZSTD",
        "ner_tags.list.element": "ZSTD",
    },
    "use_dictionary": False,
    "write_statistics": False,
    "version": "2.6",
    "data_page_version": "1.0",
    "write_page_index": False,
    "store_schema": True,
}
_IMAGE = pa.struct([pa.field("bytes", pa.binary()), pa.field("path", pa.string())])
_COMMON = [
    pa.field("id", pa.string()),
    pa.field("document_id", pa.string()),
    pa.field("form_id", pa.string()),
    pa.field("item_index", pa.int64()),
    pa.field("page", pa.int32()),
    pa.field("image", _IMAGE),
    pa.field("words", pa.list_(pa.string())),
    pa.field("boxes", pa.list_(pa.list_(pa.int64()))),
]
# What a chunk writes: tags as strings (``tags``), mapped to ids by the bundle.
ROWS_SCHEMA = pa.schema([*_COMMON, pa.field("tags", pa.list_(pa.string()))])


def features(tag_names: Sequence[str]) -> dict[str, Any]:
    """The ``datasets`` Features dict; ``Sequence`` (not ``List``) is read by datasets 2.x to 5.x."""

    def value(dtype: str) -> dict[str, str]:
        return {"dtype": dtype, "_type": "Value"}

    def seq(feature: dict[str, Any]) -> dict[str, Any]:
        return {"feature": feature, "_type": "Sequence"}

    return {
        "id": value("string"),
        "document_id": value("string"),
        "form_id": value("string"),
        "item_index": value("int64"),
        "page": value("int32"),
        "image": {"_type": "Image"},
        "words": seq(value("string")),
        "boxes": seq(seq(value("int64"))),
        "ner_tags": seq({"names": list(tag_names), "_type": "ClassLabel"}),
    }


def schema(tag_names: Sequence[str]) -> pa.Schema:
    meta = {"huggingface": json.dumps({"info": {"features": features(tag_names)}}, sort_keys=True)}
    return pa.schema([*_COMMON, pa.field("ner_tags", pa.list_(pa.int64()))], metadata=meta)


def normalise(boxes: Sequence[Sequence[float]], width: float, height: float) -> np.ndarray:
    """``[x0, y0, x1, y1]`` per box as integers 0-1000 of a ``width`` x ``height`` frame (clamped)."""
    arr = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    arr = arr * (1000.0 / np.array([width, height, width, height]))
    return np.clip(np.floor(arr), 0, 1000).astype(np.int64)


def bio_tags(field_ids: Sequence[str | None], labels: Sequence[str | None]) -> list[str]:
    """B-/I- per word of a field run (a field's value words are contiguous), O elsewhere."""
    tags = []
    prev: str | None = None
    for fid, label in zip(field_ids, labels, strict=True):
        if label is None or fid is None:
            tags.append("O")
            prev = None
        else:
            tags.append(f"{'I' if prev == fid else 'B'}-{label}")
            prev = fid
    return tags


def page_rows(pages: Sequence[Mapping[str, Any]]) -> bytes:
    """Pages' rows (of one document or of consecutive ones) as an Arrow IPC stream; each page is a
    mapping with ``id``, ``document_id``, ``form_id``, ``item_index``, ``page``, ``image`` (bytes,
    or None: no image was made), ``image_name``, ``words``, ``boxes`` (an ``(n, 4)`` int array,
    0-1000) and ``tags``."""
    offsets = [0]
    for p in pages:
        offsets.append(offsets[-1] + len(p["words"]))
    flat = np.concatenate([p["boxes"].reshape(-1) for p in pages]) if pages else np.zeros(0, np.int64)
    inner = pa.ListArray.from_arrays(np.arange(0, len(flat) + 1, 4, dtype=np.int32), pa.array(flat, pa.int64()))
    boxes = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), inner)
    batch = pa.record_batch(
        [
            pa.array([p["id"] for p in pages], pa.string()),
            pa.array([p["document_id"] for p in pages], pa.string()),
            pa.array([p["form_id"] for p in pages], pa.string()),
            pa.array([p["item_index"] for p in pages], pa.int64()),
            pa.array([p["page"] for p in pages], pa.int32()),
            pa.array(
                [None if p["image"] is None else {"bytes": p["image"], "path": p["image_name"]} for p in pages], _IMAGE
            ),
            pa.array([p["words"] for p in pages], pa.list_(pa.string())),
            boxes,
            pa.array([p["tags"] for p in pages], pa.list_(pa.string())),
        ],
        schema=ROWS_SCHEMA,
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, ROWS_SCHEMA) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def rows_by_split(ipc: bytes, spans: Mapping[str, tuple[int, int]]) -> Iterator[tuple[str, pa.RecordBatch]]:
    """A ``page_rows`` stream cut where its items cross from one split to the next (``spans``:
    each split's item range within the shard). Rows are in item order, so each split's rows are
    one slice; a row outside every span (a run across a shard's edge) is an error, not dropped."""
    for batch in pa.ipc.open_stream(ipc):
        items = batch.column("item_index").to_numpy()
        placed = 0
        for split, (start, stop) in spans.items():
            lo, hi = np.searchsorted(items, [start, stop])
            if hi > lo:
                placed += int(hi - lo)
                yield split, batch.slice(lo, hi - lo)
        if placed != batch.num_rows:
            raise ValueError(f"parquet rows from {batch.column('document_id')[0]} run past the shard's items")


class PieceWriter:
    """One parquet file, appended a run of rows at a time and written in fixed row groups."""

    def __init__(self, path: Path, tag_names: Sequence[str]):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.schema = schema(tag_names)
        self.tag_names = pa.array(list(tag_names), pa.string())
        self.count = 0
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self._writer = pq.ParquetWriter(str(path), self.schema, **PARQUET_OPTIONS)

    def add_rows(self, ipc: bytes) -> None:
        """Append the rows of a ``page_rows`` stream."""
        for batch in pa.ipc.open_stream(ipc):
            self.add_batch(batch)

    def add_batch(self, batch: pa.RecordBatch) -> None:
        """Append rows (``ROWS_SCHEMA``), mapping tag strings to ids."""
        tags = batch.column("tags")
        ids = pc.cast(pc.index_in(tags.flatten(), value_set=self.tag_names), pa.int64())
        if ids.null_count:
            raise ValueError(f"tags outside the job's vocabulary in {batch.column('document_id')[0]}")
        offsets = tags.offsets  # a slice's (`rows_by_split`) start where its first list does
        ner = pa.ListArray.from_arrays(pc.subtract(offsets, offsets[0]) if tags.offset else offsets, ids)
        columns = [batch.column(i) for i in range(batch.num_columns - 1)]
        self._pending.append(pa.record_batch([*columns, ner], schema=self.schema))
        self._pending_rows += batch.num_rows
        self.count += batch.num_rows
        while self._pending_rows >= ROW_GROUP_SIZE:
            self._write(ROW_GROUP_SIZE)

    def _write(self, rows: int) -> None:
        table = pa.Table.from_batches(self._pending, schema=self.schema)
        self._writer.write_table(table.slice(0, rows).combine_chunks(), row_group_size=ROW_GROUP_SIZE)
        rest = table.slice(rows)
        self._pending = rest.combine_chunks().to_batches() if rest.num_rows else []
        self._pending_rows = rest.num_rows

    def close(self) -> None:
        if self._pending_rows:
            self._write(self._pending_rows)
        self._writer.close()
