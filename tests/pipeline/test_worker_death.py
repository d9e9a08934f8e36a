"""A step worker that dies is a failed step attempt, never a hung job: parallelism is the
executor's, so Dagster sees the dead process, its RetryPolicy runs the step again (the job
completes with the same bytes), and a step that dies at every attempt fails the job, refunding
what was not made."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from symage_pipeline.defs.launch import InProcessRunSubmitter
from tests.api.test_credits_and_idempotency import W2
from tests.conftest import Api


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _step_workers() -> list[int]:
    # The forkserver is this process's child; the step workers are its children.
    return [w for server in _children(os.getpid()) for w in _children(server)]


@pytest.fixture
def fanned(settings) -> Iterator[tuple[Api, str]]:  # type: ignore[no-untyped-def]
    """An app whose 600-document jobs fan out to two step workers, and a key of an enterprise
    account (these tests poll fast)."""
    fanned = settings.model_copy(update={"multiprocess_min_documents": 50, "workers": 2, "max_chunk_documents": 300})
    submitter = InProcessRunSubmitter(fanned, quiet=True)
    with TestClient(create_app(fanned, submitter)) as client:
        api = Api(client, submitter)
        key = api.key("doomed")
        api.account("doomed", tier="enterprise")
        yield api, key


def _job(api: Api, key: str, job_id: str) -> dict:
    return api.client.get(f"/api/v1/jobs/{job_id}", headers=api.auth(key)).json()["data"]


def _wait_for_render(api: Api, key: str, job_id: str) -> None:
    deadline = time.monotonic() + 120
    while _job(api, key, job_id)["documents_completed"] < 25:
        assert time.monotonic() < deadline, "no render step started"
        time.sleep(0.05)


def test_a_killed_step_worker_is_retried_and_the_job_completes_with_the_same_bytes(fanned) -> None:
    api, key = fanned
    body = {**W2, "quantity": 600}
    datasets = []
    for kill in (False, True):
        created = api.client.post("/api/v1/generate", json=body, headers=api.auth(key)).json()["data"]
        if kill:
            _wait_for_render(api, key, created["job_id"])
            workers = _step_workers()
            assert workers, "no step worker found"
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
        api.submitter.drain()
        job = _job(api, key, created["job_id"])
        assert job["status"] == "completed", job
        assert job["credits_charged"] == created["credits_required"]
        datasets.append(api.client.get(f"/api/v1/jobs/{job['job_id']}/download/dataset", headers=api.auth(key)).content)
    assert datasets[0] == datasets[1]


def test_a_step_worker_killed_at_every_attempt_fails_the_job_and_refunds_what_was_not_made(fanned) -> None:
    api, key = fanned
    created = api.client.post("/api/v1/generate", json={**W2, "quantity": 600}, headers=api.auth(key)).json()["data"]
    job_id = created["job_id"]
    _wait_for_render(api, key, job_id)
    killed_at = time.monotonic()
    while _job(api, key, job_id)["status"] not in ("completed", "failed"):  # every retry's worker, too
        for pid in _step_workers():
            os.kill(pid, signal.SIGKILL)
        assert time.monotonic() - killed_at < 60, "the job did not end"
        time.sleep(0.05)
    api.submitter.drain()
    job = _job(api, key, job_id)
    assert job["status"] == "failed", job
    assert job["credits_charged"] < created["credits_required"]
    balance = api.client.get("/api/v1/account/balance", headers=api.auth(key)).json()["data"]
    assert balance["credits_allocated"] == job["credits_charged"]
