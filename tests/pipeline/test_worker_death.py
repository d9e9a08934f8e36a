"""A step worker that dies fails its job within seconds: parallelism is the executor's, so a dead
process is a failed step (never a pool's child that leaves the job `generating` for good)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

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


def test_killing_a_step_worker_fails_the_job_and_refunds_what_was_not_made(settings) -> None:
    fanned = settings.model_copy(update={"multiprocess_min_documents": 50, "workers": 2, "max_chunk_documents": 300})
    submitter = InProcessRunSubmitter(fanned, quiet=True)
    with TestClient(create_app(fanned, submitter)) as client:
        api = Api(client, submitter)
        key = api.key("doomed")
        api.account("doomed", tier="enterprise")
        created = client.post("/api/v1/generate", json={**W2, "quantity": 600}, headers=api.auth(key)).json()["data"]
        job_id = created["job_id"]
        deadline = time.monotonic() + 120
        while client.get(f"/api/v1/jobs/{job_id}", headers=api.auth(key)).json()["data"]["documents_completed"] < 25:
            assert time.monotonic() < deadline, "no render step started"
            time.sleep(0.05)
        # The forkserver is this process's child; the step workers are its children.
        workers = [w for server in _children(os.getpid()) for w in _children(server)]
        assert workers, "no step worker found"
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        submitter.drain()
        job = client.get(f"/api/v1/jobs/{job_id}", headers=api.auth(key)).json()["data"]
        assert job["status"] == "failed", job
        assert time.monotonic() - killed_at < 30
        assert job["credits_charged"] < created["credits_required"]
        balance = client.get("/api/v1/account/balance", headers=api.auth(key)).json()["data"]
        assert balance["credits_allocated"] == job["credits_charged"]
