"""Per-item ``_words.json`` and ``_bio.json`` payloads (WIRE.md section 4.3 / 4.4 shapes).

Not required by every job, but they are pure functions of the same word boxes as FUNSD, so they
live here to keep one definition of "which field a word belongs to".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symage_pipeline.catalog import FieldDef, FormDef
from symage_pipeline.render.words import Word

LABEL_SCHEMES = ("semantic_concept", "nist3", "field_id", "field_type")


def _r(v: float) -> float:
    return round(v, 2)


def _labelled_by(form: FormDef) -> dict[str, list[str]]:
    """Field id of a printed label -> the fields it labels (itself and any `question` referrers)."""
    out: dict[str, list[str]] = {f.id: [f.id] for f in form.fields}
    for f in form.fields:
        q = f.layout.question
        if q is not None and q != f.id:
            out.setdefault(q, [q]).append(f.id)
    return out


def words_document(form: FormDef, words: Sequence[Word]) -> dict[str, Any]:
    """Word list with x/y/width/height; label words are static but linked to their fields."""
    by_id: dict[str, FieldDef] = {f.id: f for f in form.fields}
    labelled = _labelled_by(form)
    out = []
    for w in words:
        item: dict[str, Any] = {
            "text": w.text,
            "x": _r(w.x0),
            "y": _r(w.y0),
            "width": _r(w.x1 - w.x0),
            "height": _r(w.y1 - w.y0),
            "page": w.page,
            "field_id": None,
            "field_type": "static",
            "entity_type": None,
            "linked_field_ids": [],
            "linked_field_id": None,
        }
        if w.field_id is not None:
            f = by_id.get(w.field_id)
            if w.kind == "value" and f is not None:
                item["field_id"] = f.id
                item["field_type"] = f.type
                item["entity_type"] = f.entity_role
                item["linked_field_ids"] = [f.id]
            elif w.kind == "label":
                item["linked_field_ids"] = list(labelled.get(w.field_id, [w.field_id]))
            if item["linked_field_ids"]:
                item["linked_field_id"] = item["linked_field_ids"][0]
        out.append(item)
    return {"form_id": form.id, "page_count": form.page_count, "words": out}


def bio_document(form: FormDef, words: Sequence[Word], label_scheme: str = "semantic_concept") -> dict[str, Any]:
    """B/I/O tags over all words in reading order; only value words carry a class."""
    if label_scheme not in LABEL_SCHEMES:
        raise ValueError(f"unknown label scheme {label_scheme!r}; expected one of {', '.join(LABEL_SCHEMES)}")
    by_id: dict[str, FieldDef] = {f.id: f for f in form.fields}
    tokens = []
    prev_field: str | None = None
    for w in words:
        tag = "O"
        fid = w.field_id if w.kind == "value" else None
        f = by_id.get(fid) if fid is not None else None
        if f is not None:
            cls = {
                "semantic_concept": f.semantic_concept,
                "nist3": f.nist3,
                "field_id": f.id,
                "field_type": f.type,
            }[label_scheme]
            tag = f"{'I' if prev_field == f.id else 'B'}-{cls}"
        prev_field = f.id if f is not None else None
        tokens.append({"text": w.text, "tag": tag, "bbox": [_r(w.x0), _r(w.y0), _r(w.x1), _r(w.y1)], "page": w.page})
    return {"form_id": form.id, "page_count": form.page_count, "label_scheme": label_scheme, "tokens": tokens}
