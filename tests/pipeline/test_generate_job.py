"""The generate_documents job end to end: through the API with a real (in-process) Dagster run."""

from __future__ import annotations

import csv
import io
import itertools
import json
import zipfile

import pymupdf
import pytest

from symage_pipeline import pipeline
from symage_pipeline.catalog import load_catalog
from symage_pipeline.defs.generate import generate_documents, run_config
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import LocalStore
from tests.helpers import part_members


def _create(api, key: str, **body) -> dict:
    response = api.client.post("/api/v1/generate", json=body, headers=api.auth(key))
    assert response.status_code == 200, response.text
    return response.json()


def _download(api, key: str, job_id: str, fmt: str) -> bytes:
    response = api.client.get(f"/api/v1/jobs/{job_id}/download/{fmt}", headers=api.auth(key))
    assert response.status_code == 200, response.text
    return response.content


def test_w2_job_produces_the_documented_dataset(api) -> None:
    key = api.key("alice")
    per_doc = api.client.get("/api/v1/forms/irs_w2_2025", headers=api.auth(key)).json()["data"]["credit_cost"]
    created = _create(api, key, form_id="irs_w2_2025", quantity=5, seed=7)
    assert created["data"]["status"] == "pending"
    assert created["data"]["credits_required"] == 5 * per_doc
    assert created["meta"]["credits_charged"] == 5 * per_doc
    job = api.wait(key, created["data"]["job_id"])
    assert job["status"] == "completed", job["error"]
    assert job["progress"] == 1.0 and job["credits_charged"] == 5 * per_doc
    assert job["generation_time_ms"] > 0 and job["throughput_docs_per_min"] > 0
    assert job["worker_count"] == 1 and job["seed"] == 7 and job["bundle_layout"] == "single"

    archive = zipfile.ZipFile(io.BytesIO(_download(api, key, job["job_id"], "dataset")))
    names = archive.namelist()
    assert names[0] == "manifest.json"
    assert sum(n.startswith("pdfs/typed/") for n in names) == 5
    assert sum(n.startswith("ground_truth/json/") for n in names) == 5
    assert sum(n.startswith("annotations/funsd/typed/") for n in names) == 5
    assert "ground_truth/data.csv" in names
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["dataset_info"]["generation_params"]["coherence_mode"] == "coherent"
    assert manifest["splits"]["train"]["count"] == 5 and manifest["omitted_splits"] == ["validation", "test"]

    truth = json.loads(archive.read("ground_truth/json/irs_w2_2025_000000.json"))
    pdf = pymupdf.open(stream=archive.read("pdfs/typed/irs_w2_2025_000000.pdf"), filetype="pdf")
    text = pdf[0].get_text()
    for value in truth["fields"].values():
        for word in str(value).split():
            assert word in text
    funsd = json.loads(archive.read("annotations/funsd/typed/irs_w2_2025_000000_funsd_p0.json"))
    assert {e["label"] for e in funsd["form"]} >= {"question", "answer"}

    records = json.loads(_download(api, key, job["job_id"], "json"))
    assert [r["item_index"] for r in records] == [0, 1, 2, 3, 4]
    rows = list(csv.DictReader(io.StringIO(_download(api, key, job["job_id"], "csv").decode())))
    assert len(rows) == 5 and rows[0]["form_id"] == "irs_w2_2025"
    assert _download(api, key, job["job_id"], "bundle") == _download(api, key, job["job_id"], "dataset")


def test_same_request_and_seed_give_byte_identical_datasets(api) -> None:
    key = api.key("alice")
    body = {"form_ids": ["irs_w2_2025", "irs_f1040_2024"], "quantity": 3, "seed": 11}
    first = api.wait(key, _create(api, key, **body)["data"]["job_id"])
    second = api.wait(key, _create(api, key, **body)["data"]["job_id"])
    assert first["job_id"] != second["job_id"]
    assert _download(api, key, first["job_id"], "dataset") == _download(api, key, second["job_id"], "dataset")
    other = api.wait(key, _create(api, key, **{**body, "seed": 12})["data"]["job_id"])
    assert _download(api, key, other["job_id"], "dataset") != _download(api, key, first["job_id"], "dataset")


