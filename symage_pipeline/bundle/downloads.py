"""The flat downloads, data.json and data.csv: every document's ground truth in item order,
streamed run by run (memory stays flat), written by shard and joined, or whole.

A record's data.json text and data.csv row are made by the chunk that made the document, from the
ground truth it has in hand (`RecordRuns`, a work file per run of documents): the bundle only
concatenates them. Reading each ground-truth file back, parsing it and encoding it again was
~0.1 ms a typed W-2 in the bundle, a third of a shard's cost.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, BinaryIO

from symage_pipeline.annotate import csv_row, truth_json
from symage_pipeline.annotate.outputs import WORK_DIR
from symage_pipeline.bundle.parts import ShardFiles
from symage_pipeline.catalog import Catalog, FormDef
from symage_pipeline.document import OutputFile, document_stem
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


def records_path(stem: str) -> str:
    """The data.json records and data.csv rows of a run of documents that starts with `stem`."""
    return f"{WORK_DIR}/records/{stem}.runs"


class RecordRuns:
    """The download records of consecutive documents, one work file a run named after its first
    document (`records_path`), like the parquet rows' `annotate.RowRuns`: a JSON header line
    ``[[document id, item index, JSON bytes, CSV bytes], ...]``, then the records' data.json texts and data.csv
    rows back to back. A record's text is `json.dumps(truth, ensure_ascii=False, sort_keys=True)`."""

    def __init__(self, spec: GenerationSpec, catalog: Catalog) -> None:
        self._columns = csv_columns(spec, catalog)
        self._stem: str | None = None
        self._index: list[tuple[str, int, int, int]] = []
        self._json: list[bytes] = []
        self._csv: list[bytes] = []
        self._text = io.StringIO()
        self._writer = csv.DictWriter(self._text, fieldnames=self._columns, extrasaction="ignore", lineterminator="\n")

    def add(self, stem: str, form: FormDef, truth: Mapping[str, Any]) -> None:
        if self._stem is None:
            self._stem = stem
        record = truth_json(form, truth, spaced=True).encode()
        self._text.seek(0)
        self._text.truncate()
        self._writer.writerow(csv_row(truth))
        row = self._text.getvalue().encode()
        self._index.append((stem, int(truth["item_index"]), len(record), len(row)))
        self._json.append(record)
        self._csv.append(row)

    def flush(self) -> list[OutputFile]:
        """The run so far as a file; the next document starts a new one."""
        if self._stem is None:
            return []
        header = json.dumps(self._index, separators=(",", ":")).encode() + b"\n"
        files = [(records_path(self._stem), b"".join([header, *self._json, *self._csv]))]
        self._stem, self._index, self._json, self._csv = None, [], [], []
        return files


def run_records(data: bytes) -> Iterator[tuple[str, int, bytes, bytes]]:
    """A `RecordRuns` file's (document id, item index, data.json text, data.csv row), in order."""
    end = data.index(b"\n") + 1
    index = json.loads(data[:end])
    at, csv_at = end, end + sum(n for _, _, n, _ in index)
    for stem, item, json_len, csv_len in index:
        yield stem, item, data[at : at + json_len], data[csv_at : csv_at + csv_len]
        at += json_len
        csv_at += csv_len


def record_runs(spec: GenerationSpec, files: ShardFiles, start: int, stop: int) -> Iterator[tuple[bytes, bytes, int]]:
    """(data.json texts joined by commas, data.csv rows, how many) of the runs of records of the
    documents of items [start, stop), in item order; a run's records outside the range are left out."""
    for item_index in range(start, stop):
        for form_id in spec.form_ids:
            path = records_path(document_stem(form_id, item_index, spec.quantity))
            if path not in files:
                continue  # not the first document of a run
            records = [(text, row) for _, item, text, row in run_records(files.read(path)) if start <= item < stop]
            if records:
                yield b",".join(text for text, _ in records), b"".join(row for _, row in records), len(records)


def write_records(
    spec: GenerationSpec,
    catalog: Catalog,
    runs: Iterator[tuple[bytes, bytes, int]],
    json_sink: BinaryIO,
    csv_sink: BinaryIO,
    *,
    whole: bool,
) -> int:
    """Runs of records as data.json / data.csv text; `whole` adds the brackets and the header,
    else the text is a part for `join_downloads`. Returns the number of records."""
    if whole:
        csv_sink.write(csv_header(spec, catalog))
        json_sink.write(b"[")
    n = 0
    for texts, rows, count in runs:
        json_sink.write((b"," if n else b"") + texts)
        csv_sink.write(rows)
        n += count
    if whole:
        json_sink.write(b"]")
    return n


def write_downloads(
    spec: GenerationSpec,
    catalog: Catalog,
    store: ArtifactStore,
    job_id: str,
    records: Iterator[tuple[bytes, bytes, int]],
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
