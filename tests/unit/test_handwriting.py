"""Handwritten surface: writers, ink, fitting values into boxes, stages, determinism."""

from __future__ import annotations

import colorsys
import io
from collections import Counter

import numpy as np
import pymupdf
import pytest
from PIL import Image

from symage_pipeline.catalog import load_catalog
from symage_pipeline.document import FilledDocument, RenderedSurface
from symage_pipeline.render import INK_RGB, WRITERS, rasterize, render_document, render_handwritten
from symage_pipeline.render.fonts import FONT_FILES, hand_font
from symage_pipeline.render.writers import pick_ink
from symage_pipeline.spec import GenerationSpec
from tests.unit.surface_forms import catalog_values, form_with

# every form that offers handwriting: the renderer is driven by form data only
FORMS = tuple(f.id for f in load_catalog() if f.handwriting)


def _one_writer(form, writer=WRITERS[0]) -> dict:
    return {f.id: writer for f in form.fields}


def _value_words(rendered, field_id: str) -> list:
    return [w for w in rendered.words if w.kind == "value" and w.field_id == field_id]


def test_at_least_six_writers_over_five_real_handwriting_fonts() -> None:
    assert len(WRITERS) >= 6 and len({w.name for w in WRITERS}) == len(WRITERS)
    assert len({FONT_FILES[w.font][0] for w in WRITERS}) >= 5
    for key in FONT_FILES:
        font = hand_font(key)
        assert set("0123456789$,.-/") <= set(font.gids), key  # every writer can write money and dates
        assert 10_000 < len(font.buffer) < 60_000  # subset: embedded once per PDF, not the whole font


@pytest.mark.parametrize("form_id", FORMS)
def test_every_value_is_written_whole_and_boxes_stay_near_their_field(form_id: str) -> None:
    form, values = catalog_values(form_id)
    rendered = render_handwritten(form, values, writers=_one_writer(form), ink=INK_RGB["blue"], seed=1)
    assert pymupdf.open("pdf", rendered.pdf).page_count == form.page_count
    for f in form.fields:
        words = _value_words(rendered, f.id)
        if f.type == "checkbox":
            assert [w.text for w in words] == (["X"] if values[f.id] else [])
            continue
        assert " ".join(w.text for w in words) == " ".join(values[f.id].split()), f.id
        x0, y0, x1, y1 = f.rect
        for w in words:  # ink may stray a little past the box, like a person's, never far
            assert x0 - 3 <= w.x0 < w.x1 <= x1 + 3 and y0 - 4 <= w.y0 < w.y1 <= y1 + 4, (f.id, w)


def test_each_writer_has_a_recognisably_different_hand() -> None:
    form, values = catalog_values("irs_w2_2025")
    pdfs = {
        render_handwritten(form, values, writers=_one_writer(form, w), ink=INK_RGB["blue"], seed=3).pdf for w in WRITERS
    }
    assert len(pdfs) == len(WRITERS)
    widths = {
        w.name: _value_words(
            render_handwritten(form, values, writers=_one_writer(form, w), ink=(0, 0, 0), seed=3), "employee_ssn"
        )[0]
        for w in WRITERS
    }
    assert len({round(b.x1 - b.x0) for b in widths.values()}) >= 4  # same SSN, different hands, different widths


def test_same_seed_same_bytes_other_seed_other_jitter() -> None:
    form, values = catalog_values("irs_w2_2025")
    a = render_handwritten(form, values, writers=_one_writer(form), ink=INK_RGB["red"], seed=5)
    b = render_handwritten(form, dict(values), writers=_one_writer(form), ink=INK_RGB["red"], seed=5)
    c = render_handwritten(form, values, writers=_one_writer(form), ink=INK_RGB["red"], seed=6)
    assert a.pdf == b.pdf and a.words == b.words
    assert c.pdf != a.pdf
    meta = pymupdf.open("pdf", a.pdf).metadata
    assert meta["creationDate"] == meta["modDate"] == "D:20250101000000Z"


