"""A document's ground truth is encoded once per destination by the chunk that made it: its file
(compact JSON), its data.json record (json's spaced separators) and its data.csv row, with the
form's field metadata encoded once per form. The texts are json.dumps's, byte for byte."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from symage_pipeline import pipeline
from symage_pipeline.annotate import csv_row, ground_truth, truth_json
from symage_pipeline.bundle.downloads import RecordRuns, csv_columns, run_records
from symage_pipeline.catalog import load_catalog
from symage_pipeline.spec import GenerationSpec


def truths(form_ids: tuple[str, ...], quantity: int = 3) -> list[tuple[str, dict]]:
    catalog = load_catalog()
    spec = GenerationSpec(form_ids=form_ids, quantity=quantity, output_formats=("pdf_typed",), seed=4)
    (chunk,) = pipeline.plan_chunks("j", spec, quantity)
    out = []
    for doc in pipeline.fill(chunk, catalog, pipeline.identities(chunk)):
        form = catalog.get(doc.form_id)
        surfaces = {"typed": {"dpi": np.int64(150), "noise": np.float32(0.25), "pages": np.array([0, 1])}}
        out.append((doc.stem, ground_truth(form, doc.values, item_index=doc.item_index, document_id=doc.stem,
                                           identity_seed=doc.identity_seed, fill=doc.fill, metadata=doc.metadata,
                                           surfaces=surfaces)))  # fmt: skip
    return out


def dumps(obj: object, separators: tuple[str, str]) -> str:
    plain = lambda v: v.tolist()  # noqa: E731 - numpy values, as the writers' default turns them
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=separators, default=plain)


def test_every_forms_truth_encodes_as_json_dumps_compact_and_spaced() -> None:
    catalog = load_catalog()
    for form in catalog:
        for _, truth in truths((form.id,), quantity=1):
            assert truth_json(form, truth) == dumps(truth, (",", ":"))
            assert truth_json(form, truth, spaced=True) == dumps(truth, (", ", ": "))


def test_field_metadata_that_differs_from_the_forms_is_encoded_as_it_is() -> None:
    form = load_catalog().get("irs_w2_2025")
    ((_, truth),) = truths((form.id,), quantity=1)
    truth["field_meta"]["employee_ssn"]["label"] = 'SSN "redacted"'
    assert truth_json(form, truth) == dumps(truth, (",", ":"))
    assert '"label":"SSN \\"redacted\\""' in truth_json(form, truth)


def test_a_run_of_records_splits_back_into_each_documents_record_and_csv_row() -> None:
    catalog = load_catalog()
    form_ids = ("irs_w2_2025", "cms_1500_standard_02_12")
    spec = GenerationSpec(form_ids=form_ids, quantity=3, output_formats=("pdf_typed",), seed=4)
    runs = RecordRuns(spec, catalog)
    made = truths(form_ids)
    for stem, truth in made:
        runs.add(stem, catalog.get(truth["form_id"]), truth)
    ((path, data),) = runs.flush()
    assert path == "_work/records/irs_w2_2025_000000.runs"  # named after the run's first document
    assert runs.flush() == []

    columns = csv_columns(spec, catalog)
    for (stem, truth), (found, item, text, row) in zip(made, run_records(data), strict=True):
        assert (found, item) == (stem, truth["item_index"])
        assert text.decode() == dumps(truth, (", ", ": "))
        expected = io.StringIO()
        csv.DictWriter(expected, fieldnames=columns, extrasaction="ignore", lineterminator="\n").writerow(
            csv_row(truth)
        )
        assert row.decode() == expected.getvalue()
    # Quoted fields with line breaks inside (addresses): rows are found by length, not by line.
    assert any(b"\n" in row[:-1] for *_, row in run_records(data))
