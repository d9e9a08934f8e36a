"""The README quick start with the official client, unchanged, over real HTTP against `symage up`."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from symagedocs import Client
from symagedocs._errors import NotFoundError, ValidationError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(live_stack) -> Client:
    return Client(api_key=live_stack["api_key"], base_url=live_stack["base_url"])


def test_forms(client: Client) -> None:
    forms = client.forms.list()
    ids = {f.id for f in forms}
    assert {"irs_w2_2025", "irs_f1040_2024"} <= ids
    w2 = client.forms.get("irs_w2_2025")
    assert w2.page_count == 1 and w2.fields and all(f.page == 1 for f in w2.fields)
    assert w2.credit_cost == 20 + ((max(w2.field_count - 25, 0) + 24) // 25) * 2
    assert {f.id for f in client.forms.list(category="tax")} == {f.id for f in forms if f.category == "tax"}
    with pytest.raises(NotFoundError):
        client.forms.get("irs_w99_2024")


def test_quick_start_generate_wait_download(client: Client, tmp_path: Path) -> None:
    job = client.generate.create("irs_w2_2025", quantity=100, output_formats=["pdf_typed"], seed=7)
    assert job.status == "pending" and job.credits_required == 100 * client.forms.get("irs_w2_2025").credit_cost
    done = client.generate.wait(job.job_id, poll_interval=0.5)
    assert done.status == "completed" and done.progress == 1.0
    dataset = client.generate.download(job.job_id, "dataset", path=str(tmp_path))
    with zipfile.ZipFile(dataset) as archive:
        assert sum(n.startswith("pdfs/typed/") for n in archive.namelist()) == 100
        assert json.loads(archive.read("manifest.json"))["seed"] == 7
    records = json.loads(client.generate.download(job.job_id, "json", path=str(tmp_path)).read_text())
    assert len(records) == 100
    csv_path = client.generate.download(job.job_id, "csv", path=str(tmp_path))
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert len(rows) == 100 and rows[0]["document_id"] == "irs_w2_2025_000000"
    listed = list(client.generate.list_jobs())
    assert job.job_id in {j.job_id for j in listed}
    detail = client.generate.get_job(job.job_id)
    assert detail.generation_time_ms and detail.throughput_docs_per_min
    assert detail.worker_count == 1  # below multiprocess_min_documents: one process


def test_sdk_sees_error_codes(client: Client) -> None:
    with pytest.raises(ValidationError) as err:
        client.generate.create("irs_w2_2025", output_formats=["png_typed"])
    assert err.value.code == "missing_pdf_dependency"


def _finished_runs(instance, runs_filter, timeout: float = 30.0) -> list:
    deadline = time.monotonic() + timeout
    while True:
        runs = instance.get_runs(runs_filter)
        if runs and all(r.is_finished for r in runs):
            return runs
        assert time.monotonic() < deadline, [r.status for r in runs]
        time.sleep(0.2)


@pytest.mark.parametrize("quantity", [1, 30])  # the in-process fast lane, and a queued run
def test_dagster_records_the_run_under_the_job_partition(client: Client, live_stack, quantity: int) -> None:
    from dagster import DagsterInstance
    from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter

    job = client.generate.create("irs_w2_2025", quantity=quantity, seed=1, output_formats=["pdf_typed"])
    client.generate.wait(job.job_id, poll_interval=0.5)
    instance = DagsterInstance.from_config(str(Path(live_stack["data_dir"]) / "dagster"))
    # the job is `completed` once its dataset is stored, by the bundle step; the run ends a moment later
    (run,) = _finished_runs(instance, RunsFilter(tags={"dagster/partition": job.job_id}))
    assert run.job_name == "generate_documents" and run.tags["symage/job_id"] == job.job_id
    # what the runs list shows and filters by
    assert run.tags["symage/user_id"] == "sdk-user" and run.tags["symage/forms"] == "irs_w2_2025"
    assert run.tags["symage/quantity"] == str(quantity) and run.tags["symage/formats"] == "pdf_typed"
    # what the job's Partitions tab reads: runs of its partition set, by partition
    partition_runs = RunsFilter(job_name="generate_documents",
                                tags={"dagster/partition_set": "generate_documents_partition_set"})  # fmt: skip
    by_partition = {p.partition: p.status for p in instance.get_run_partition_data(partition_runs)}
    assert by_partition[job.job_id] == DagsterRunStatus.SUCCESS
    assert run.tags[".dagster/repository"] == "__repository__@symage"
    steps = {s.step_key.split("[")[0] for s in instance.get_run_step_stats(run.run_id)}
    assert steps == {"plan", "make_chunk", "bundle"}
    assert job.job_id in instance.get_dynamic_partitions("generation_jobs")
    outputs = [e.dagster_event for e in instance.all_logs(run.run_id)
               if e.dagster_event and e.dagster_event.event_type_value == "STEP_OUTPUT"
               and e.step_key.startswith("make_chunk[")]  # fmt: skip
    metadata = outputs[0].step_output_data.metadata
    assert metadata["documents"].value == quantity and metadata["docs_per_second"].value > 0


def test_canceling_a_queued_job_ends_its_run_and_refunds_it(client: Client, live_stack) -> None:
    from dagster import DagsterInstance

    before = client.account.balance()
    job = client.generate.create("irs_w2_2025", quantity=400, seed=11)  # queued: above the in-API lane
    canceled = client.generate.cancel(job.job_id)
    assert canceled.status in ("canceled", "canceling")
    deadline = time.monotonic() + 120
    while (current := client.generate.get_job(job.job_id)).status not in ("canceled", "completed", "failed"):
        assert time.monotonic() < deadline, current.status
        time.sleep(0.3)
    assert current.status == "canceled" and current.credits_charged < job.credits_required
    # Its Dagster run does not go on to make the whole job: dequeued (CANCELED) if it was still
    # queued, ended by its plan step if it had just started, or bundled early if it was rendering.
    instance = DagsterInstance.from_config(str(Path(live_stack["data_dir"]) / "dagster"))
    deadline = time.monotonic() + 60
    while True:
        (run,) = [r for r in instance.get_runs(limit=50) if r.tags.get("symage/job_id") == job.job_id]
        if run.is_finished:
            break
        assert time.monotonic() < deadline, run.status
        time.sleep(0.5)
    expected = {"canceled": ("CANCELED", "FAILURE"), "canceling": ("SUCCESS",)}[canceled.status]
    assert run.status.value in expected, run.status
    after = client.account.balance()
    assert after.credits_allocated - before.credits_allocated == current.credits_charged


def test_health_reports_the_daemons_that_launch_queued_runs(client: Client) -> None:
    deadline = time.monotonic() + 60
    while True:
        health = client.health()
        daemons = health["checks"]["dagster"].get("daemons", {})
        if health["status"] == "healthy" or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert health["status"] == "healthy", health
    assert {"QUEUED_RUN_COORDINATOR", "SENSOR", "SCHEDULER"} <= set(daemons) and all(daemons.values())
    assert {c["status"] for c in health["checks"].values()} == {"ok"}