def test_comb_fields_get_one_glyph_per_cell() -> None:
    form = form_with([{"id": "ssn_boxes", "type": "ssn", "rect": [100, 100, 280, 118], "comb": 9}])
    rendered = render_handwritten(form, {"ssn_boxes": "123456789"}, writers=_one_writer(form), ink=(0, 0, 0), seed=2)
    words = _value_words(rendered, "ssn_boxes")
    assert [w.text for w in words] == list("123456789")
    cell = 180 / 9
    for i, w in enumerate(words):
        centre = (w.x0 + w.x1) / 2
        assert 100 + i * cell < centre < 100 + (i + 1) * cell, (i, w)


@pytest.mark.parametrize(
    ("rect", "value"),
    [
        ([40, 40, 160, 53], "4218 North Evergreen Terrace Apartment 12B"),  # too long for one line: shrinks
        ([40, 40, 160, 80], "4218 North Evergreen Terrace Apartment 12B Springfield"),  # tall box: wraps
        ([40, 40, 90, 52], "Supercalifragilisticexpialidocious"),  # one word cannot wrap: shrinks more
        ([40, 40, 300, 110], "Line one\nLine two is a little longer\nLine three"),
    ],
)
def test_overflowing_values_are_shrunk_or_wrapped_never_clipped(rect: list[float], value: str) -> None:
    form = form_with([{"id": "box", "rect": rect}])
    for writer in WRITERS:
        rendered = render_handwritten(form, {"box": value}, writers=_one_writer(form, writer), ink=(0, 0, 0), seed=4)
        words = _value_words(rendered, "box")
        assert " ".join(w.text for w in words) == " ".join(value.split())  # every character is written
        x0, y0, x1, y1 = rect
        assert min(w.x0 for w in words) >= x0 - 1.5 and max(w.x1 for w in words) <= x1 + 1.5, writer.name
        assert min(w.y0 for w in words) >= y0 - 3 and max(w.y1 for w in words) <= y1 + 3, writer.name


def test_prefilled_fields_stay_typed_and_blank_fields_stay_empty() -> None:
    form, values = catalog_values("irs_w2_2025")
    values = {**values, "control_number": ""}
    stages = {"employer_ein": "prefilled", "control_number": "blank"}
    rendered = render_handwritten(form, values, writers=_one_writer(form), ink=INK_RGB["blue"], seed=1, stages=stages)
    page = pymupdf.open("pdf", rendered.pdf)[0]
    typed = [s for block in page.get_text("dict")["blocks"] for line in block.get("lines", []) for s in line["spans"]]
    ein = [s for s in typed if s["text"].strip() == values["employer_ein"]]
    assert ein and ein[0]["font"] == "Helvetica" and ein[0]["color"] == 0  # machine prefill in black
    assert not _value_words(rendered, "control_number")


def _ink_pixels(surface: RenderedSurface) -> np.ndarray:
    """RGB of the non-background pixels inside the value boxes of the rasterized first page."""
    (image, *_) = rasterize(surface, 150)
    rgb = np.asarray(Image.open(io.BytesIO(image.data)).convert("RGB")).astype(float) / 255
    mask = np.zeros(rgb.shape[:2], bool)
    for w in image.words:
        if w.kind == "value":
            mask[int(w.y0) : int(w.y1) + 1, int(w.x0) : int(w.x1) + 1] = True
    pixels = rgb[mask]
    return pixels[pixels.mean(axis=1) < 0.75]


