"""The per-chunk functions the ops call: identities → coherence → render → annotate, as plain functions.

The Dagster ops (`defs/generate.py`) are thin wrappers around these. Everything item *i* needs is a
function of the spec and *i*, so a chunk can be remade alone, anywhere, to the same bytes. Each
stage belongs to its own library (coherence, render, annotate); this module only joins them and
writes what they return to the artifact store under `keys.file_key`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from symage_pipeline import annotate, coherence, render
from symage_pipeline.bundle.parts import part_path, write_part
from symage_pipeline.catalog import Catalog
from symage_pipeline.document import FilledDocument, OutputFile, RenderedSurface
from symage_pipeline.keys import file_key
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import ArtifactStore

PROGRESS_EVERY = 25  # documents between progress reports: ~1 ms of DB work per report


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
class RenderedDocument:
    doc: FilledDocument
    surfaces: dict[str, RenderedSurface]


@dataclass(frozen=True)
class RenderedChunk:
    """What `render` hands `annotate`: every document's surfaces with their word boxes (PDF and
    page-image files are already in the store)."""

    chunk: Chunk
    documents: tuple[RenderedDocument, ...]
    files: int
    bytes_written: int


@dataclass(frozen=True)
class ChunkResult:
    chunk: Chunk
    documents: int
    files: int
    bytes_written: int


def plan_chunks(job_id: str, spec: GenerationSpec, chunk_size: int, shard_size: int = 0) -> list[Chunk]:
    return [
        Chunk(job_id, n, start, min(start + chunk_size, spec.quantity), spec, shard_size)
        for n, start in enumerate(range(0, spec.quantity, chunk_size))
    ]


def identities(chunk: Chunk) -> list[Any]:
    return coherence.chunk_identities(chunk.spec, chunk.start, chunk.stop)


def fill(chunk: Chunk, catalog: Catalog, people: Sequence[Any]) -> list[FilledDocument]:
    return coherence.fill_documents(chunk.spec, catalog, chunk.start, people)


def _write(store: ArtifactStore, job_id: str, outputs: Sequence[OutputFile]) -> tuple[int, int]:
    written = 0
    for path, data in outputs:
        store.put_bytes(file_key(job_id, path), data)
        written += len(data)
    return len(outputs), written


def _render_batch(
    catalog: Catalog, store: ArtifactStore, chunk: Chunk, docs: Sequence[FilledDocument]
) -> tuple[list[RenderedDocument], int, int]:
    rendered, files, written = [], 0, 0
    for doc in docs:
        surfaces = render.render_document(catalog.get(doc.form_id), doc, chunk.spec)
        batch_files, batch_bytes = _write(store, chunk.job_id, render.surface_files(doc, surfaces))
        rendered.append(RenderedDocument(doc, surfaces))
        files, written = files + batch_files, written + batch_bytes
    return rendered, files, written


def render_chunk(
    catalog: Catalog,
    store: ArtifactStore,
    chunk: Chunk,
    documents: Sequence[FilledDocument],
    on_progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RenderedChunk:
    """Render every requested surface of each document and store its PDFs and page images, in
    this process: parallelism is the executor's (`defs/execution.py`), one chunk per step.

    `should_stop` is asked before each batch of `PROGRESS_EVERY` documents (a cancel): the chunk
    then ends with the documents made so far, a prefix of its items."""
    rendered: list[RenderedDocument] = []
    files = written = 0
    for i in range(0, len(documents), PROGRESS_EVERY):
        if should_stop and should_stop():
            break
        docs, batch_files, batch_bytes = _render_batch(catalog, store, chunk, documents[i : i + PROGRESS_EVERY])
        rendered.extend(docs)
        files, written = files + batch_files, written + batch_bytes
        if on_progress:
            on_progress(len(docs))
    return RenderedChunk(chunk, tuple(rendered), files, written)


def _annotate_batch(
    catalog: Catalog, store: ArtifactStore, chunk: Chunk, items: Sequence[RenderedDocument]
) -> tuple[int, int, list[OutputFile]]:
    files = written = 0
    made: list[OutputFile] = []
    for item in items:
        outputs = annotate.document_files(catalog.get(item.doc.form_id), item.doc, item.surfaces, chunk.spec)
        more_files, more_bytes = _write(store, chunk.job_id, outputs)
        files, written = files + more_files, written + more_bytes
        made.extend(render.surface_files(item.doc, item.surfaces))
        made.extend(outputs)
    return files, written, made


def annotate_chunk(catalog: Catalog, store: ArtifactStore, rendered: RenderedChunk) -> ChunkResult:
    """Labels from the word boxes the renderer placed: ground truth, FUNSD and words for every
    surface, BIO / COCO / YOLO / Donut / parquet rows on request. The chunk's files are also
    written as one zip part, deflated here, which the bundle copies without recompressing."""
    chunk = rendered.chunk
    files, written, made = _annotate_batch(catalog, store, chunk, rendered.documents)
    write_part(store, chunk.job_id, chunk.index, sorted(made))
    files, written = rendered.files + files, rendered.bytes_written + written
    return ChunkResult(chunk, documents=len(rendered.documents), files=files, bytes_written=written)


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
    """The items [0, n) whose chunks were fully made (their zip part, written last, exists): what
    a failed job can still hand over."""
    made = 0
    for chunk in plan_chunks(job_id, spec, chunk_size, shard_size):
        if not store.exists(file_key(job_id, part_path(chunk.index))):
            break
        made = chunk.stop
    return made


def render_and_annotate(
    catalog: Catalog,
    store: ArtifactStore,
    chunk: Chunk,
    documents: Sequence[FilledDocument],
    on_progress: Callable[[int], None] | None = None,
) -> ChunkResult:
    """`render` then `annotate` in one call: a chunk made outside Dagster (tests, benchmarks)."""
    return annotate_chunk(catalog, store, render_chunk(catalog, store, chunk, documents, on_progress))
