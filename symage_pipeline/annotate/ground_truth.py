"""Per-document ground-truth JSON (ground_truth/json/) and its flat CSV row (ground_truth/data.csv)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from symage_pipeline.annotate.jsontext import json_str, plain
from symage_pipeline.catalog import FormDef, PerFormCache

GROUND_TRUTH_SCHEMA_VERSION = "1.0"

FieldMetaItems = tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]
_FIELD_META: PerFormCache[FieldMetaItems] = PerFormCache()


def _field_meta_items(form: FormDef) -> FieldMetaItems:
    """Per-form constant; cached so a document only pays for fresh dict copies."""
    return _FIELD_META.get(form, lambda: _build_field_meta_items(form))


def _build_field_meta_items(form: FormDef) -> FieldMetaItems:
    return tuple(
        (
            f.id,
            (
                ("label", f.label),
                ("semantic_concept", f.semantic_concept),
                ("type", f.type),
                ("page", f.page),
                ("nist3", f.nist3),
            ),
        )
        for f in form.fields
    )


# A form's `field_meta` as `ground_truth` makes it, and its JSON text compact and spaced.
_FIELD_META_JSON: PerFormCache[tuple[dict[str, dict[str, Any]], str, str]] = PerFormCache()
_SEPARATORS = {False: (",", ":"), True: (", ", ": ")}


def _field_meta_json(form: FormDef) -> tuple[dict[str, dict[str, Any]], str, str]:
    meta = {fid: dict(items) for fid, items in _field_meta_items(form)}
    compact, spaced = (
        json.dumps(meta, ensure_ascii=False, sort_keys=True, separators=_SEPARATORS[s]) for s in (False, True)
    )
    return meta, compact, spaced


def truth_json(form: FormDef, truth: Mapping[str, Any], *, spaced: bool = False) -> str:
    """`json.dumps(truth, ensure_ascii=False, sort_keys=True)` with compact separators (the
    document's ground-truth file) or json's default spaced ones (its data.json record), for a
    `ground_truth` record of `form`. Its `field_meta` (~5 KB on a W-2) is the same in every document
    of the form and was four fifths of the encoding's cost, so its text is made once per form."""
    meta, compact, spaced_meta = _FIELD_META_JSON.get(form, lambda: _field_meta_json(form))
    item_sep, key_sep = _SEPARATORS[spaced]
    parts = []
    for key in sorted(truth):
        value = truth[key]
        if type(value) is str:
            text = json_str(value)
        elif type(value) is int:
            text = str(value)
        elif key == "field_meta" and value == meta:
            text = spaced_meta if spaced else compact
        else:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(item_sep, key_sep), default=plain)
        parts.append(f"{json_str(key)}{key_sep}{text}")
    return "{" + item_sep.join(parts) + "}"


def ground_truth(
    form: FormDef,
    values: Mapping[str, str],
    *,
    item_index: int,
    document_id: str,
    identity_seed: int,
    fill: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    surfaces: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict:
    """Answer key for one document: the exact strings printed, keyed by field id.

    Blank fields are present with ``""`` so every document of a form has the same keys. ``fill``
    (the fill scenario and per-field stages), the document's generation ``metadata`` (coherence
    mode, ...) and each rendered surface's metadata (writer, ink, degradation, illegible fields)
    go into ``_metadata`` so a consumer can filter or stratify without re-deriving them.
    """
    meta: dict[str, Any] = dict(metadata or {})
    meta.update(
        {
            "schema_version": GROUND_TRUTH_SCHEMA_VERSION,
            "form_version": form.version,
            "form_family": form.family,
            "form_year": form.year,
            "category": form.category,
            "page_count": form.page_count,
            "field_count": form.field_count,
            "coordinates": "pdf_points_top_left",
        }
    )
    if fill is not None:
        meta["fill"] = dict(fill)
    if surfaces is not None:
        meta["surfaces"] = {name: dict(m) for name, m in surfaces.items()}
    return {
        "document_id": document_id,
        "form_id": form.id,
        "form_name": form.name,
        "item_index": item_index,
        "identity_seed": identity_seed,
        "fields": {f.id: values.get(f.id) or "" for f in form.fields},
        "field_meta": {fid: dict(meta) for fid, meta in _field_meta_items(form)},
        "_metadata": meta,
    }


def csv_row(gt: Mapping[str, Any]) -> dict[str, str]:
    """Flat row: identifying columns first, then one column per field in form order."""
    row = {
        "document_id": str(gt["document_id"]),
        "form_id": str(gt["form_id"]),
        "item_index": str(gt["item_index"]),
    }
    for fid, value in gt["fields"].items():
        row[fid] = "" if value is None else str(value)
    return row