def test_w2_and_1040_share_one_identity(api) -> None:
    key = api.key("alice")
    job = api.wait(
        key, _create(api, key, form_ids=["irs_w2_2025", "irs_f1040_2024"], quantity=4, seed=3)["data"]["job_id"]
    )
    assert job["status"] == "completed", job["error"]
    assert job["form_id"] == "irs_w2_2025" and job["form_ids"] == ["irs_w2_2025", "irs_f1040_2024"]
    records = json.loads(_download(api, key, job["job_id"], "json"))
    assert len(records) == 8
    by_item: dict[int, dict[str, dict]] = {}
    for record in records:
        by_item.setdefault(record["item_index"], {})[record["form_id"]] = record["fields"]
    for item in by_item.values():
        w2, f1040 = item["irs_w2_2025"], item["irs_f1040_2024"]
        assert w2["employee_ssn"] == f1040["ssn"]
        assert w2["employee_last_name"] == f1040["last_name"]
        assert w2["employee_first_name"] == f1040["first_name"]
        assert f1040["address_street"] in w2["employee_address"]
        assert w2["box1_wages"] == f1040["line_1a"]


def test_progress_is_visible_while_running_and_jobs_list_newest_first(api) -> None:
    key = api.key("alice")
    ids = [_create(api, key, form_id="irs_w2_2025", quantity=2, seed=s)["data"]["job_id"] for s in (1, 2, 3)]
    for job_id in ids:
        api.wait(key, job_id)
    page = api.client.get("/api/v1/jobs?limit=2", headers=api.auth(key)).json()
    assert [j["job_id"] for j in page["data"]] == ids[::-1][:2]
    assert page["meta"]["has_more"] is True and page["meta"]["next_cursor"]
    rest = api.client.get(f"/api/v1/jobs?limit=2&cursor={page['meta']['next_cursor']}", headers=api.auth(key)).json()
    assert [j["job_id"] for j in rest["data"]] == [ids[0]] and rest["meta"]["has_more"] is False
    done = api.client.get("/api/v1/jobs?status=completed", headers=api.auth(key)).json()
    assert len(done["data"]) == 3
    assert api.client.get("/api/v1/jobs?status=failed", headers=api.auth(key)).json()["data"] == []


def test_downloads_wait_for_completion_and_reject_retired_formats(api) -> None:
    key = api.key("alice")
    services = api.client.app.state.services
    from symage_pipeline.app.db import Job

    with services.db.session() as session:
        session.add(
            Job(
                job_id="pending-job",
                user_id="alice",
                form_ids=["irs_w2_2025"],
                output_formats=["pdf_typed"],
                quantity=1,
                effective_seed=1,
                documents_total=1,
            )
        )
    response = api.client.get("/api/v1/jobs/pending-job/download/dataset", headers=api.auth(key))
    assert response.status_code == 409 and response.json()["detail"]["code"] == "job_not_completed"
    for fmt in ("pdf_typed", "coco", "funsd"):
        response = api.client.get(f"/api/v1/jobs/pending-job/download/{fmt}", headers=api.auth(key))
        assert response.status_code == 400 and response.json()["detail"]["code"] == "invalid_format"


