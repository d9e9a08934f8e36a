"""Making the documents of one chunk: identities → coherence → render → annotate, as plain functions.

The Dagster ops are thin wrappers around these, and so is `symage generate`. Everything item *i*
needs is a function of the spec and *i*, so a chunk can be remade alone, anywhere, to the same bytes.
Each stage belongs to its own library (coherence, render, annotate); this module only joins them.
"""

from __future__ import annotations

import json
import math
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from symage_pipeline import annotate, coherence, render
from symage_pipeline.annotate import csv_row
from symage_pipeline.catalog import Catalog
from symage_pipeline.document import FilledDocument, document_stem
from symage_pipeline.request import GenerationSpec
from symage_pipeline.storage import ArtifactStore


@dataclass(frozen=True)
class Chunk:
    """A slice of items [start, stop) of one job; carries the spec so each step needs nothing else."""

    job_id: str
    index: int
    start: int
    stop: int
    spec: GenerationSpec
    shard_size: int = 0  # documents per dataset shard; 0 = always one archive
    processes: int = 1  # forked render processes for this chunk (in-process runs use every core)

    @property
    def mapping_key(self) -> str:
        return f"chunk_{self.index:05d}"


@dataclass(frozen=True)
class ChunkResult:
    chunk: Chunk
    documents: int
    files: int
    bytes_written: int


def chunk_size_for(quantity: int, *, target_chunks: int, min_chunk_size: int) -> int:
    return max(min_chunk_size, math.ceil(quantity / target_chunks))


def plan_chunks(
    job_id: str, spec: GenerationSpec, chunk_size: int, shard_size: int = 0, processes: int = 1
) -> list[Chunk]:
    return [
        Chunk(job_id, n, start, min(start + chunk_size, spec.quantity), spec, shard_size, processes)
        for n, start in enumerate(range(0, spec.quantity, chunk_size))
    ]


def job_prefix(job_id: str) -> str:
    return f"jobs/{job_id}"


def files_prefix(job_id: str) -> str:
    """Per-document files live under the path they take inside the dataset zip."""
    return f"{job_prefix(job_id)}/files"


def identities(chunk: Chunk) -> list[Any]:
    return coherence.chunk_identities(chunk.spec, chunk.start, chunk.stop)


def fill(chunk: Chunk, catalog: Catalog, people: Sequence[Any]) -> list[FilledDocument]:
    return coherence.fill_documents(chunk.spec, catalog, chunk.start, people)


PROGRESS_EVERY = 25  # documents between progress reports: ~1 ms of DB work per report
MIN_PARALLEL_DOCUMENTS = 100  # below this, forking costs more than it saves

# What forked render processes inherit (set just before the pool forks; never pickled).
_FORK_STATE: tuple[Catalog, ArtifactStore, Chunk] | None = None


def _render_batch(
    catalog: Catalog, store: ArtifactStore, chunk: Chunk, docs: Sequence[FilledDocument]
) -> tuple[int, int]:
    prefix = files_prefix(chunk.job_id)
    files = written = 0
    for doc in docs:
        form = catalog.get(doc.form_id)
        surfaces = render.render_document(form, doc, chunk.spec)
        outputs = render.surface_files(doc, surfaces) + annotate.document_files(form, doc, surfaces, chunk.spec)
        for path, data in outputs:
            store.put_bytes(f"{prefix}/{path}", data)
            files += 1
            written += len(data)
    return files, written


def _render_batch_forked(docs: Sequence[FilledDocument]) -> tuple[int, int, int]:
    assert _FORK_STATE is not None
    catalog, store, chunk = _FORK_STATE
    return (*_render_batch(catalog, store.reopened(), chunk, docs), len(docs))


def render_and_annotate(
    catalog: Catalog,
    store: ArtifactStore,
    chunk: Chunk,
    documents: Sequence[FilledDocument],
    on_progress: Callable[[int], None] | None = None,
) -> ChunkResult:
    """Render every requested surface of each document and write it with its annotations.

    Labels are computed here, from the word boxes the renderer placed, instead of in a later step:
    shipping every word box (and page image) between steps would cost more than computing them.
    With `chunk.processes` > 1 the documents are shared out to forked processes (which start warm,
    imports done), so an in-process run still uses every core; each document is independent, so
    the bytes are the same either way.
    """
    global _FORK_STATE
    batches = [documents[i : i + PROGRESS_EVERY] for i in range(0, len(documents), PROGRESS_EVERY)]
    files = written = 0
    if chunk.processes > 1 and len(documents) >= MIN_PARALLEL_DOCUMENTS:
        _FORK_STATE = (catalog, store, chunk)
        try:
            with multiprocessing.get_context("fork").Pool(min(chunk.processes, len(batches))) as pool:
                for batch_files, batch_bytes, done in pool.imap(_render_batch_forked, batches):
                    files, written = files + batch_files, written + batch_bytes
                    if on_progress:
                        on_progress(done)
        finally:
            _FORK_STATE = None
    else:
        for batch in batches:
            batch_files, batch_bytes = _render_batch(catalog, store, chunk, batch)
            files, written = files + batch_files, written + batch_bytes
            if on_progress:
                on_progress(len(batch))
    return ChunkResult(chunk, documents=len(documents), files=files, bytes_written=written)


def missing_ground_truth(store: ArtifactStore, chunk: Chunk) -> list[str]:
    """Documents of the chunk whose ground truth is not in the store (a chunk that did not finish)."""
    prefix = f"{files_prefix(chunk.job_id)}/ground_truth/json"
    return [
        stem
        for item_index in range(chunk.start, chunk.stop)
        for form_id in chunk.spec.form_ids
        if not store.exists(f"{prefix}/{(stem := document_stem(form_id, item_index, chunk.spec.quantity))}.json")
    ]


def ground_truth_records(spec: GenerationSpec, store: ArtifactStore, job_id: str) -> Iterator[dict]:
    """Every document's ground truth in item order, streamed: keys are computed, not listed."""
    prefix = f"{files_prefix(job_id)}/ground_truth/json"
    for item_index in range(spec.quantity):
        for form_id in spec.form_ids:
            yield json.loads(store.get_bytes(f"{prefix}/{document_stem(form_id, item_index, spec.quantity)}.json"))


def csv_columns(spec: GenerationSpec, catalog: Catalog) -> list[str]:
    columns = ["document_id", "form_id", "item_index"]
    for form_id in spec.form_ids:
        for field in catalog.get(form_id).fields:
            if field.id not in columns:
                columns.append(field.id)
    return columns


__all__ = [
    "Chunk",
    "ChunkResult",
    "chunk_size_for",
    "csv_columns",
    "csv_row",
    "fill",
    "ground_truth_records",
    "identities",
    "plan_chunks",
    "render_and_annotate",
]
