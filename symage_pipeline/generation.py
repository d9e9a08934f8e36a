"""Making the documents of one chunk: identities → coherence → render → annotate, as plain functions.

The Dagster ops are thin wrappers around these, and so is `symage generate`. Everything item *i*
needs is a function of the spec and *i*, so a chunk can be remade alone, anywhere, to the same bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from symage_pipeline.annotate import csv_row, funsd_pages, ground_truth
from symage_pipeline.catalog import Catalog, fill_values
from symage_pipeline.identities import build_packet, make_identity
from symage_pipeline.render import render_typed
from symage_pipeline.request import GenerationSpec
from symage_pipeline.storage import ArtifactStore

SURFACE_DIRS = {"pdf_typed": "typed"}


@dataclass(frozen=True)
class Chunk:
    """A slice of items [start, stop) of one job; carries the spec so each step needs nothing else."""

    job_id: str
    index: int
    start: int
    stop: int
    spec: GenerationSpec

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


def plan_chunks(job_id: str, spec: GenerationSpec, chunk_size: int) -> list[Chunk]:
    return [
        Chunk(job_id, n, start, min(start + chunk_size, spec.quantity), spec)
        for n, start in enumerate(range(0, spec.quantity, chunk_size))
    ]


def job_prefix(job_id: str) -> str:
    return f"jobs/{job_id}"


def files_prefix(job_id: str) -> str:
    """Per-document files live under the path they take inside the dataset zip."""
    return f"{job_prefix(job_id)}/files"


def document_stem(form_id: str, item_index: int, quantity: int) -> str:
    return f"{form_id}_{item_index:0{max(6, len(str(quantity - 1)))}d}"


def identities(chunk: Chunk) -> list[dict]:
    """Coherent mode: item i's identity is seeded seed + i, as the SDK documents."""
    return [make_identity(chunk.spec.seed, i) for i in range(chunk.start, chunk.stop)]


def coherence(spec: GenerationSpec, catalog: Catalog, people: Sequence[dict]) -> list[dict[str, dict[str, str]]]:
    """Per item, the displayed value of every field of every form, all from the item's one identity."""
    forms = [catalog.get(f) for f in spec.form_ids]
    items = []
    for person in people:
        packet = build_packet(person, spec.form_ids)
        items.append({form.id: fill_values(form, packet) for form in forms})
    return items


def _json_bytes(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def render_and_annotate(
    catalog: Catalog, store: ArtifactStore, chunk: Chunk, items: Sequence[dict[str, dict[str, str]]]
) -> ChunkResult:
    """Render every requested surface and write its ground truth and FUNSD pages to the store."""
    spec = chunk.spec
    prefix = files_prefix(chunk.job_id)
    files = written = 0
    for offset, per_form in enumerate(items):
        item_index = chunk.start + offset
        for form_id in spec.form_ids:
            form = catalog.get(form_id)
            values = per_form[form_id]
            stem = document_stem(form_id, item_index, spec.quantity)
            outputs: list[tuple[str, bytes]] = []
            for surface in spec.output_formats:
                if surface != "pdf_typed":
                    continue
                rendered = render_typed(form, values)
                sub = SURFACE_DIRS[surface]
                outputs.append((f"pdfs/{sub}/{stem}.pdf", rendered.pdf))
                for page_no, page in enumerate(funsd_pages(form, rendered.words)):
                    outputs.append((f"annotations/funsd/{sub}/{stem}_funsd_p{page_no}.json", _json_bytes(page)))
            truth = ground_truth(
                form, values, item_index=item_index, document_id=stem, identity_seed=spec.seed + item_index
            )
            outputs.append((f"ground_truth/json/{stem}.json", _json_bytes(truth)))
            for path, data in outputs:
                store.put_bytes(f"{prefix}/{path}", data)
                files += 1
                written += len(data)
    return ChunkResult(chunk, documents=len(items) * len(spec.form_ids), files=files, bytes_written=written)


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
    "coherence",
    "csv_columns",
    "csv_row",
    "document_stem",
    "ground_truth_records",
    "identities",
    "plan_chunks",
    "render_and_annotate",
]
