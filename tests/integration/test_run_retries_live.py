"""A run that fails after its steps' own retries is re-executed from failure by the daemon's
job_reconciler sensor, visible in Dagster as a second run of the job's partition with an attempt
tag; the job completes with the same bytes and charge as a run without the failure, and no
job.failed is queued. Through `symage up` (the daemon must run the sensor), with the failure
injected by the test-only SYMAGE_TEST_FAIL_STEP into every attempt of the first run's chunk 1."""

from __future__ import annotations

import time

import httpx
import pytest

from symage_pipeline.defs.generate import INJECT_FAILURE_ENV
from tests.conftest import Api
from tests.helpers import free_port
from tests.integration.stack import own_stack

pytestmark = pytest.mark.integration

BODY = {"form_id": "irs_w2_2025", "quantity": 300, "seed": 5, "output_formats": ["pdf_typed"]}


def test_a_failed_run_is_re_executed_from_failure_and_its_job_completes(tmp_path, api: Api) -> None:
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    key = api.key("clean")
    created = api.client.post("/api/v1/generate", json=BODY, headers=api.auth(key)).json()["data"]
    clean_job = api.wait(key, created["job_id"], timeout=120)
    clean = api.client.get(f"/api/v1/jobs/{created['job_id']}/download/dataset", headers=api.auth(key)).content

    settings = {INJECT_FAILURE_ENV: "make_chunk:1:first-run", "SYMAGE_RUN_ATTEMPTS": "2",
                "SYMAGE_ALLOW_PRIVATE_WEBHOOKS": "true"}  # fmt: skip
    with own_stack(tmp_path, settings) as stack:
        auth, base, data_dir = stack.auth, stack.base, stack.data_dir
        subscription = {"url": f"http://127.0.0.1:{free_port()}/hook", "events": ["job.completed", "job.failed"]}
        hook = httpx.post(f"{base}/webhooks", headers=auth, json=subscription).json()["data"]
        job_id = httpx.post(f"{base}/generate", json=BODY, headers=auth).json()["data"]["job_id"]
        deadline = time.monotonic() + 150
        while (job := httpx.get(f"{base}/jobs/{job_id}", headers=auth).json()["data"])["status"] not in (
            "completed", "failed"
        ):  # fmt: skip
            assert time.monotonic() < deadline, job
            time.sleep(0.5)
        assert job["status"] == "completed", job["error"]
        assert job["credits_charged"] == clean_job["credits_charged"] and job["documents_completed"] == 300
        assert httpx.get(f"{base}/jobs/{job_id}/download/dataset", headers=auth).content == clean

        instance = DagsterInstance.from_config(str(data_dir / "dagster"))
        runs = instance.get_runs(RunsFilter(tags={"dagster/partition": job_id}))
        runs = sorted(runs, key=lambda r: r.tags["symage/attempt"])
        assert [(r.status, r.tags["symage/attempt"]) for r in runs] == [
            (DagsterRunStatus.FAILURE, "1"), (DagsterRunStatus.SUCCESS, "2")
        ]  # fmt: skip
        first, second = runs
        assert second.parent_run_id == first.run_id and second.tags.get("dagster/is_resume_retry") == "true"
        assert second.tags["symage/user_id"] == "u" and second.tags["dagster/partition_set"]
        # from failure: the chunk that succeeded in the first run was not rendered again
        redone = {s.step_key for s in instance.get_run_step_stats(second.run_id)}
        assert "make_chunk[chunk_00001]" in redone and "make_chunk[chunk_00000]" not in redone
        # the job failed no one: only its completion was queued for the account's webhook
        deliveries = httpx.get(f"{base}/webhooks/{hook['webhook_id']}/deliveries", headers=auth).json()["data"]
        assert [d["event"] for d in deliveries] == ["job.completed"]
