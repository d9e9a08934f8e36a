"""The flat downloads, data.json and data.csv: every document's ground truth in item order,
streamed record by record (memory stays flat), written by shard and joined, or whole."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from typing import BinaryIO

from symage_pipeline.annotate import csv_row
from symage_pipeline.annotate.outputs import ground_truth_path
from symage_pipeline.bundle.parts import ShardFiles
from symage_pipeline.catalog import Catalog
from symage_pipeline.document import document_stem
from symage_pipeline.keys import download_key
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import ArtifactStore


def csv_columns(spec: GenerationSpec, catalog: Catalog) -> list[str]:
    columns = ["document_id", "form_id", "item_index"]
    for form_id in spec.form_ids:
        for field in catalog.get(form_id).fields:
            if field.id not in columns:
                columns.append(field.id)
    return columns


def csv_header(spec: GenerationSpec, catalog: Catalog) -> bytes:
    text = io.StringIO()
    csv.DictWriter(text, fieldnames=csv_columns(spec, catalog), lineterminator="\n").writeheader()
    return text.getvalue().encode()


def ground_truth_records(spec: GenerationSpec, files: ShardFiles, start: int, stop: int) -> Iterator[dict]:
    """The ground truth of the documents of items [start, stop), in order: paths are computed,
    not listed."""
    for item_index in range(start, stop):
        for form_id in spec.form_ids:
            yield json.loads(files.read(ground_truth_path(document_stem(form_id, item_index, spec.quantity))))


def write_records(
    spec: GenerationSpec,
    catalog: Catalog,
    records: Iterator[dict],
    json_sink: BinaryIO,
    csv_sink: BinaryIO,
    *,
    whole: bool,
) -> int:
    """Records as data.json / data.csv text; `whole` adds the brackets and the header, else the
    text is a part for `join_downloads`. Returns the number of records."""
    text = io.TextIOWrapper(csv_sink, encoding="utf-8", newline="")
    writer = csv.DictWriter(text, fieldnames=csv_columns(spec, catalog), extrasaction="ignore", lineterminator="\n")
    if whole:
        csv_sink.write(csv_header(spec, catalog))
        json_sink.write(b"[")
    n = 0
    for n, record in enumerate(records, 1):
        writer.writerow(csv_row(record))
        json_sink.write((b"," if n > 1 else b"") + json.dumps(record, ensure_ascii=False, sort_keys=True).encode())
    if whole:
        json_sink.write(b"]")
    text.flush()
    text.detach()
    return n


def write_downloads(
    spec: GenerationSpec, catalog: Catalog, store: ArtifactStore, job_id: str, records: Iterator[dict]
) -> None:
    with (
        store.open_write(download_key(job_id, "json")) as json_sink,
        store.open_write(download_key(job_id, "csv")) as csv_sink,
    ):
        write_records(spec, catalog, records, json_sink, csv_sink, whole=True)


def join_downloads(
    spec: GenerationSpec, catalog: Catalog, store: ArtifactStore, job_id: str, parts: Sequence[tuple[str, str, int]]
) -> None:
    """data.json and data.csv from the shards' parts: (json key, csv key, records) in item order."""
    with (
        store.open_write(download_key(job_id, "json")) as json_sink,
        store.open_write(download_key(job_id, "csv")) as csv_sink,
    ):
        csv_sink.write(csv_header(spec, catalog))
        json_sink.write(b"[")
        first = True
        for json_key, csv_key, count in parts:
            if not count:
                continue
            json_sink.write(b"" if first else b",")
            first = False
            for key, sink in ((json_key, json_sink), (csv_key, csv_sink)):
                with store.open_read(key) as part:
                    while block := part.read(1 << 20):
                        sink.write(block)
        json_sink.write(b"]")