@pytest.mark.parametrize("color", ["blue", "red", "black"])
def test_rasterized_ink_has_the_requested_hue(color: str) -> None:
    form, values = catalog_values("irs_w2_2025", index=2)
    knobs = {"request_options": {"ink_color": color}}
    spec = GenerationSpec(
        form_ids=(form.id,), quantity=1, output_formats=("pdf_handwritten", "png_handwritten"), seed=9, config=knobs
    )
    surface = render_document(form, FilledDocument(form.id, 0, "x", values, 0), spec)["handwritten"]
    assert surface.metadata["ink_color"] == color
    pixels = _ink_pixels(surface)
    assert len(pixels) > 500
    hsv = np.array([colorsys.rgb_to_hsv(*p) for p in pixels[::5]])
    if color == "black":
        assert np.mean(hsv[:, 1] < 0.25) > 0.9  # dark and unsaturated
        return
    inked = hsv[hsv[:, 1] > 0.3]
    assert len(inked) > 0.6 * len(hsv)  # the ink is coloured, not grey
    expected = colorsys.rgb_to_hsv(*INK_RGB[color])[0] * 360
    off = np.abs((inked[:, 0] * 360 - expected + 180) % 360 - 180)  # circular distance in degrees
    assert np.mean(off < 15) > 0.9, (expected, np.median(inked[:, 0] * 360))


def test_ink_distribution_is_followed_per_document() -> None:
    picks = Counter(pick_ink(7, "irs_w2_2025", i, "blue", {"blue": 60, "black": 30, "red": 10}) for i in range(2000))
    assert abs(picks["blue"] / 2000 - 0.6) < 0.04 and abs(picks["black"] / 2000 - 0.3) < 0.04
    assert abs(picks["red"] / 2000 - 0.1) < 0.03
    assert pick_ink(7, "irs_w2_2025", 3, "red", None) == "red"


def test_writer_consistency_per_document_or_per_field() -> None:
    form, values = catalog_values("irs_f1040_2024")
    doc = FilledDocument(form.id, 4, "x", values, 0)
    one = render_document(
        form, doc, GenerationSpec(form_ids=(form.id,), quantity=5, output_formats=("pdf_handwritten",), seed=1)
    )["handwritten"]
    assert one.metadata["writer"] in {w.name for w in WRITERS} and "writers" not in one.metadata
    opts = {"request_options": {"writer_consistency": "per_field"}}
    many = render_document(
        form,
        doc,
        GenerationSpec(form_ids=(form.id,), quantity=5, output_formats=("pdf_handwritten",), seed=1, config=opts),
    )["handwritten"]
    assert len(set(many.metadata["writers"].values())) >= 5
    # one person per item: the writer does not depend on which form they fill in
    w2, w2_values = catalog_values("irs_w2_2025")
    other = render_document(
        w2,
        FilledDocument(w2.id, 4, "y", w2_values, 0),
        GenerationSpec(form_ids=(w2.id,), quantity=5, output_formats=("pdf_handwritten",), seed=1),
    )
    assert other["handwritten"].metadata["writer"] == one.metadata["writer"]


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.name)
def test_word_boxes_cover_every_writers_ink(writer) -> None:
    """Boxes come from glyph outlines and matrices, not from reading the page: check them against pixels."""
    form, values = catalog_values("irs_w2_2025", index=3)
    writers = _one_writer(form, writer)
    full = render_handwritten(form, values, writers=writers, ink=(0, 0, 0), seed=3)
    blank = render_handwritten(form, {f.id: "" for f in form.fields}, writers=writers, ink=(0, 0, 0), seed=3)
    pages = [
        np.asarray(
            Image.open(
                io.BytesIO(rasterize(RenderedSurface("handwritten", r.pdf, r.words, (form.page_size,)), 150)[0].data)
            )
        )
        for r in (full, blank)
    ]
    ink = (pages[0] < 12) & (pages[1] > 13)  # palette indices: 0 = black ... 15 = white
    boxes = np.zeros_like(ink)
    scale = 150 / 72
    for w in full.words:
        if w.kind == "value":
            boxes[
                int(w.y0 * scale) : int(np.ceil(w.y1 * scale)) + 1, int(w.x0 * scale) : int(np.ceil(w.x1 * scale)) + 1
            ] = True
    assert ink.sum() > 1000 and (ink & boxes).sum() / ink.sum() > 0.999
