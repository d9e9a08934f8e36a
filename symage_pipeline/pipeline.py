"""The per-chunk work the run's steps call: identities → coherence → render → annotate, streamed.

The Dagster op (`defs/generate.py`) is a thin wrapper around `make_chunk`. Everything item *i*
needs is a function of the spec and *i*, so a chunk can be remade alone, anywhere, to the same
bytes. Each stage belongs to its own library (coherence, render, annotate); this module only joins
them, a batch of `PROGRESS_EVERY` items at a time, and writes what they return into the chunk's
zip parts in the artifact store.

Why one step per chunk, streamed: a multiprocess step costs ~0.6 s to start and the four stages
were four steps whose outputs (every rendered document of the chunk) went through the IO manager;
streamed in batches, a step's memory is one batch whatever the chunk's size, so a chunk can be as
large as the job needs (docs/decisions/dagster-overhead.md).
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any

from symage_pipeline import annotate, coherence, render
from symage_pipeline.bundle import bundle_shard, item_ranges
from symage_pipeline.bundle.downloads import RecordRuns
from symage_pipeline.bundle.parts import Parts, chunk_done_path, items_per_shard, part_entry, part_path
from symage_pipeline.catalog import Catalog, FormDef
from symage_pipeline.document import FilledDocument, OutputFile
from symage_pipeline.keys import file_key
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import ArtifactStore

PROGRESS_EVERY = 25  # items a batch: identities, parquet runs and the points where progress may be reported
# Seconds between progress reports (and cancel checks), after the first batch's: each is ~1-2 ms of
# app-database work, and a report every batch (25 typed W-2, ~50 ms) was ~4% of a chunk step's time.
REPORT_SECONDS = 0.25
# Items whose identities are made at once (whole batches): made column-wise, a call has a fixed
# cost, so 25 at a time cost 0.156 ms an identity and 250 at a time 0.062 ms (2026-12-07).
IDENTITY_BLOCK = 10 * PROGRESS_EVERY
STAGES = ("identities", "coherence", "render", "annotate", "write", "bundle")


@dataclass(frozen=True)
class Chunk:
    """A slice of items [start, stop) of one job; carries the spec so each step needs nothing else."""

    job_id: str
    index: int
    start: int
    stop: int
    spec: GenerationSpec
    shard_size: int = 0  # documents per dataset shard; 0 = always one archive

    @property
    def mapping_key(self) -> str:
        return f"chunk_{self.index:05d}"


@dataclass(frozen=True)
class ChunkResult:
    chunk: Chunk
    documents: int
    files: int
    bytes_written: int
    seconds: dict[str, float] = field(default_factory=dict)  # per stage, for the step's metadata
    shards: int = 0  # dataset shards this chunk bundled (`bundle_whole_shards`)


def plan_chunks(job_id: str, spec: GenerationSpec, chunk_size: int, shard_size: int = 0) -> list[Chunk]:
    return [
        Chunk(job_id, n, start, min(start + chunk_size, spec.quantity), spec, shard_size)
        for n, start in enumerate(range(0, spec.quantity, chunk_size))
    ]


def identities(chunk: Chunk) -> list[Any]:
    return coherence.chunk_identities(chunk.spec, chunk.start, chunk.stop)


def fill(chunk: Chunk, catalog: Catalog, people: Sequence[Any]) -> list[FilledDocument]:
    return coherence.fill_documents(chunk.spec, catalog, chunk.start, people)


class _Sink:
    """Where a chunk's files go: every file, work files too, into the chunk's part for the shard
    of its item, which the bundle copies without recompressing. Nothing else: a dataset file is
    served from the archive the bundle copies it into (`bundle.members`), never stored alone. A
    part is renamed into place (uploaded) when its shard's items are done; the chunk's
    `chunk_done_path` marker, written last, means all its items are made (`items_annotated`).
    Parquet rows and download records are written a batch at a time (`annotate.RowRuns`,
    `bundle.downloads.RecordRuns`), and never across two parts."""

    def __init__(self, store: ArtifactStore, chunk: Chunk, catalog: Catalog) -> None:
        self.store, self.chunk = store, chunk
        self.per_shard = items_per_shard(chunk.spec, chunk.shard_size)
        self.shard = -1
        self._open = ExitStack()
        self.part: zipfile.ZipFile | None = None
        self.files = self.bytes = 0
        self.rows = annotate.RowRuns()
        self.records = RecordRuns(chunk.spec, catalog)

    def _part_for(self, item: int) -> zipfile.ZipFile:
        shard = item // self.per_shard if self.per_shard else 0
        if self.part is None or shard != self.shard:
            self.end_batch()
            self._open.close()  # the previous shard's part is complete: into place
            chunk, per = self.chunk, self.per_shard
            start, stop = (chunk.start, chunk.stop) if not per else (
                max(chunk.start, shard * per), min(chunk.stop, (shard + 1) * per))  # fmt: skip
            sink = self._open.enter_context(self.store.open_write(
                file_key(chunk.job_id, part_path(chunk.index, start, stop))))  # fmt: skip
            self.part = self._open.enter_context(zipfile.ZipFile(sink, "w"))
            self.shard = shard
        return self.part

    def write(
        self, doc: FilledDocument, form: FormDef, outputs: Sequence[OutputFile], labels: annotate.DocumentLabels
    ) -> None:
        self._write(self._part_for(doc.item_index), outputs)
        self.rows.add(doc.stem, labels.rows)
        self.records.add(doc.stem, form, labels.truth)

    def end_batch(self) -> None:
        if self.part is not None:
            self._write(self.part, [*self.rows.flush(), *self.records.flush()])

    def _write(self, part: zipfile.ZipFile, outputs: Sequence[OutputFile]) -> None:
        for path, data in outputs:
            part.writestr(part_entry(path), data)
            self.files += 1
            self.bytes += len(data)

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, *exc: Any) -> None:
        """A failed chunk leaves its open part unwritten (its shard's items are not all made)."""
        if exc[0] is None:
            self.end_batch()
        self._open.__exit__(*exc)
        if exc[0] is None:
            self.store.put_bytes(file_key(self.chunk.job_id, chunk_done_path(self.chunk.index)), b"")


def make_chunk(
    catalog: Catalog,
    store: ArtifactStore,
    chunk: Chunk,
    *,
    on_progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    report_seconds: float = REPORT_SECONDS,
) -> ChunkResult:
    """Make the chunk's documents a batch at a time: identities, values, every requested surface,
    labels, into the store and the chunk's parts. Only one batch is in memory at once. Then the
    dataset shards that lie wholly in the chunk are bundled (`bundle_whole_shards`).

    Between batches, once `report_seconds` have passed since the last time (and always after the
    first batch), `on_progress` gets the documents made since its last call and `should_stop` is
    asked (a cancel): the chunk then ends with the documents made so far, a prefix of its items.
    The last documents are reported at the end, so the reports add up to the documents made.
    Batches, not the clock, decide what is written, so the output never depends on the timing."""
    seconds = dict.fromkeys(STAGES, 0.0)
    made = unreported = 0
    next_check = 0.0  # perf_counter time of the next cancel check and progress report
    block: list[Any] = []  # identities of the items [block_start, block_start + len(block))
    block_start = chunk.start
    with _Sink(store, chunk, catalog) as sink:
        for start in range(chunk.start, chunk.stop, PROGRESS_EVERY):
            if time.perf_counter() >= next_check:
                if on_progress and unreported:
                    on_progress(unreported)
                    unreported = 0
                if should_stop and should_stop():
                    break
                next_check = time.perf_counter() + report_seconds
            batch = Chunk(chunk.job_id, chunk.index, start, min(start + PROGRESS_EVERY, chunk.stop), chunk.spec)
            t0 = time.perf_counter()
            if start >= block_start + len(block):
                block_start = start
                block = identities(replace(batch, stop=min(start + IDENTITY_BLOCK, chunk.stop)))
            people = block[start - block_start : batch.stop - block_start]
            t1 = time.perf_counter()
            documents = fill(batch, catalog, people)
            seconds["identities"] += t1 - t0
            seconds["coherence"] += time.perf_counter() - t1
            for doc in documents:
                form = catalog.get(doc.form_id)
                t0 = time.perf_counter()
                surfaces = render.render_document(form, doc, chunk.spec)
                t1 = time.perf_counter()
                labels = annotate.document_labels(form, doc, surfaces, chunk.spec)
                t2 = time.perf_counter()
                sink.write(doc, form, [*render.surface_files(doc, surfaces), *labels.files], labels)
                seconds["render"] += t1 - t0
                seconds["annotate"] += t2 - t1
                seconds["write"] += time.perf_counter() - t2
            t0 = time.perf_counter()
            sink.end_batch()  # the batch's parquet rows
            seconds["write"] += time.perf_counter() - t0
            if not made:
                next_check = 0.0  # the first batch is reported at once
            made += len(documents)
            unreported += len(documents)
        if on_progress and unreported:
            on_progress(unreported)
    t0 = time.perf_counter()
    complete = made == (chunk.stop - chunk.start) * len(chunk.spec.form_ids)  # not stopped by a cancel
    shards = bundle_whole_shards(catalog, store, chunk) if complete else 0
    seconds["bundle"] = time.perf_counter() - t0
    return ChunkResult(chunk, made, sink.files, sink.bytes, {k: round(v, 3) for k, v in seconds.items()}, shards)


def warm(catalog: Catalog) -> None:
    """One typed document of every form, made and thrown away: the form templates, the labels'
    serialised boilerplate and the libraries' lazy imports are ready before a job's first batch,
    which otherwise took ~0.2 s longer than the next ones in a fresh process."""
    for form in catalog:
        spec = GenerationSpec(form_ids=(form.id,), quantity=1, output_formats=("pdf_typed",), seed=0)
        chunk = Chunk("warm-up", 0, 0, 1, spec)
        rows = annotate.RowRuns()
        for doc in fill(chunk, catalog, identities(chunk)):
            surfaces = render.render_document(form, doc, spec)
            render.surface_files(doc, surfaces)
            rows.add(doc.stem, annotate.document_labels(form, doc, surfaces, spec).rows)
        rows.flush()


def bundle_whole_shards(catalog: Catalog, store: ArtifactStore, chunk: Chunk) -> int:
    """Bundle the dataset shards whose items all lie in this (finished) chunk: fanned-out chunks
    bundle their shards in parallel, and the bundle step only does the shards that straddle two
    chunks, and joins. Returns how many."""
    ranges = item_ranges(chunk.spec, chunk.shard_size)
    if len(ranges) < 2:
        return 0  # one archive for the whole job: the bundle step writes it
    whole = [k for k, (start, stop) in enumerate(ranges) if chunk.start <= start and stop <= chunk.stop]
    with Parts(store, chunk.job_id, chunk.spec) as parts:
        for k in whole:
            bundle_shard(chunk.spec, catalog, store, chunk.job_id, ranges, k, parts)
    return len(whole)


def items_made(results: Sequence[ChunkResult]) -> int | None:
    """None when every chunk made all its items; else the items [0, n) that were all made (a
    cancel stops each chunk early, so parallel chunks can leave gaps after the first short one)."""
    ordered = sorted(results, key=lambda r: r.chunk.start)
    forms = len(ordered[0].chunk.spec.form_ids)
    made = 0
    for result in ordered:
        items = result.documents // forms
        if result.chunk.start != made:
            break
        made += items
        if items < result.chunk.stop - result.chunk.start:
            break
    return None if made == ordered[0].chunk.spec.quantity else made


def items_annotated(
    store: ArtifactStore, job_id: str, spec: GenerationSpec, chunk_size: int, shard_size: int = 0
) -> int:
    """The items [0, n) whose chunks were fully made (their done marker, written last, exists):
    what a failed job can still hand over."""
    made = 0
    for chunk in plan_chunks(job_id, spec, chunk_size, shard_size):
        if not store.exists(file_key(job_id, chunk_done_path(chunk.index))):
            break
        made = chunk.stop
    return made
