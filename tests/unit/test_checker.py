"""The invariant checker: generated packets pass every rule in every mode, and broken ones are caught."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from symage_pipeline import coherence
from symage_pipeline.annotate import ground_truth
from symage_pipeline.catalog import load_catalog
from symage_pipeline.checker import RULES, check_dataset, check_records
from symage_pipeline.cli import main
from symage_pipeline.spec import GenerationSpec

CATALOG = load_catalog()
ALL_FORMS = tuple(CATALOG.ids())


@cache
def _records(mode: str, quantity: int = 24, seed: int = 9, scenarios: str | None = None) -> tuple[dict, ...]:
    config: dict = {"coherence_mode": mode}
    if scenarios:
        config["fill_scenarios"] = json.loads(scenarios)
    spec = GenerationSpec(
        form_ids=ALL_FORMS, quantity=quantity, output_formats=("pdf_typed",), seed=seed, config=config
    )
    docs = coherence.fill_documents(spec, CATALOG, 0, coherence.chunk_identities(spec, 0, quantity))
    out = []
    for d in docs:
        record = ground_truth(
            CATALOG.get(d.form_id), d.values, item_index=d.item_index, document_id=d.stem, identity_seed=d.identity_seed
        )
        record["_metadata"].update(d.metadata)
        if d.fill is not None:
            record["_metadata"]["fill"] = d.fill
        out.append(record)
    return tuple(out)


def records(mode: str = "coherent", **kw: object) -> list[dict]:
    return copy.deepcopy(list(_records(mode, **kw)))  # type: ignore[arg-type]


def _set(recs: list[dict], form_id: str, field_id: str, value: str, item: int = 0) -> list[dict]:
    (record,) = [r for r in recs if r["form_id"] == form_id and r["item_index"] == item]
    record["fields"][field_id] = value
    return recs


def _failed(recs: list[dict]) -> set[str]:
    return {v.rule for v in check_records(recs).violations}


@pytest.mark.parametrize("mode", ["coherent", "shuffled", "random"])
def test_every_form_in_every_mode_passes(mode: str) -> None:
    report = check_records(records(mode))
    assert report.ok, report.summary()
    assert report.documents == 24 * len(ALL_FORMS) and report.coherence_mode == mode
    ran = {rule for rule, n in report.checks.items() if n}
    applicable = {rule for rule, _ in RULES} - set(report.not_applicable)
    assert ran == applicable  # every rule the mode promises was exercised on these forms


def test_modes_decide_which_rules_apply() -> None:
    assert check_records(records("shuffled")).not_applicable[0] == "address.zip_state"
    assert "tie.w2_1040" in check_records(records("random")).not_applicable
    assert check_records(records("coherent")).not_applicable == []
    # Shuffled data would break the document and packet rules, which is why they are not run there.
    assert not check_records(records("shuffled"), coherence_mode="coherent").ok
    assert "tie.same_person" in {v.rule for v in check_records(records("random"), "coherent").violations}


@pytest.mark.parametrize(
    ("form_id", "field_id", "value", "rule"),
    [
        ("irs_w2_2025", "employee_ssn", "666-12-3456", "ssn.valid"),
        ("irs_w2_2025", "employer_ein", "07-1234567", "ein.valid"),
        ("bank_statement_national_2026", "routing_number", "021000022", "aba.valid"),
        ("cms_1500_standard_02_12", "box33a_npi", "1234567890", "npi.valid"),
        ("cms_1500_standard_02_12", "box21_a", "X99.9", "code.valid"),
        ("irs_f1040_2024", "address_zip", "10001", "address.zip_state"),
        ("paystub_standard_2025", "period_end", "01/01/2025", "dates.order"),
        ("irs_w2_2025", "box4_ss_tax", "1.00", "w2.arithmetic"),
        ("irs_f1040_2024", "line_11", "1.00", "f1040.arithmetic"),
        ("paystub_standard_2025", "net_current", "1.00", "paystub.arithmetic"),
        ("bank_statement_national_2026", "closing_balance", "1.00", "statement.arithmetic"),
        ("invoice_standard_2025", "subtotal", "1.00", "invoice.arithmetic"),
        ("cms_1500_standard_02_12", "box28_total", "1.00", "claim.arithmetic"),
        ("irs_w4_2025", "status_hoh", "X", "w4.arithmetic"),
        ("irs_1099_nec_2024", "recipient_tin", "123-45-6789", "tie.same_person"),
        ("irs_w2_2025", "box1_wages", "1.00", "tie.w2_1040"),
        ("paystub_standard_2025", "federal_ytd", "1.00", "tie.w2_paystub"),
        ("paystub_standard_2025", "deposit_amount", "1.00", "paystub.arithmetic"),
        ("irs_1099_int_2024", "box1_interest", "99999.00", "tie.1099_1040"),
        ("irs_w4_2025", "employer_ein", "12-3456789", "tie.employer"),
        ("irs_w9_2024", "requester", "Someone Else LLC\n1 Main St\nAustin, TX 78701", "tie.payers"),
        ("patient_intake_general_2025", "member_id", "NOPE", "tie.claim_intake"),
    ],
)
def test_a_broken_value_is_caught_by_its_rule(form_id: str, field_id: str, value: str, rule: str) -> None:
    assert rule in _failed(_set(records(), form_id, field_id, value))


def test_a_lost_payroll_deposit_is_caught() -> None:
    recs = records()
    (stub,) = [r for r in recs if r["form_id"] == "paystub_standard_2025" and r["item_index"] == 0]
    stub["fields"]["net_current"] = stub["fields"]["deposit_amount"] = "1.00"
    assert "tie.paystub_bank" in _failed(recs)


def test_fields_blanked_or_pinned_by_policy_are_not_held_against_the_data() -> None:
    policy = [
        {"name": "intake", "default_stage": "blank", "prefilled": ["concept:person.*"],
         "values": {"box1_wages": "1.00"}},
        {"name": "full", "weight": 2},
    ]  # fmt: skip
    recs = records(scenarios=json.dumps(policy))
    report = check_records(recs)
    assert report.ok, report.summary()
    assert report.skipped["w2.arithmetic"] > 0  # the pinned box 1 and the blanked boxes are unknown
    assert {r["_metadata"]["fill"]["scenario"] for r in recs} == {"intake", "full"}


def _zip(recs: list[dict], mode: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        manifest = {"dataset_info": {"generation_params": {"coherence_mode": mode}}}
        archive.writestr("manifest.json", json.dumps(manifest))
        for r in recs:
            archive.writestr(f"ground_truth/json/{r['document_id']}.json", json.dumps(r))
    return buf.getvalue()


def test_check_dataset_reads_a_zip_and_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "dataset.zip"
    path.write_bytes(_zip(records("shuffled"), "shuffled"))
    report = check_dataset(path)
    assert report.ok and report.coherence_mode == "shuffled"
    with zipfile.ZipFile(path) as archive:
        assert check_dataset(archive).documents == report.documents


def test_symage_check_command(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    good.write_bytes(_zip(records(), "coherent"))
    bad.write_bytes(_zip(_set(records(), "irs_w2_2025", "box6_medicare_tax", "0.01"), "coherent"))
    result = CliRunner().invoke(main, ["check", str(good)])
    assert result.exit_code == 0, result.output
    assert "all invariants hold" in result.output and "tie.w2_paystub" in result.output
    result = CliRunner().invoke(main, ["check", str(bad), "--json"])
    assert result.exit_code == 1
    assert {v["rule"] for v in json.loads(result.output)["violations"]} == {"w2.arithmetic", "tie.w2_paystub"}
