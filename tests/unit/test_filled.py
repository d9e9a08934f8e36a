"""Fillable surface (pdf_filled): live AcroForm widgets that hold the ground truth."""

from __future__ import annotations

import numpy as np
import pymupdf
import pytest

from symage_pipeline.catalog import load_catalog
from symage_pipeline.render import render_filled, render_typed
from tests.unit.surface_forms import catalog_values, form_with

FORMS = tuple(f.id for f in load_catalog() if f.fillable)  # every fillable form of the catalog


def _read_back(pdf: bytes) -> dict[str, str]:
    """Field values as a form reader sees them; check boxes as the ground truth writes them ("X" / "")."""
    values = {}
    for page in pymupdf.open("pdf", pdf):
        for widget in page.widgets():
            value = widget.field_value
            if widget.field_type == pymupdf.PDF_WIDGET_TYPE_CHECKBOX:
                value = "X" if value not in (False, "Off", "") else ""
            values[widget.field_name] = value
    return values


@pytest.mark.parametrize("form_id", FORMS)
@pytest.mark.parametrize("index", [0, 1])
def test_acroform_values_read_back_equal_the_ground_truth(form_id: str, index: int) -> None:
    form, values = catalog_values(form_id, index=index)
    assert _read_back(render_filled(form, values).pdf) == {f.id: values[f.id] for f in form.fields}


def test_widgets_are_live_a_reader_can_change_a_value() -> None:
    form, values = catalog_values("irs_w2_2025")
    doc = pymupdf.open("pdf", render_filled(form, values).pdf)
    page = doc[0]  # a widget is bound to its page object: keep it alive
    widget = next(w for w in page.widgets() if w.field_name == "employee_last_name")
    assert widget.field_flags & pymupdf.PDF_FIELD_IS_READ_ONLY == 0
    widget.field_value = "Changed"
    widget.update()
    assert _read_back(doc.tobytes())["employee_last_name"] == "Changed"


def test_the_filled_page_looks_like_the_typed_page() -> None:
    """Appearance streams are written with the typed layout, so viewers show the values as typed."""
    form, values = catalog_values("irs_w2_2025", index=3)
    filled = pymupdf.open("pdf", render_filled(form, values).pdf)[0].get_pixmap(dpi=72, colorspace=pymupdf.csGRAY)
    typed = pymupdf.open("pdf", render_typed(form, values).pdf)[0].get_pixmap(dpi=72, colorspace=pymupdf.csGRAY)
    a = np.frombuffer(filled.samples, np.uint8).astype(int)
    b = np.frombuffer(typed.samples, np.uint8).astype(int)
    assert np.mean(np.abs(a - b) > 64) < 0.002  # only the check marks differ (a tick, not an "X")
    checkboxes = {f.id for f in form.fields if f.type == "checkbox"}
    typed_words = [w for w in render_typed(form, values).words if w.field_id not in checkboxes]
    assert [w for w in render_filled(form, values).words if w.field_id not in checkboxes] == typed_words


def test_comb_and_multiline_fields_keep_their_shape() -> None:
    form = form_with(
        [
            {"id": "ssn_boxes", "type": "ssn", "rect": [100, 100, 280, 118], "comb": 9},
            {"id": "address", "type": "address", "rect": [100, 130, 400, 190]},
        ]
    )
    values = {"ssn_boxes": "123456789", "address": "12 Main St\nSpringfield, IL 62704"}
    doc = pymupdf.open("pdf", render_filled(form, values).pdf)
    widgets = {w.field_name: w for w in doc[0].widgets()}
    assert widgets["ssn_boxes"].field_flags & pymupdf.PDF_TX_FIELD_IS_COMB and widgets["ssn_boxes"].text_maxlen == 9
    assert widgets["address"].field_flags & pymupdf.PDF_TX_FIELD_IS_MULTILINE
    assert _read_back(doc.tobytes()) == values


def test_same_values_same_bytes() -> None:
    form, values = catalog_values("irs_f1040_2024", index=5)
    assert render_filled(form, values).pdf == render_filled(form, dict(values)).pdf
    changed = {**values, "first_name": values["first_name"] + "x"}
    assert render_filled(form, changed).pdf != render_filled(form, values).pdf