def test_job_runs_with_execute_in_process_and_chunks_do_not_change_bytes(tmp_path) -> None:
    """Chunking is an execution detail: 1 chunk or 3 chunks make the same dataset."""
    from dagster import DagsterInstance

    from symage_pipeline.app.db import Account, Database, Job
    from symage_pipeline.app.records import JobTracker
    from symage_pipeline.defs.execution import ExecutionPlan
    from symage_pipeline.defs.names import JOB_ID_TAG
    from symage_pipeline.defs.resources import AppDatabaseResource, ArtifactStoreResource, CatalogResource

    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=7, output_formats=("pdf_typed",), seed=5)
    db_url = f"sqlite:///{tmp_path / 'app.db'}"
    db = Database(db_url)
    with db.session() as session:
        session.add(Account(user_id="u", credit_limit=None, tier="free", feature_flags=[]))
    zips = []
    for job_id, chunk_size in (("job-a", 7), ("job-b", 3)):
        with db.session() as session:
            session.add(
                Job(
                    job_id=job_id,
                    user_id="u",
                    form_ids=list(spec.form_ids),
                    output_formats=["pdf_typed"],
                    quantity=7,
                    effective_seed=5,
                    documents_total=7,
                )
            )
        with DagsterInstance.ephemeral() as instance:
            instance.add_dynamic_partitions("generation_jobs", [job_id])
            plan = ExecutionPlan(chunk_size=chunk_size, workers=1, shard_size=0)
            config = run_config(job_id, spec, plan, with_executor=False)
            result = generate_documents.execute_in_process(
                run_config=config,
                instance=instance,
                partition_key=job_id,
                tags={JOB_ID_TAG: job_id},
                resources={
                    "app_db": AppDatabaseResource(database_url=db_url),
                    "artifacts": ArtifactStoreResource(storage_url=f"file://{tmp_path / 'store'}"),
                    "catalog": CatalogResource(),
                },
            )
        assert result.success
        mapped = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
        assert sum(k.startswith("make_chunk[") for k in mapped) == -(-7 // chunk_size)
        assert JobTracker(db).get(job_id).status == "completed"
        zips.append((tmp_path / "store" / "jobs" / job_id / "dataset.zip").read_bytes())
    assert zips[0] == zips[1]


def _make(catalog, store, chunk, on_progress=None):
    """One chunk through the pipeline's functions, as the ops call them."""
    return pipeline.make_chunk(catalog, store, chunk, on_progress=on_progress)


def test_chunks_can_be_remade_alone(tmp_path) -> None:
    """Item i depends only on (spec, i): rendering chunk [3, 5) alone gives the same files."""
    catalog = load_catalog()
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=5, output_formats=("pdf_typed",), seed=9)
    whole, part = LocalStore(tmp_path / "whole"), LocalStore(tmp_path / "part")
    (chunk,) = pipeline.plan_chunks("j", spec, 5)
    _make(catalog, whole, chunk)
    alone = pipeline.Chunk("j", 1, 3, 5, spec)
    _make(catalog, part, alone)
    remade, made = part_members(part, "j"), part_members(whole, "j")
    assert remade and set(remade) < set(made)  # the zip parts are per chunk; their members are not
    for path, data in remade.items():
        assert data == made[path]


def test_identities_made_a_block_at_a_time_are_the_ones_made_a_batch_at_a_time(tmp_path) -> None:
    """A chunk makes its identities `IDENTITY_BLOCK` items at once and renders them 25 at a time:
    a chunk of 260 items (blocks of 250 and 10) makes the files chunks of 130 and of 25 make."""
    catalog = load_catalog()
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=260, output_formats=("pdf_typed",), seed=5)
    assert spec.quantity > pipeline.IDENTITY_BLOCK
    made = []
    for size in (260, 130, 25):
        store = LocalStore(tmp_path / f"chunks_of_{size}")
        for chunk in pipeline.plan_chunks("j", spec, size):
            _make(catalog, store, chunk)
        made.append(part_members(store, "j"))
    assert made[0] and made[0] == made[1] == made[2]


@pytest.mark.parametrize(("report_seconds", "expected"), [(0.0, [25, 25, 10]), (3600.0, [25, 35])])
def test_progress_is_reported_after_the_first_batch_then_at_most_every_few_tenths_of_a_second(
    tmp_path, report_seconds: float, expected: list[int]
) -> None:
    """Reports come between batches of 25, once `report_seconds` have passed (the first batch's
    at once), and the last at the end: they add up to the documents made, and the cancel check
    keeps the same pace."""
    catalog = load_catalog()
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=60, output_formats=("pdf_typed",), seed=2)
    (chunk,) = pipeline.plan_chunks("p", spec, 60)
    reports: list[int] = []
    checks: list[int] = []
    result = pipeline.make_chunk(
        catalog,
        LocalStore(tmp_path),
        chunk,
        on_progress=reports.append,
        should_stop=lambda: checks.append(sum(reports)) is not None,  # asked, never stopping
        report_seconds=report_seconds,
    )
    assert reports == expected
    assert checks == [0, *list(itertools.accumulate(expected))[:-1]]  # before the first batch, then with each report
    assert result.documents == 60
    assert sum(p.startswith("ground_truth/json/") for p in part_members(LocalStore(tmp_path), "p")) == 60


