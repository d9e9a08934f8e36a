"""Typed renderer: values are really on the page, word boxes match the extractor, bytes are stable."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys

import pymupdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symage_pipeline.catalog import FieldDef, FieldLayout, FormDef, fill_values, load_catalog
from symage_pipeline.identities import build_packet, make_identity
from symage_pipeline.render import RenderedPdf, Word, layout_value, render_typed
from symage_pipeline.render.text import MIN_FONT_SIZE

FORMS = ("irs_w2_2025", "irs_f1040_2024")


def _values(form: FormDef, seed: int, index: int) -> dict[str, str]:
    return fill_values(form, build_packet(make_identity(seed, index), [form.id]))


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


@pytest.fixture(scope="module", params=FORMS)
def form(request: pytest.FixtureRequest) -> FormDef:
    return load_catalog().get(request.param)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_extracted_text_contains_every_value(form: FormDef, index: int) -> None:
    values = _values(form, 42, index)
    rendered = render_typed(form, values)
    doc = pymupdf.open("pdf", rendered.pdf)
    assert doc.page_count == rendered.page_count == form.page_count
    page_of = {f.id: f.page - 1 for f in form.fields}
    extracted = [[w[4] for w in doc[p].get_text("words")] for p in range(doc.page_count)]
    for fid, value in values.items():
        for token in value.split():
            assert token in extracted[page_of[fid]], (fid, token)


@pytest.mark.parametrize("index", [0, 5])
def test_word_boxes_match_pymupdf(form: FormDef, index: int) -> None:
    rendered = render_typed(form, _values(form, 7, index))
    doc = pymupdf.open("pdf", rendered.pdf)
    theirs: dict[int, list[tuple]] = {p: doc[p].get_text("words") for p in range(doc.page_count)}
    kinds = set()
    for w in rendered.words:
        kinds.add(w.kind)
        candidates = [t[:4] for t in theirs[w.page] if t[4] == w.text]
        best = max((_iou(w.box, c) for c in candidates), default=0.0)
        assert best >= 0.9, (w, candidates)
    assert kinds == {"value", "label", "static"}
    # and nothing on the page is missing from our word list
    assert sum(len(t) for t in theirs.values()) == len(rendered.words)


def test_value_words_carry_field_ids(form: FormDef) -> None:
    values = _values(form, 3, 3)
    rendered = render_typed(form, values)
    by_field: dict[str, list[str]] = {}
    for w in rendered.words:
        if w.kind == "value":
            by_field.setdefault(w.field_id or "", []).append(w.text)
        elif w.kind == "static":
            assert w.field_id is None
    assert {fid: " ".join(ws) for fid, ws in by_field.items()} == {
        fid: " ".join(v.split()) for fid, v in values.items() if v
    }


def test_same_inputs_same_bytes(form: FormDef) -> None:
    values = _values(form, 11, 4)
    a = render_typed(form, values)
    b = render_typed(form, dict(values))
    assert a.pdf == b.pdf and a.words == b.words
    other = dict(values)
    first = next(k for k, v in values.items() if v)
    other[first] = values[first] + "9"
    assert render_typed(form, other).pdf != a.pdf


def test_metadata_is_fixed(form: FormDef) -> None:
    doc = pymupdf.open("pdf", render_typed(form, _values(form, 1, 1)).pdf)
    meta = doc.metadata
    assert meta["creationDate"] == meta["modDate"] == "D:20250101000000Z"
    assert meta["title"] == form.name


def test_empty_values_render_blank(form: FormDef) -> None:
    rendered = render_typed(form, {f.id: "" for f in form.fields})
    assert not [w for w in rendered.words if w.kind == "value"]
    assert {w.kind for w in rendered.words} == {"label", "static"}
    doc = pymupdf.open("pdf", rendered.pdf)
    assert len(doc[0].get_text("words")) == sum(1 for w in rendered.words if w.page == 0)


def test_title_text_on_w2() -> None:
    w2 = load_catalog().get("irs_w2_2025")
    text = pymupdf.open("pdf", render_typed(w2, _values(w2, 1, 1)).pdf)[0].get_text()
    for phrase in (
        "W-2",
        "Wage and Tax Statement",
        "2025",
        "Department of the Treasury\u2014Internal Revenue Service",
        "OMB No. 1545-0008",
        "Copy B\u2014To Be Filed With Employee's FEDERAL Tax Return",
    ):
        assert phrase in text


def test_pdf_is_small() -> None:
    w2 = load_catalog().get("irs_w2_2025")
    assert len(render_typed(w2, _values(w2, 1, 1)).pdf) < 8000


def _field(rect: tuple[float, float, float, float], **layout: object) -> FieldDef:
    return FieldDef(
        id="x",
        label="X",
        type="text",
        page=1,
        rect=rect,
        semantic_concept="t.x",
        structural_role=None,
        entity_role=None,
        nist3="data",
        source="a.b",
        layout=FieldLayout(**layout),  # type: ignore[arg-type]
    )


def test_long_values_shrink_to_fit() -> None:
    f = _field((0, 0, 100, 12), font_size=9)
    lines = layout_value(f, "A fairly long employer name, Inc")
    assert len(lines) == 1
    text, x, _, size = lines[0]
    assert MIN_FONT_SIZE <= size < 9
    assert x + pymupdf.get_text_length(text, fontname="helv", fontsize=size) <= 100.01


def test_values_wrap_at_the_floor_and_are_never_truncated() -> None:
    f = _field((0, 0, 60, 12), font_size=9)
    value = "Extraordinarily long words that cannot possibly fit on one line"
    lines = layout_value(f, value)
    assert len(lines) > 1
    assert all(size == MIN_FONT_SIZE for *_, size in lines)
    assert " ".join(t for t, *_ in lines) == value


def test_alignment_and_multiline() -> None:
    right = layout_value(_field((100, 0, 200, 14), align="right"), "1,234.56")
    text, x, _, size = right[0]
    assert abs(x + pymupdf.get_text_length(text, fontname="helv", fontsize=size) - 200) < 0.02
    block = layout_value(_field((0, 0, 200, 60)), "line one\nline two\nline three")
    assert [t for t, *_ in block] == ["line one", "line two", "line three"]
    baselines = [b for _, _, b, _ in block]
    assert baselines == sorted(baselines)


def test_comb_places_one_char_per_cell() -> None:
    f = dataclasses.replace(_field((0, 0, 90, 12)), comb=9)
    cells = layout_value(f, "123456789")
    assert [c for c, *_ in cells] == list("123456789")
    xs = [x for _, x, _, _ in cells]
    assert all(10 * i <= x < 10 * (i + 1) for i, x in enumerate(xs))


def test_render_result_types() -> None:
    w2 = load_catalog().get("irs_w2_2025")
    r = render_typed(w2, _values(w2, 2, 2))
    assert isinstance(r, RenderedPdf) and isinstance(r.words[0], Word)
    assert r.pdf.startswith(b"%PDF-")


def _overlap(a: tuple[float, ...], b: tuple[float, ...], tol: float = 0.05) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol


def test_layout_value_areas_are_free(form: FormDef) -> None:
    """Value areas never overlap each other or printed text, so values stay separate words."""
    printed = render_typed(form, {}).words
    for a in form.fields:
        for b in form.fields:
            if a.id < b.id and a.page == b.page:
                assert not _overlap(a.rect, b.rect), (a.id, b.id)
        for w in printed:
            if w.page == a.page - 1:
                assert not _overlap(a.rect, w.box), (a.id, w.text)


def test_bytes_identical_in_a_fresh_process() -> None:
    """No process-local state (ids, hash seeds, timestamps) may leak into the PDF."""
    code = (
        "import hashlib;from symage_pipeline.catalog import load_catalog, fill_values;"
        "from symage_pipeline.identities import build_packet, make_identity;"
        "from symage_pipeline.render import render_typed;"
        "f=load_catalog().get('irs_f1040_2024');"
        "v=fill_values(f, build_packet(make_identity(7,3), [f.id]));"
        "print(hashlib.sha256(render_typed(f, v).pdf).hexdigest())"
    )
    theirs = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    f1040 = load_catalog().get("irs_f1040_2024")
    ours = hashlib.sha256(render_typed(f1040, _values(f1040, 7, 3)).pdf).hexdigest()
    assert theirs == ours


@settings(max_examples=200, deadline=None, database=None)
@given(
    text=st.text(alphabet=st.sampled_from("abcXYZ019 ,.-'&#"), min_size=1, max_size=80),
    width=st.floats(min_value=20, max_value=300),
    height=st.floats(min_value=6, max_value=40),
    align=st.sampled_from(["left", "right", "center"]),
)
def test_layout_never_drops_text_and_fits_when_possible(text: str, width: float, height: float, align: str) -> None:
    f = _field((10, 10, 10 + width, 10 + height), align=align)
    lines = layout_value(f, text)
    assert " ".join(t for t, *_ in lines) == " ".join(text.split())
    for t, x, _, size in lines:
        assert size >= MIN_FONT_SIZE
        line_width = pymupdf.get_text_length(t, fontname="helv", fontsize=size)
        # everything fits, except a single unbreakable word that is too wide even at the floor
        if size > MIN_FONT_SIZE or " " in t or line_width <= width:
            assert x >= 10 - 0.01 and x + line_width <= 10 + width + 0.01
