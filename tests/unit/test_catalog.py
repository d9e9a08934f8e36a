"""Catalog: the shipped YAML loads, and malformed definitions fail loudly, naming the form."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from symage_pipeline.catalog import (
    Catalog,
    FormDef,
    fill_values,
    format_value,
    load_catalog,
    load_form_file,
    parse_form,
)
from symage_pipeline.identities import build_packet, make_identity

FORMS = ("irs_f1040_2024", "irs_w2_2025")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_default_catalog_is_cached_and_sorted(catalog: Catalog) -> None:
    assert load_catalog() is catalog
    ids = [f.id for f in catalog.list()]
    assert ids == sorted(ids) and set(FORMS) <= set(ids)
    assert all(fid in catalog for fid in FORMS)
    assert "irs_w99_2024" not in catalog


def test_get_unknown_raises_key_error(catalog: Catalog) -> None:
    with pytest.raises(KeyError):
        catalog.get("irs_w99_2024")


def test_list_filters(catalog: Catalog) -> None:
    assert set(FORMS) <= {f.id for f in catalog.list(category="tax")}
    assert [f.id for f in catalog.list(family="w2")] == ["irs_w2_2025", "irs_w2_single_page_2025"]
    assert [f.id for f in catalog.list(family="1040")] == ["irs_f1040_2024"]
    assert all(f.category == "healthcare" for f in catalog.list(category="healthcare"))
    assert catalog.list(category="no-such-category") == []


def test_w2_shape(catalog: Catalog) -> None:
    w2 = catalog.get("irs_w2_2025")
    assert (w2.page_count, w2.page_size, w2.year, w2.family) == (1, (612.0, 792.0), 2025, "w2")
    ids = {f.id for f in w2.fields}
    for required in ("employee_ssn", "employer_ein", "box1_wages", "box6_medicare_tax", "box20_locality"):
        assert required in ids
    for slot in "abcd":
        code = next(f for f in w2.fields if f.id == f"box12{slot}_code")
        amount = next(f for f in w2.fields if f.id == f"box12{slot}_amount")
        assert code.semantic_concept == f"tax.box12{slot}.code"
        assert amount.semantic_concept == f"tax.box12{slot}.amount"
    assert w2.field_count == len(w2.fields)


def test_f1040_shape(catalog: Catalog) -> None:
    f1040 = catalog.get("irs_f1040_2024")
    assert f1040.page_count == 2
    by_id = {f.id: f for f in f1040.fields}
    assert by_id["line_1a"].page == 1 and by_id["line_15"].page == 1
    assert by_id["line_16"].page == 2 and by_id["line_37"].page == 2
    assert sum(1 for fid in by_id if fid.startswith("dep") and fid.endswith("_name")) >= 2


@pytest.mark.parametrize("form_id", FORMS)
def test_shipped_forms_are_consistent(catalog: Catalog, form_id: str) -> None:
    form = catalog.get(form_id)
    concepts = [f.semantic_concept for f in form.fields]
    assert len(set(concepts)) == len(concepts)
    for f in form.fields:
        x0, y0, x1, y1 = f.rect
        assert 0 <= x0 < x1 <= form.page_size[0] and 0 <= y0 < y1 <= form.page_size[1]
        assert f.nist3 in {"name", "ssn", "data"}
        assert f.type != "ssn" or f.nist3 == "ssn"


@pytest.mark.parametrize("form_id", FORMS)
def test_every_source_resolves(catalog: Catalog, form_id: str) -> None:
    form = catalog.get(form_id)
    for index in range(40):
        values = fill_values(form, build_packet(make_identity(99, index), [form_id]))
        assert list(values) == [f.id for f in form.fields]
        assert all(isinstance(v, str) for v in values.values())


def test_format_value_conventions() -> None:
    assert format_value("currency", 1234.5) == "1,234.50"
    assert format_value("currency", "98765.432") == "98,765.43"
    assert format_value("ssn", "123456789") == "123-45-6789"
    assert format_value("ein", "123456789") == "12-3456789"
    assert format_value("date", "2025-04-09") == "04/09/2025"
    assert format_value("checkbox", True) == "X"
    assert format_value("checkbox", False) == ""
    assert format_value("integer", 3.0) == "3"
    assert format_value("text", None) == ""


def test_fill_values_missing_source_names_field() -> None:
    form = load_catalog().get("irs_w2_2025")
    with pytest.raises(KeyError, match="employee_ssn.*person.ssn"):
        fill_values(form, {"person": {}})


# ---- validation -----------------------------------------------------------------------------


def _minimal() -> dict[str, Any]:
    return {
        "id": "test_form",
        "name": "Test form",
        "category": "tax",
        "family": "test",
        "year": 2025,
        "version": "1",
        "entity_type": "individual",
        "page_size": [612, 792],
        "pages": [{"number": 1, "texts": [{"text": "Title", "at": [36, 36], "size": 12, "role": "title"}]}],
        "fields": [
            {
                "id": "a",
                "label": "A",
                "type": "text",
                "page": 1,
                "cell": [36, 60, 300, 84],
                "semantic_concept": "test.a",
                "structural_role": None,
                "entity_role": None,
                "nist3": "data",
                "source": "person.first_name",
            },
            {
                "id": "b",
                "label": "B",
                "type": "ssn",
                "page": 1,
                "rect": [36, 100, 300, 112],
                "semantic_concept": "test.b",
                "structural_role": None,
                "entity_role": None,
                "nist3": "ssn",
                "source": "person.ssn",
            },
        ],
    }


def test_minimal_form_parses() -> None:
    form = parse_form(_minimal())
    assert isinstance(form, FormDef)
    assert form.field_count == 2 and form.page_count == 1
    # value area defaults to the part of the cell under the label
    x0, y0, x1, y1 = form.fields[0].rect
    assert 36 < x0 < x1 < 300 and 60 < y0 < y1 <= 84


def _mutate(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(_minimal())
    target: Any = data
    *parents, last = path.split("/")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is _DELETE:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("fields/1/id", "a", "duplicate field id"),
        ("fields/1/semantic_concept", "test.a", "semantic_concept 'test.a' is shared"),
        ("fields/1/rect", [500, 100, 700, 112], "outside"),
        ("fields/0/cell", [36, 780, 300, 800], "outside"),
        ("fields/1/page", 2, "page 2 is out of range"),
        ("fields/1/nist3", "address", "nist3"),
        ("fields/1/type", "blob", "unknown type"),
        ("fields/1/semantic_concept", "nodots", "semantic_concept"),
        ("fields/1/source", _DELETE, "source"),
        ("fields/1/rect", [300, 100, 36, 112], "empty rectangle"),
        ("fields/1/id", "form_id", "reserved"),
        ("pages/0/number", 2, "numbered"),
        ("page_size", [612], "page_size"),
        ("fields", [], "fields"),
        ("defaults", {"colour": 1}, "cannot be defaulted"),
    ],
)
def test_validation_errors_name_form_and_problem(path: str, value: Any, problem: str) -> None:
    with pytest.raises(ValueError, match="test_form") as exc:
        parse_form(_mutate(path, value))
    assert problem in str(exc.value)


def test_question_must_reference_existing_field() -> None:
    data = _minimal()
    data["fields"][1]["question"] = "nope"
    with pytest.raises(ValueError, match="question 'nope'"):
        parse_form(data)


def _write(dir_: Path, name: str, data: Any) -> Path:
    p = dir_ / f"{name}.yaml"
    p.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return p


def test_load_catalog_from_directory(tmp_path: Path) -> None:
    _write(tmp_path, "test_form", _minimal())
    cat = load_catalog(tmp_path)
    assert cat.ids() == ["test_form"] and cat is not load_catalog(tmp_path)


def test_malformed_yaml_names_form(tmp_path: Path) -> None:
    _write(tmp_path, "broken_form", "id: broken_form\nfields: [unclosed\n")
    with pytest.raises(ValueError, match="broken_form.*invalid YAML"):
        load_catalog(tmp_path)


def test_file_name_must_match_id(tmp_path: Path) -> None:
    path = _write(tmp_path, "other_name", _minimal())
    with pytest.raises(ValueError, match="test_form.*other_name"):
        load_form_file(path)
