"""The job_reconciler sensor ends every job a crash left waiting: its run failed, its run worker
is gone while Dagster still says STARTED, or it never got a run (then one is submitted)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from dagster._core.events import EngineEventData
from dagster._core.test_utils import create_run_for_test

from symage_pipeline.app.db import Account, Database, Job
from symage_pipeline.app.ledger import reserve
from symage_pipeline.app.recovery import DEAD, MISSING, recovery_actions
from symage_pipeline.defs.automation import job_reconciler
from symage_pipeline.settings import get_settings
from symage_pipeline.spec import GenerationSpec

SPEC = GenerationSpec(form_ids=("irs_w2_2025",), quantity=10, output_formats=("pdf_typed",), seed=3)


def _job(db: Database, job_id: str, *, status: str, run_id: str | None, age_seconds: float) -> None:
    with db.session() as session:
        job = Job.for_spec(SPEC, job_id=job_id, user_id="u", requested_seed=3, credits_required=200,
                           created_via="api_key")  # fmt: skip
        job.status, job.dagster_run_id = status, run_id
        job.created_at = datetime.now(UTC) - timedelta(seconds=age_seconds)
        session.add(job)
        session.flush()
        reserve(session, job)


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_recovery_actions_for_each_kind_of_orphan() -> None:
    now = datetime.now(UTC)

    def job(job_id: str, status: str, run_id: str | None, age: float) -> Job:
        return Job(job_id=job_id, status=status, dagster_run_id=run_id, created_at=now - timedelta(seconds=age))

    states = {"r-ok": "STARTED", "r-failed": "FAILURE", "r-dead": DEAD, "r-gone": MISSING, "r-queued": "QUEUED"}
    jobs = [job("fresh", "pending", None, 5), job("lost", "pending", None, 600), job("ok", "generating", "r-ok", 600),
            job("failed", "generating", "r-failed", 600), job("dead", "generating", "r-dead", 600),
            job("gone", "pending", "r-gone", 600), job("queued", "pending", "r-queued", 600)]  # fmt: skip
    actions = {a.job_id: a.action for a in recovery_actions(jobs, states.__getitem__, now=now)}
    assert actions == {"lost": "resubmit", "failed": "fail", "dead": "fail", "gone": "resubmit"}


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """The sensor reads the process's settings, cached once per process: read them anew."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_sensor_fails_dead_runs_and_resubmits_lost_jobs(tmp_path, monkeypatch, fresh_settings) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("SYMAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SYMAGE_DATABASE_URL", url)
    db = Database(url)
    with db.session() as session:
        session.add(Account(user_id="u", credit_limit=None, tier="free", feature_flags=[]))
    with dg.instance_for_test() as instance:
        started = create_run_for_test(instance, job_name="generate_documents", status=dg.DagsterRunStatus.STARTED)
        instance.report_engine_event("Started process for run", started, EngineEventData.in_process(_dead_pid()))
        failed = create_run_for_test(instance, job_name="generate_documents", status=dg.DagsterRunStatus.FAILURE)
        alive = create_run_for_test(instance, job_name="generate_documents", status=dg.DagsterRunStatus.STARTED)
        instance.report_engine_event("Started process for run", alive, EngineEventData.in_process(1))  # init: alive
        _job(db, "job-dead", status="generating", run_id=started.run_id, age_seconds=300)
        _job(db, "job-failed", status="generating", run_id=failed.run_id, age_seconds=300)
        _job(db, "job-alive", status="generating", run_id=alive.run_id, age_seconds=300)
        _job(db, "job-lost", status="pending", run_id=None, age_seconds=300)
        _job(db, "job-new", status="pending", run_id=None, age_seconds=1)

        result = list(job_reconciler(dg.build_sensor_context(instance=instance)))

        requests = [r for r in result if isinstance(r, dg.RunRequest)]
        assert [(r.partition_key, r.job_name, r.run_key) for r in requests] == [
            ("job-lost", "generate_documents", "recover-job-lost")
        ]
        assert requests[0].tags["symage/recovered"] == "true" and requests[0].tags["symage/user_id"] == "u"
        assert instance.get_run_by_id(started.run_id).status == dg.DagsterRunStatus.FAILURE  # the UI tells the truth
        assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED
    with db.session() as session:
        status = {j.job_id: (j.status, j.credits_charged) for j in session.query(Job)}
    assert status["job-dead"] == ("failed", 0) and status["job-failed"] == ("failed", 0)
    assert status["job-alive"][0] == "generating" and status["job-lost"][0] == "pending"
    assert status["job-new"][0] == "pending"
