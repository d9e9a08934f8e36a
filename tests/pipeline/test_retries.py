"""Transient failures are Dagster's to retry: a chunk whose step fails once is re-run by its
RetryPolicy and the job completes with the same bytes and the same charge as a run without the
failure; a chunk that keeps failing fails the job after its last attempt: what the chunks before it
made is bundled, downloadable and charged, and the rest refunded. The failure is injected with the
test-only SYMAGE_TEST_FAIL_STEP."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from symage_pipeline.defs.generate import INJECT_FAILURE_ENV
from symage_pipeline.defs.launch import InProcessRunSubmitter
from symage_pipeline.settings import Settings
from tests.conftest import Api


@pytest.fixture
def api(settings: Settings):
    """Three chunks of 10 for a 30-document job, so one chunk can fail alone."""
    from api.main import create_app

    small = settings.model_copy(update={"min_chunk_documents": 10, "fast_lane_max_documents": 0})
    submitter = InProcessRunSubmitter(small)
    with TestClient(create_app(small, submitter)) as client:
        yield Api(client, submitter)


def run(api: Api, key: str) -> tuple[dict, bytes]:
    body = {"form_id": "irs_w2_2025", "quantity": 30, "seed": 21}
    created = api.client.post("/api/v1/generate", json=body, headers=api.auth(key)).json()["data"]
    job = api.wait(key, created["job_id"])
    dataset = api.client.get(f"/api/v1/jobs/{job['job_id']}/download/dataset", headers=api.auth(key))
    return job, dataset.content if job["status"] == "completed" else b""


def step_events(api: Api, job_id: str) -> list[tuple[str, str]]:
    from dagster._core.storage.dagster_run import RunsFilter

    instance = api.submitter.instance
    (dagster_run,) = instance.get_runs(RunsFilter(tags={"dagster/partition": job_id}))
    return [(r.dagster_event.event_type_value, r.step_key or "") for r in instance.all_logs(dagster_run.run_id)
            if r.dagster_event is not None]  # fmt: skip


def test_a_chunk_that_fails_once_is_retried_to_the_same_bytes(api: Api, monkeypatch) -> None:
    key = api.key("retry")
    clean_job, clean = run(api, key)
    assert clean_job["status"] == "completed"

    monkeypatch.setenv(INJECT_FAILURE_ENV, "make_chunk:1")
    job, dataset = run(api, key)
    assert job["status"] == "completed", job["error"]
    assert dataset == clean
    assert job["documents_completed"] == 30 and job["credits_charged"] == clean_job["credits_charged"]
    events = step_events(api, job["job_id"])
    assert ("STEP_UP_FOR_RETRY", "make_chunk[chunk_00001]") in events  # visible in the Dagster UI
    assert not any(kind == "STEP_FAILURE" for kind, _ in events)


def test_a_chunk_that_keeps_failing_fails_the_job_with_a_partial_dataset(api: Api, monkeypatch) -> None:
    key = api.key("retry")
    monkeypatch.setenv(INJECT_FAILURE_ENV, "make_chunk:1:always")
    job, _ = run(api, key)
    assert job["status"] == "failed" and "injected failure" in job["error"]
    events = step_events(api, job["job_id"])
    retries = [kind for kind, step in events if step == "make_chunk[chunk_00001]" and kind == "STEP_UP_FOR_RETRY"]
    assert len(retries) == 2  # three attempts in all
    # what the chunks before the failed one made is a partial dataset, and is what is charged
    assert job["documents_completed"] == 10
    assert job["credits_charged"] == job["credits_required"] * 10 // 30
    auth = api.auth(key)
    dataset = api.client.get(f"/api/v1/jobs/{job['job_id']}/download/dataset", headers=auth)
    assert dataset.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(dataset.content)).namelist()
    assert sum(n.endswith(".pdf") for n in names) == 10
    manifest = api.client.get(f"/api/v1/jobs/{job['job_id']}/dataset/manifest", headers=auth).json()
    assert manifest["dataset"]["size_bytes"] == len(dataset.content)
    flat = api.client.get(f"/api/v1/jobs/{job['job_id']}/download/json", headers=auth).json()
    assert len(flat) == 10
