"""Coherence modes and fill scenarios end to end: through POST /generate, a Dagster run, the dataset zip."""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict

import pytest

from symage_pipeline import pipeline
from symage_pipeline.catalog import load_catalog
from symage_pipeline.checker import check_dataset
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import LocalStore
from tests.helpers import part_members

PACKET = ["irs_w2_2025", "irs_f1040_2024", "paystub_standard_2025", "bank_statement_national_2026"]
PAYER_INTAKE = [
    {"name": "payer-intake", "weight": 3, "default_stage": "blank",
     "prefilled": ["concept:healthcare.patient.*", "concept:insurance.*", "concept:healthcare.diagnosis.*"],
     "values": {"box11c_plan_name": "AETNA PPO"}},
    {"name": "completed", "weight": 1, "prefilled": ["concept:healthcare.patient.*", "concept:insurance.*"]},
]  # fmt: skip


def _post(api, key: str, **body) -> object:
    return api.client.post("/api/v1/generate", json=body, headers=api.auth(key))


def _dataset(api, key: str, **body) -> zipfile.ZipFile:
    response = _post(api, key, **body)
    assert response.status_code == 200, response.text
    job = api.wait(key, response.json()["data"]["job_id"])
    assert job["status"] == "completed", job["error"]
    data = api.client.get(f"/api/v1/jobs/{job['job_id']}/download/dataset", headers=api.auth(key)).content
    return zipfile.ZipFile(io.BytesIO(data))


def _records(archive: zipfile.ZipFile) -> dict[int, dict[str, dict]]:
    """item index -> form id -> ground-truth record."""
    out: dict[int, dict[str, dict]] = defaultdict(dict)
    for name in archive.namelist():
        if name.startswith("ground_truth/json/"):
            record = json.loads(archive.read(name))
            out[record["item_index"]][record["form_id"]] = record
    return out


def _mode(archive: zipfile.ZipFile) -> str:
    return json.loads(archive.read("manifest.json"))["dataset_info"]["generation_params"]["coherence_mode"]


def test_coherent_packets_tie_out_across_w2_1040_paystub_and_bank(api) -> None:
    key = api.key("ana")
    archive = _dataset(api, key, form_ids=PACKET, quantity=6, seed=21)
    assert _mode(archive) == "coherent"
    for item in _records(archive).values():
        w2, f1040 = item["irs_w2_2025"]["fields"], item["irs_f1040_2024"]["fields"]
        stub, bank = item["paystub_standard_2025"]["fields"], item["bank_statement_national_2026"]["fields"]
        assert w2["employee_ssn"] == f1040["ssn"] and w2["box1_wages"] == f1040["line_1a"]
        assert w2["box2_federal_tax"] == stub["federal_ytd"] and w2["box4_ss_tax"] == stub["social_security_ytd"]
        deposits = {(bank[f"txn{n:02d}_date"], bank[f"txn{n:02d}_deposit"]) for n in range(1, 17)}
        assert (stub["pay_date"], stub["net_current"]) in deposits
    report = check_dataset(archive)
    assert report.ok and report.checks["tie.paystub_bank"] == 6, report.summary()


def test_shuffled_keeps_every_fields_values_and_breaks_the_ties(api) -> None:
    key = api.key("ana")
    body = {"form_ids": PACKET[:2], "quantity": 12, "seed": 5}
    coherent = _records(_dataset(api, key, **body))
    archive = _dataset(api, key, **body, config={"coherence_mode": "shuffled"})
    shuffled = _records(archive)
    assert _mode(archive) == "shuffled"
    for form_id in PACKET[:2]:
        for field_id in coherent[0][form_id]["fields"]:
            before = sorted(coherent[i][form_id]["fields"][field_id] for i in coherent)
            after = sorted(shuffled[i][form_id]["fields"][field_id] for i in shuffled)
            assert before == after, (form_id, field_id)  # marginals are exactly the coherent run's
    tied = sum(
        s["irs_w2_2025"]["fields"]["box1_wages"] == s["irs_f1040_2024"]["fields"]["line_1a"] for s in shuffled.values()
    )
    assert tied <= 3  # within-item correlations are broken
    assert check_dataset(archive).ok


