"""Typed surface: the text a PDF reader extracts from each field is exactly the ground truth."""

from __future__ import annotations

import pymupdf
import pytest

from symage_pipeline.catalog import load_catalog
from symage_pipeline.render import render_typed
from tests.unit.surface_forms import catalog_values


@pytest.mark.parametrize("form_id", [f.id for f in load_catalog()])
def test_text_extracted_from_each_field_equals_the_ground_truth(form_id: str) -> None:
    form, values = catalog_values(form_id, seed=8)
    pdf = pymupdf.open("pdf", render_typed(form, values).pdf)
    words = [pdf[p].get_text("words", sort=True) for p in range(pdf.page_count)]
    for f in form.fields:
        x0, y0, x1, y1 = f.rect
        inside = [
            w[4]
            for w in words[f.page - 1]
            if x0 - 1 <= (w[0] + w[2]) / 2 <= x1 + 1 and y0 - 1 <= (w[1] + w[3]) / 2 <= y1 + 1
        ]
        expected = values[f.id].replace(" ", "") if f.comb else " ".join(values[f.id].split())
        got = "".join(inside) if f.comb else " ".join(inside)
        assert got == expected, (f.id, got, expected)
