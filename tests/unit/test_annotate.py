"""Ground truth, CSV rows and FUNSD pages built from the renderer's words."""

from __future__ import annotations

import json

import pytest

from symage_pipeline.annotate import bio_document, csv_row, funsd_pages, ground_truth, words_document
from symage_pipeline.catalog import FormDef, fill_values, load_catalog
from symage_pipeline.identities import build_packet, make_identity
from symage_pipeline.render import Word, render_typed


@pytest.fixture(scope="module")
def w2() -> FormDef:
    return load_catalog().get("irs_w2_2025")


@pytest.fixture(scope="module")
def f1040() -> FormDef:
    return load_catalog().get("irs_f1040_2024")


def _values(form: FormDef, index: int = 0) -> dict[str, str]:
    return fill_values(form, build_packet(make_identity(21, index), [form.id]))


def test_ground_truth_shape(w2: FormDef) -> None:
    values = _values(w2)
    gt = ground_truth(w2, values, item_index=4, document_id="irs_w2_2025_000004", identity_seed=25)
    json.dumps(gt)
    assert gt["document_id"] == "irs_w2_2025_000004"
    assert (gt["form_id"], gt["form_name"], gt["item_index"], gt["identity_seed"]) == (
        "irs_w2_2025",
        w2.name,
        4,
        25,
    )
    assert gt["fields"] == values
    assert list(gt["fields"]) == [f.id for f in w2.fields]
    meta = gt["field_meta"]["box12a_code"]
    assert meta == {
        "label": "Box 12a code",
        "semantic_concept": "tax.box12a.code",
        "type": "enum",
        "page": 1,
        "nist3": "data",
    }
    assert gt["_metadata"]["form_version"] == w2.version


def test_ground_truth_dicts_are_fresh(w2: FormDef) -> None:
    a = ground_truth(w2, _values(w2), item_index=0, document_id="a", identity_seed=0)
    a["field_meta"]["employee_ssn"]["label"] = "changed"
    b = ground_truth(w2, _values(w2), item_index=0, document_id="a", identity_seed=0)
    assert b["field_meta"]["employee_ssn"]["label"] == "Employee's social security number"


def test_ground_truth_blank_fields_are_empty_strings(w2: FormDef) -> None:
    gt = ground_truth(w2, {}, item_index=0, document_id="d", identity_seed=0)
    assert set(gt["fields"].values()) == {""}


def test_csv_row_order(w2: FormDef) -> None:
    values = _values(w2)
    row = csv_row(ground_truth(w2, values, item_index=9, document_id="doc9", identity_seed=30))
    assert list(row)[:3] == ["document_id", "form_id", "item_index"]
    assert list(row)[3:] == [f.id for f in w2.fields]
    assert row["item_index"] == "9" and row["box1_wages"] == values["box1_wages"]
    assert all(isinstance(v, str) for v in row.values())


def _entities(pages: list[dict]) -> list[dict]:
    return [e for p in pages for e in p["form"]]


def test_funsd_w2_links_labels_to_values(w2: FormDef) -> None:
    values = _values(w2, 1)
    pages = funsd_pages(w2, render_typed(w2, values).words)
    assert len(pages) == 1 and pages[0]["image_path"] is None
    ents = pages[0]["form"]
    by_id = {e["id"]: e for e in ents}
    assert sorted(by_id) == list(range(len(ents)))
    answers = [e for e in ents if e["label"] == "answer"]
    assert len(answers) == sum(1 for v in values.values() if v)
    for a in answers:
        assert len(a["linking"]) == 1
        q_id, a_id = a["linking"][0]
        assert a_id == a["id"]
        q = by_id[q_id]
        assert q["label"] == "question" and [q_id, a_id] in q["linking"]
    ssn = next(e for e in answers if e["text"] == values["employee_ssn"])
    assert by_id[ssn["linking"][0][0]]["text"] == "a Employee's social security number"
    wages = next(e for e in answers if e["text"] == values["box1_wages"])
    assert by_id[wages["linking"][0][0]]["text"] == "1 Wages, tips, other compensation"
    headers = {e["text"] for e in ents if e["label"] == "header"}
    assert {"W-2", "Wage and Tax Statement", "2025"} <= headers
    assert any(e["label"] == "other" and e["text"] == "OMB No. 1545-0008" for e in ents)


