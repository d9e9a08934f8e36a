"""Re-executing a failed job's run as the Dagster UI's "Re-execute from failure" button does (the
same GraphQL mutation, against the stack's code server and instance) completes the job: reopened,
charged in full instead of for its partial dataset, the full dataset downloadable, job.completed
queued. Through `symage up` with one run attempt, so the sensor leaves the failed run alone."""

from __future__ import annotations

import time

import httpx
import pytest
import yaml

from symage_pipeline.defs.generate import INJECT_FAILURE_ENV
from tests.integration.stack import own_stack

pytestmark = pytest.mark.integration

BODY = {"form_id": "irs_w2_2025", "quantity": 300, "seed": 6, "output_formats": ["pdf_typed"]}
REEXECUTE = """
mutation($reexecutionParams: ReexecutionParams) {
  launchPipelineReexecution(reexecutionParams: $reexecutionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId parentRunId } }
    ... on PythonError { message }
  }
}
"""


def _wait(base: str, auth: dict, job_id: str, until: tuple[str, ...], timeout: float = 150) -> dict:
    deadline = time.monotonic() + timeout
    while (job := httpx.get(f"{base}/jobs/{job_id}", headers=auth).json()["data"])["status"] not in until:
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    return job


def test_the_ui_re_execution_of_a_failed_run_completes_its_job(tmp_path) -> None:
    from dagster import DagsterInstance, RunsFilter
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import GrpcServerTarget
    from dagster_graphql.test.utils import execute_dagster_graphql

    settings = {INJECT_FAILURE_ENV: "make_chunk:1:first-run", "SYMAGE_RUN_ATTEMPTS": "1"}
    with own_stack(tmp_path, settings) as stack:
        auth, base, data_dir = stack.auth, stack.base, stack.data_dir
        created = httpx.post(f"{base}/generate", json=BODY, headers=auth).json()["data"]
        failed = _wait(base, auth, created["job_id"], ("completed", "failed"))
        assert failed["status"] == "failed" and "injected failure" in failed["error"]
        assert failed["documents_completed"] == 250  # chunk 0 of 250; chunk 1 kept failing
        assert failed["credits_charged"] < created["credits_required"]

        home = data_dir / "dagster"
        instance = DagsterInstance.from_config(str(home))
        (run,) = instance.get_runs(RunsFilter(tags={"dagster/partition": created["job_id"]}))
        grpc = yaml.safe_load((home / "workspace.yaml").read_text())["load_from"][0]["grpc_server"]
        target = GrpcServerTarget(host=grpc["host"], port=grpc["port"], socket=None, location_name="symage")
        with WorkspaceProcessContext(instance, target) as workspace:
            answer = execute_dagster_graphql(
                workspace.create_request_context(),
                REEXECUTE,
                variables={"reexecutionParams": {"parentRunId": run.run_id, "strategy": "FROM_FAILURE"}},
            )
        launched = answer.data["launchPipelineReexecution"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        assert launched["run"]["parentRunId"] == run.run_id

        job = _wait(base, auth, created["job_id"], ("completed",))
        assert job["credits_charged"] == created["credits_required"] and job["documents_completed"] == 300
        assert job["error"] is None
        dataset = httpx.get(f"{base}/jobs/{created['job_id']}/download/dataset", headers=auth)
        manifest = httpx.get(f"{base}/jobs/{created['job_id']}/dataset/manifest", headers=auth).json()
        assert manifest["dataset"]["size_bytes"] == len(dataset.content)
        assert manifest["dataset"].get("documents", 300) == 300
        balance = httpx.get(f"{base}/account/balance", headers=auth).json()["data"]
        assert balance["credits_allocated"] == created["credits_required"]