@pytest.mark.parametrize("shard_size", [5_000, 4])
def test_multiprocess_runs_write_the_same_dataset_as_one_process(settings, shard_size: int) -> None:
    """Parallelism is the executor's: a run that fans out to Dagster's multiprocess workers (each
    chunk a step in its own process, bundling the shards that lie in it) writes the bytes a
    one-process run writes, in one archive or in shards."""
    from symage_pipeline.app.db import Account, Database, Job
    from symage_pipeline.app.records import JobTracker
    from symage_pipeline.defs.execution import plan_execution
    from symage_pipeline.defs.launch import InProcessRunSubmitter

    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=12, output_formats=("pdf_typed",), seed=4)
    fanned = settings.model_copy(update={"multiprocess_min_documents": 10, "workers": 2, "steps_per_worker": 1,
                                         "min_chunk_documents": 1, "shard_size": shard_size})  # fmt: skip
    one = settings.model_copy(update={"multiprocess_min_documents": 10**9, "shard_size": shard_size})
    assert plan_execution(spec, fanned).executor_config()["multiprocess"]["max_concurrent"] == 2
    assert plan_execution(spec, one).executor_config() == {"in_process": {}}
    db = Database(settings.resolved_database_url)
    with db.session() as session:
        session.add(Account(user_id="u", credit_limit=None, tier="free", feature_flags=[]))
    zips, steps = [], []
    for job_id, run_settings in (("fanned", fanned), ("one", one)):
        with db.session() as session:
            session.add(Job.for_spec(spec, job_id=job_id, user_id="u", requested_seed=4))
        submitter = InProcessRunSubmitter(run_settings, quiet=True)
        result = submitter.execute(job_id, spec)
        job = JobTracker(db).get(job_id)
        assert job.status == "completed", job.error
        store = run_settings.open_store()
        archives = [k for k in store.list(f"jobs/{job_id}") if k.endswith(".zip") and "/files/" not in k]
        assert len(archives) == (1 if shard_size > 12 else 5)  # dataset.zip; or 3 shards, preview, annotations
        zips.append({k.split("/", 2)[2]: store.get_bytes(k) for k in archives})
        bundled = sum(e.event_specific_data.metadata["shards_bundled"].value for e in result.all_events
                      if e.event_type_value == "STEP_OUTPUT" and e.step_key.startswith("make_chunk["))  # fmt: skip
        # Fanned out, chunks of 6 items: shards [0, 4) and [8, 12) lie in one chunk, [4, 8) straddles two.
        assert bundled == (0 if shard_size > 12 else 2 if run_settings is fanned else 3)
        run = submitter.instance.get_run_by_id(result.run_id)
        steps.append(len([e for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]))
        assert run.tags["dagster/partition"] == job_id
        submitter.close()
    assert zips[0] == zips[1]
    assert steps[0] > steps[1]  # the fanned-out run made more, smaller chunks


def test_items_made_is_the_prefix_every_chunk_completed() -> None:
    """What a canceled job bundles: items [0, n) with no gap, whatever later chunks made."""
    spec = GenerationSpec(
        form_ids=("irs_w2_2025", "irs_f1040_2024"), quantity=30, output_formats=("pdf_typed",), seed=1
    )
    chunks = pipeline.plan_chunks("j", spec, 10)

    def made(*documents: int) -> int | None:
        results = [pipeline.ChunkResult(c, d, 0, 0) for c, d in zip(chunks, documents, strict=True)]
        return pipeline.items_made(list(reversed(results)))  # the order results arrive in does not matter

    assert made(20, 20, 20) is None  # everything: the whole job
    assert made(20, 7, 20) == 13  # chunk 1 stopped mid-item (7 documents = 3 whole items)
    assert made(6, 20, 20) == 3  # a gap after chunk 0: later chunks' items are not part of it
    assert made(0, 0, 0) == 0
