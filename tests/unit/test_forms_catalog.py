"""The shipped forms catalog: a dozen forms in several categories, each complete as data."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest
import yaml

from symage_pipeline.catalog import DEFAULT_FORMS_DIR, FormDef, fill_values, load_catalog
from symage_pipeline.coherence.fill import needs_for, sections_for
from symage_pipeline.identities import build_packet, make_identities
from symage_pipeline.render import render_typed

CATALOG = load_catalog()
FORM_IDS = CATALOG.ids()


def test_at_least_twelve_forms_in_four_categories() -> None:
    assert len(FORM_IDS) >= 12
    assert len({f.category for f in CATALOG}) >= 4
    for wanted in ("irs_w2_2025", "irs_f1040_2024", "irs_1099_nec_2024", "cms_1500_standard_02_12",
                   "bank_statement_national_2026", "paystub_standard_2025"):  # fmt: skip
        assert wanted in CATALOG


def test_surface_flags_are_explicit_on_every_form() -> None:
    for path in sorted(Path(DEFAULT_FORMS_DIR).glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert isinstance(data.get("handwriting"), bool) and isinstance(data.get("fillable"), bool), path.name
    assert not CATALOG.get("cms_1500_standard_02_12").handwriting
    assert not CATALOG.get("bank_statement_national_2026").handwriting
    assert CATALOG.get("irs_w9_2024").fillable and not CATALOG.get("paystub_standard_2025").fillable


@pytest.fixture(scope="module", params=FORM_IDS)
def form(request: pytest.FixtureRequest) -> FormDef:
    return CATALOG.get(request.param)


def test_fields_carry_their_annotations(form: FormDef) -> None:
    for f in form.fields:
        assert f.semantic_concept and f.structural_role and f.entity_role, f.id
        assert f.nist3 in {"name", "ssn", "data"}
        assert f.type != "ssn" or f.nist3 == "ssn"
    slots = [f.semantic_concept for f in form.fields]
    assert len(slots) == len(set(slots))  # one concept per slot (tax.box12a.code, tax.box12b.code, ...)


def test_every_source_resolves_to_a_string(form: FormDef) -> None:
    sections = sections_for([form])
    for identity in make_identities(99, 0, 25, needs_for([form])):
        values = fill_values(form, build_packet(identity, sections=sections))
        assert list(values) == [f.id for f in form.fields]
        assert all(isinstance(v, str) for v in values.values())


def _overlap(a: tuple[float, ...], b: tuple[float, ...], tol: float = 0.05) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol


def test_value_areas_are_free_and_values_are_printed(form: FormDef) -> None:
    printed = render_typed(form, {}).words
    for a in form.fields:
        for b in form.fields:
            if a.id < b.id and a.page == b.page:
                assert not _overlap(a.rect, b.rect), (a.id, b.id)
        assert not any(w.page == a.page - 1 and _overlap(a.rect, w.box) for w in printed), a.id
    (identity,) = make_identities(7, 0, 1, needs_for([form]))
    values = fill_values(form, build_packet(identity, sections=sections_for([form])))
    doc = pymupdf.open("pdf", render_typed(form, values).pdf)
    words = [{w[4] for w in doc[p].get_text("words")} for p in range(doc.page_count)]
    for f in form.fields:
        for token in values[f.id].split():
            assert token in words[f.page - 1], (f.id, token)
