"""From identities to the displayed value of every field of every form of an item.

`coherent`: one identity per item fills every form of the item (same SSN on the W-2 and the
1040, 1040 line 1a = W-2 box 1).
"""

from __future__ import annotations

from collections.abc import Sequence

from symage_pipeline.catalog import Catalog, fill_values
from symage_pipeline.document import FilledDocument, document_stem
from symage_pipeline.identities import build_packet, make_identity
from symage_pipeline.request import GenerationSpec


def chunk_identities(spec: GenerationSpec, start: int, stop: int) -> list[dict]:
    """Item i's identity is seeded seed + i, as the SDK documents: any chunk can be remade alone."""
    return [make_identity(spec.seed, i) for i in range(start, stop)]


def fill_documents(spec: GenerationSpec, catalog: Catalog, start: int, people: Sequence[dict]) -> list[FilledDocument]:
    """Documents of items [start, start + len(people)), item-major then in spec.form_ids order."""
    documents = []
    for offset, person in enumerate(people):
        item_index = start + offset
        packet = build_packet(person, spec.form_ids)
        for form_id in spec.form_ids:
            documents.append(
                FilledDocument(
                    form_id=form_id,
                    item_index=item_index,
                    stem=document_stem(form_id, item_index, spec.quantity),
                    values=fill_values(catalog.get(form_id), packet),
                    identity_seed=spec.seed + item_index,
                    metadata={"coherence_mode": spec.coherence_mode},
                )
            )
    return documents
