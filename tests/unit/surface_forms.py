"""Small forms built in code, for surface tests that need a field shape the catalog may not have
(comb boxes, tiny or oversized boxes, forms without handwriting or AcroForm support)."""

from __future__ import annotations

from typing import Any

from symage_pipeline.catalog import FormDef, fill_values, load_catalog, parse_form
from symage_pipeline.identities import build_packet, make_identity


def form_with(fields: list[dict[str, Any]], **top: Any) -> FormDef:
    """A one-page letter form whose fields are given as catalog YAML mappings (rect in points)."""
    data: dict[str, Any] = {
        "id": top.pop("id", "test_form"),
        "name": "Test form",
        "category": "test",
        "version": "1",
        "entity_type": "individual",
        "page_size": [612, 792],
        "pages": [{"texts": [{"text": "Test form", "at": [36, 20], "size": 12, "role": "title"}]}],
        "fields": [
            {
                "label": f["id"].replace("_", " "),
                "type": "text",
                "page": 1,
                "semantic_concept": f"test.{f['id']}",
                "nist3": "data",
                "source": f"test.{f['id']}",
                **f,
            }
            for f in fields
        ],
        **top,
    }
    return parse_form(data)


def catalog_values(form_id: str, seed: int = 42, index: int = 0) -> tuple[FormDef, dict[str, str]]:
    """A catalog form and the values a real identity fills it with."""
    form = load_catalog().get(form_id)
    return form, fill_values(form, build_packet(make_identity(seed, index), [form.id]))
