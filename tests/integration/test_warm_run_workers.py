"""Queued runs start in run workers the daemon started before they were dequeued
(`defs/run_launcher.WarmRunLauncher`)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from symage_pipeline.defs.run_launcher import WORKER_PID_TAG
from tests.helpers import until
from tests.integration.stack import Stack, own_stack
from tests.integration.test_up import _alive, _cmdline

pytestmark = pytest.mark.integration

QUEUE_EVERY_JOB = {"SYMAGE_FAST_LANE_MAX_DOCUMENTS": "0"}  # no lane: every job is a queued run


def _post(stack: Stack, quantity: int, seed: int) -> str:
    body = {"form_id": "irs_w2_2025", "quantity": quantity, "seed": seed}
    response = httpx.post(f"{stack.base}/generate", json=body, headers=stack.auth)
    assert response.status_code == 200, response.text
    return response.json()["data"]["job_id"]


def _job(stack: Stack, job_id: str) -> dict:
    return httpx.get(f"{stack.base}/jobs/{job_id}", headers=stack.auth).json()["data"]


def _of_stack(pid: int, stack: Stack) -> bool:
    try:
        environ = (Path("/proc") / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"SYMAGE_DATA_DIR={Path(stack.env['SYMAGE_DATA_DIR']).resolve()}".encode() in environ


def _waiting_workers(stack: Stack) -> set[int]:
    """This stack's run workers (other stacks of the suite have theirs)."""
    return {
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit()
        and "symage_pipeline.defs.run_worker" in _cmdline(int(p.name))
        and _alive(int(p.name))
        and _of_stack(int(p.name), stack)
    }


def _run(stack: Stack, job_id: str):  # type: ignore[no-untyped-def]
    from dagster import DagsterInstance

    from symage_pipeline.app.db import Database
    from symage_pipeline.app.records import JobTracker

    tracker = JobTracker(Database(f"sqlite:///{(stack.data_dir / 'symage.db').resolve()}", run_migrations=False))
    run_id = tracker.get(job_id).dagster_run_id
    instance = DagsterInstance.from_config(str(stack.data_dir / "dagster"))
    return instance, instance.get_run_by_id(run_id)


def test_queued_runs_execute_in_workers_started_before_them_and_terminate_interrupts_them(tmp_path) -> None:
    """One run per worker, each started before its run was dequeued, the first job's too (the
    daemon's launcher warms its workers when `symage up` starts it); the UI's Terminate (the
    instance's run launcher, in another process than the daemon) interrupts a run in one: SIGINT,
    the run ends CANCELED, and the job_reconciler ends its job."""
    from dagster import DagsterRunStatus

    from symage_pipeline.defs.automation import _worker_pid

    # every job in one process (the steps run in the worker itself), whatever the fan-out threshold
    with own_stack(tmp_path, {**QUEUE_EVERY_JOB, "SYMAGE_MULTIPROCESS_MIN_DOCUMENTS": "100000"}) as stack:
        prestarted = until(lambda: _waiting_workers(stack), 90, "the daemon started no worker before any job")
        first = _post(stack, 3, 1)
        until(lambda: _job(stack, first)["status"] in ("completed", "failed"), 90, "the first job did not end")
        assert _job(stack, first)["status"] == "completed"
        instance, run = _run(stack, first)
        first_pid = int(run.tags[WORKER_PID_TAG])
        assert first_pid in prestarted  # warm before the first job was posted
        assert _worker_pid(instance, run.run_id) == first_pid  # the launched worker executed the run

        # Once no run is running, the launcher starts the next workers: they wait, warm.
        waiting = until(lambda: _waiting_workers(stack) - {first_pid}, 90, "no worker was started to wait")
        second = _post(stack, 3, 2)
        until(lambda: _job(stack, second)["status"] in ("completed", "failed"), 90, "the second job did not end")
        assert _job(stack, second)["status"] == "completed"
        instance, run = _run(stack, second)
        pid = int(run.tags[WORKER_PID_TAG])
        assert pid in waiting  # started before the job was even posted
        assert _worker_pid(instance, run.run_id) == pid != first_pid
        until(lambda: not _alive(pid), 30, "the worker outlived its run")  # one run per process

        # In one process, and long enough (~7 s) to be terminated mid-way.
        job_id = _post(stack, 2_400, 3)
        until(lambda: _job(stack, job_id)["status"] == "generating" and _job(stack, job_id)["progress"] > 0, 90,
              "the large job made no progress")  # fmt: skip
        instance, run = _run(stack, job_id)
        pid = int(run.tags[WORKER_PID_TAG])
        assert instance.run_launcher.terminate(run.run_id)
        canceled = DagsterRunStatus.CANCELED
        until(lambda: instance.get_run_by_id(run.run_id).status == canceled, 60, "the run was not canceled")
        until(lambda: not _alive(pid), 30, "the terminated worker did not exit")
        until(lambda: _job(stack, job_id)["status"] not in ("pending", "generating"), 120, "the job never ended")
        assert _job(stack, job_id)["status"] == "failed"  # what it made is kept, the rest refunded
