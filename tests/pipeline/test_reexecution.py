"""The app DB follows every run of a job's partition: a failed job whose run is re-executed from
failure (what the Dagster UI's "Re-execute from failure" button and a retry sensor do) completes,
is charged in full and serves the same bytes as a run that never failed."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.definitions.reconstruct import ReconstructableRepository
from fastapi.testclient import TestClient

from api.main import create_app
from symage_pipeline.defs.execution import ExecutionPlan
from symage_pipeline.defs.generate import INJECT_FAILURE_ENV, run_config
from symage_pipeline.defs.launch import InProcessRunSubmitter, job_tags
from symage_pipeline.defs.names import DEFINITIONS_MODULE, JOB_NAME, PARTITIONS_NAME
from tests.conftest import Api

BODY = {"form_id": "irs_w2_2025", "quantity": 30, "seed": 4, "output_formats": ["pdf_typed"]}


class QueuedLikeSubmitter(InProcessRunSubmitter):
    """Runs as the run worker of a queued run does: `execute_job` with step outputs stored by the
    filesystem IO manager, so a later run can re-execute from failure; a failed run's job is ended
    as the job_reconciler would end it."""

    def submit(self, job_id, spec, *, user_id=""):  # type: ignore[no-untyped-def]
        self.instance.add_dynamic_partitions(PARTITIONS_NAME, [job_id])
        plan = ExecutionPlan(chunk_size=10, workers=1, shard_size=0)
        config = run_config(job_id, spec, plan, resources=self.settings)
        result = dg.execute_job(self.job(), self.instance, run_config=config.to_config_dict(),
                                tags=job_tags(job_id, spec, user_id))  # fmt: skip
        if not result.success:  # what the job_reconciler does when it sees the run failed
            self._fail(job_id, "run failed", run=result.dagster_run)
        return result.run_id

    @staticmethod
    def job():  # type: ignore[no-untyped-def]
        return ReconstructableRepository.for_module(DEFINITIONS_MODULE, "defs").get_reconstructable_job(JOB_NAME)


@pytest.fixture
def api(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"fast_lane_max_documents": 0})
    submitter = QueuedLikeSubmitter(settings, quiet=True)
    with TestClient(create_app(settings, submitter)) as client:
        yield Api(client, submitter)


def _job(api: Api, key: str, job_id: str) -> dict:
    return api.client.get(f"/api/v1/jobs/{job_id}", headers=api.auth(key)).json()["data"]


def test_a_failed_job_reexecuted_from_failure_completes_charged_with_the_same_bytes(api: Api, monkeypatch) -> None:
    key = api.key("ops")
    clean = api.client.post("/api/v1/generate", json=BODY, headers=api.auth(key)).json()["data"]
    assert _job(api, key, clean["job_id"])["status"] == "completed"
    clean_zip = api.client.get(f"/api/v1/jobs/{clean['job_id']}/download/dataset", headers=api.auth(key)).content

    monkeypatch.setenv(INJECT_FAILURE_ENV, "make_chunk:1:always")
    created = api.client.post("/api/v1/generate", json=BODY, headers=api.auth(key)).json()["data"]
    failed = _job(api, key, created["job_id"])
    assert failed["status"] == "failed" and failed["credits_charged"] < created["credits_required"]
    balance = api.client.get("/api/v1/account/balance", headers=api.auth(key)).json()["data"]
    assert balance["credits_allocated"] == clean["credits_required"] + failed["credits_charged"]

    monkeypatch.delenv(INJECT_FAILURE_ENV)
    instance = api.submitter.instance
    (first_run,) = instance.get_runs(dg.RunsFilter(tags={"dagster/partition": created["job_id"]}))
    run_id = first_run.run_id
    again = dg.execute_job(QueuedLikeSubmitter.job(), instance,
                           reexecution_options=dg.ReexecutionOptions.from_failure(run_id, instance))  # fmt: skip
    assert again.success
    steps = {e.step_key.split("[")[0] for e in again.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert "plan" not in steps and "make_chunk" in steps  # only what failed, and what follows it

    job = _job(api, key, created["job_id"])
    assert job["status"] == "completed" and job["error"] is None
    assert job["credits_charged"] == created["credits_required"]
    balance = api.client.get("/api/v1/account/balance", headers=api.auth(key)).json()["data"]
    assert balance["credits_allocated"] == balance["credits_used"] == 2 * created["credits_required"]
    dataset = api.client.get(f"/api/v1/jobs/{created['job_id']}/download/dataset", headers=api.auth(key)).content
    assert dataset == clean_zip