def test_random_gives_every_form_its_own_identity(api) -> None:
    key = api.key("ana")
    archive = _dataset(api, key, form_ids=PACKET[:2], quantity=8, seed=5, config={"coherence_mode": "random"})
    items = _records(archive).values()
    same = sum(i["irs_w2_2025"]["fields"]["employee_ssn"] == i["irs_f1040_2024"]["fields"]["ssn"] for i in items)
    assert same == 0 and _mode(archive) == "random"
    report = check_dataset(archive)
    assert report.ok and report.checks["w2.arithmetic"] == 8  # each document still agrees with itself


@pytest.mark.parametrize(
    ("config", "quantity", "status", "code", "says"),
    [
        ({"coherence_mode": "shuffled"}, 1, 400, "invalid_coherence_mode", "at least 2"),
        ({"coherence_mode": "sorted"}, 5, 400, "invalid_coherence_mode", "Unknown coherence_mode"),
        ({"coherence_mode": "shuffled", "fill_scenarios": PAYER_INTAKE}, 5, 422, "invalid_fill_scenarios", "shuffled"),
        ({"fill_scenarios": [{"name": "x", "weight": -1}]}, 5, 422, "invalid_fill_scenarios", "weight"),
    ],
)
def test_bad_modes_and_policies_are_rejected(api, config: dict, quantity: int, status: int, code: str, says: str):
    response = _post(api, api.key("ana"), form_ids=PACKET[:2], quantity=quantity, config=config)
    assert response.status_code == status
    detail = response.json()["detail"]
    assert detail["code"] == code and says in detail["message"]


def test_fill_scenarios_split_the_job_and_land_in_the_ground_truth(api) -> None:
    key = api.key("ana")
    archive = _dataset(
        api, key, form_id="cms_1500_standard_02_12", quantity=8, seed=3, config={"fill_scenarios": PAYER_INTAKE}
    )
    records = [r["cms_1500_standard_02_12"] for r in _records(archive).values()]
    fills = [r["_metadata"]["fill"] for r in records]
    assert sorted(f["scenario"] for f in fills) == ["completed"] * 2 + ["payer-intake"] * 6
    for record, fill in zip(records, fills, strict=True):
        assert set(fill["stages"]) == set(record["fields"])
        if fill["scenario"] == "payer-intake":
            assert record["fields"]["box28_total"] == "" and fill["stages"]["box28_total"] == "blank"
            assert record["fields"]["box11c_plan_name"] == "AETNA PPO"
        else:
            assert record["fields"]["box28_total"] and fill["stages"]["box2_patient_name"] == "prefilled"
    assert check_dataset(archive).ok


@pytest.mark.parametrize(
    "config",
    [{"coherence_mode": "shuffled"}, {"coherence_mode": "random"}, {"fill_scenarios": PAYER_INTAKE}],
    ids=["shuffled", "random", "fill_scenarios"],
)
def test_chunk_size_never_changes_a_byte(tmp_path, config: dict) -> None:
    """Shuffles, random seeds and scenario deals are computed per index: 1, 3 or 10 items per chunk agree."""
    catalog = load_catalog()
    spec = GenerationSpec(
        form_ids=("irs_w2_2025", "cms_1500_standard_02_12"), quantity=10, output_formats=("pdf_typed",), seed=8,
        config=config,
    )  # fmt: skip
    stores = []
    for size in (10, 3, 1):
        store = LocalStore(tmp_path / f"chunks_of_{size}")
        for chunk in pipeline.plan_chunks("j", spec, size):
            pipeline.make_chunk(catalog, store, chunk)
        stores.append(store)
    made = [part_members(s, "j") for s in stores]  # the zip parts are per chunk by design; their members are not
    assert made[0] and made[0] == made[1] == made[2]