def test_funsd_box12_amount_links_to_box12_question(w2: FormDef) -> None:
    for i in range(50):
        values = _values(w2, i)
        if values["box12a_code"]:
            break
    ents = funsd_pages(w2, render_typed(w2, values).words)[0]["form"]
    by_id = {e["id"]: e for e in ents}
    amount = next(e for e in ents if e["label"] == "answer" and e["text"] == values["box12a_amount"])
    code = next(e for e in ents if e["label"] == "answer" and e["text"] == values["box12a_code"])
    assert by_id[amount["linking"][0][0]]["text"] == "12a See instructions for box 12"
    assert amount["linking"][0][0] == code["linking"][0][0]


def test_funsd_entity_boxes_and_words(w2: FormDef) -> None:
    rendered = render_typed(w2, _values(w2, 2))
    ents = funsd_pages(w2, rendered.words)[0]["form"]
    assert sum(len(e["words"]) for e in ents) == len(rendered.words)
    for e in ents:
        x0, y0, x1, y1 = e["box"]
        assert x0 < x1 and y0 < y1
        assert e["text"] == " ".join(w["text"] for w in e["words"])
        for w in e["words"]:
            wx0, wy0, wx1, wy1 = w["box"]
            assert all(isinstance(v, int) for v in w["box"])
            assert x0 <= wx0 and y0 <= wy0 and wx1 <= x1 and wy1 <= y1
    json.dumps(ents)


def test_funsd_multipage_and_image_paths(f1040: FormDef) -> None:
    rendered = render_typed(f1040, _values(f1040, 3))
    pages = funsd_pages(f1040, rendered.words, image_path_template="images/typed/doc_p{page}.png")
    assert [p["image_path"] for p in pages] == ["images/typed/doc_p0.png", "images/typed/doc_p1.png"]
    assert all(p["form"] for p in pages)
    page2 = {e["text"] for e in pages[1]["form"] if e["label"] == "question"}
    assert "16 Tax (see instructions). Check if any from Form(s): 1" in page2
    # dependent rows 2-4 answer the column headers printed once on row 1
    deps = {f.id: f for f in f1040.fields if f.id.startswith("dep")}
    assert deps["dep2_name"].layout.question == "dep1_name"


def test_funsd_loose_static_words_are_grouped_by_line(w2: FormDef) -> None:
    extra = [
        Word("Hello", 0, 100, 500, 120, 510, None, "static"),
        Word("world", 0, 122.5, 500, 145, 510, None, "static"),
        Word("Far", 0, 400, 500, 415, 510, None, "static"),
    ]
    ents = funsd_pages(w2, extra)[0]["form"]
    assert [(e["text"], e["label"]) for e in ents] == [("Hello world", "other"), ("Far", "other")]


def test_words_and_bio_documents(w2: FormDef) -> None:
    values = _values(w2, 4)
    rendered = render_typed(w2, values)
    words = words_document(w2, rendered.words)
    assert words["form_id"] == "irs_w2_2025" and words["page_count"] == 1
    wage_label = next(w for w in words["words"] if w["text"] == "Wages,")
    assert wage_label["field_type"] == "static" and wage_label["linked_field_ids"] == ["box1_wages"]
    ssn_word = next(w for w in words["words"] if w["text"] == values["employee_ssn"])
    assert ssn_word["field_id"] == "employee_ssn" and ssn_word["field_type"] == "ssn"
    bio = bio_document(w2, rendered.words, "nist3")
    tags = {t["text"]: t["tag"] for t in bio["tokens"]}
    assert tags[values["employee_ssn"]] == "B-ssn"
    assert tags["Wages,"] == "O"
    span = [i for i, w in enumerate(rendered.words) if w.field_id == "employer_name_address" and w.kind == "value"]
    span_tags = [bio["tokens"][i]["tag"] for i in span]
    assert span_tags == ["B-data"] + ["I-data"] * (len(span) - 1)
    with pytest.raises(ValueError):
        bio_document(w2, rendered.words, "bogus")
    json.dumps(words)
    json.dumps(bio)
