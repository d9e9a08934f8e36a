"""The per-document annotation files: ground truth always, FUNSD per page of every surface."""

from __future__ import annotations

import json

from symage_pipeline.annotate.funsd import funsd_pages
from symage_pipeline.annotate.ground_truth import ground_truth
from symage_pipeline.catalog import FormDef
from symage_pipeline.document import FilledDocument, OutputFile, RenderedSurface
from symage_pipeline.request import GenerationSpec


def json_bytes(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def document_files(
    form: FormDef, doc: FilledDocument, surfaces: dict[str, RenderedSurface], spec: GenerationSpec
) -> list[OutputFile]:
    files: list[OutputFile] = []
    for name, surface in surfaces.items():
        for page_no, page in enumerate(funsd_pages(form, surface.words)):
            files.append((f"annotations/funsd/{name}/{doc.stem}_funsd_p{page_no}.json", json_bytes(page)))
    truth = ground_truth(
        form, doc.values, item_index=doc.item_index, document_id=doc.stem, identity_seed=doc.identity_seed
    )
    files.append((f"ground_truth/json/{doc.stem}.json", json_bytes(truth)))
    return files
