"""Making the documents of one chunk: identities → coherence → render → annotate, as plain functions.

The Dagster ops are thin wrappers around these, and so is `symage generate`. Everything item *i*
needs is a function of the spec and *i*, so a chunk can be remade alone, anywhere, to the same bytes.
Each stage belongs to its own library (coherence, render, annotate); this module only joins them.
"""

from __future__ import annotations

import json
import math
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


def plan_chunks(job_id: str, spec: GenerationSpec, chunk_size: int, shard_size: int = 0) -> list[Chunk]:
    return [
        Chunk(job_id, n, start, min(start + chunk_size, spec.quantity), spec, shard_size)
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
    """
    prefix = files_prefix(chunk.job_id)
    files = written = unreported = 0
    for doc in documents:
        form = catalog.get(doc.form_id)
        surfaces = render.render_document(form, doc, chunk.spec)
        outputs = render.surface_files(doc, surfaces) + annotate.document_files(form, doc, surfaces, chunk.spec)
        for path, data in outputs:
            store.put_bytes(f"{prefix}/{path}", data)
            files += 1
            written += len(data)
        unreported += 1
        if on_progress and unreported >= PROGRESS_EVERY:
            on_progress(unreported)
            unreported = 0
    if on_progress and unreported:
        on_progress(unreported)
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
