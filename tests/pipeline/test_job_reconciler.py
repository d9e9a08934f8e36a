"""The job_reconciler sensor ends every job a crash left waiting: its run failed, its run worker
is gone while Dagster still says STARTED (re-executed while the run has attempts left, else the
job fails), or it never got a run (then one is submitted)."""

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
from symage_pipeline.app.recovery import DEAD, MISSING, RunView, recovery_actions
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

    views = {"r-ok": RunView("STARTED"), "r-failed": RunView("FAILURE"), "r-dead": RunView(DEAD),
             "r-gone": RunView(MISSING), "r-queued": RunView("QUEUED"),
             # attempts left: re-executed, however the run ended, unless it was canceled
             "r-failed-1of3": RunView("FAILURE", 1, 3), "r-dead-2of3": RunView(DEAD, 2, 3),
             "r-failed-3of3": RunView("FAILURE", 3, 3), "r-canceled-1of3": RunView("CANCELED", 1, 3)}  # fmt: skip
    jobs = [job("fresh", "pending", None, 5), job("lost", "pending", None, 600), job("ok", "generating", "r-ok", 600),
            job("failed", "generating", "r-failed", 600), job("dead", "generating", "r-dead", 600),
            job("gone", "pending", "r-gone", 600), job("queued", "pending", "r-queued", 600)]  # fmt: skip
    jobs += [job(run_id[2:], "generating", run_id, 600) for run_id in views if "of" in run_id]
    actions = {a.job_id: (a.action, a.attempt) for a in recovery_actions(jobs, views.__getitem__, now=now)}
    assert actions == {
        "lost": ("resubmit", 1), "failed": ("fail", 1), "dead": ("fail", 1), "gone": ("resubmit", 1),
        "failed-1of3": ("retry", 2), "dead-2of3": ("retry", 3),
        "failed-3of3": ("fail", 1), "canceled-1of3": ("fail", 1),
    }  # fmt: skip


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


class RecordingSubmitter:
    def __init__(self) -> None:
        self.reexecuted: list[tuple[str, int, bool]] = []

    def reexecute(self, parent_run_id: str, *, attempt: int, run_config: dict | None = None) -> str:
        self.reexecuted.append((parent_run_id, attempt, run_config is None))
        return f"retry-of-{parent_run_id[:8]}"


def test_the_sensor_re_executes_failed_and_dead_runs_with_attempts_left(tmp_path, monkeypatch, fresh_settings) -> None:
    from symage_pipeline.defs import automation

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("SYMAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SYMAGE_DATABASE_URL", url)
    submitter = RecordingSubmitter()
    monkeypatch.setattr(automation, "_submitter", lambda settings: submitter)
    db = Database(url)
    with db.session() as session:
        session.add(Account(user_id="u", credit_limit=None, tier="free", feature_flags=[]))
    attempts = {"symage/attempt": "1", "symage/max_attempts": "3"}
    with dg.instance_for_test() as instance:
        failed = create_run_for_test(instance, job_name="generate_documents", status=dg.DagsterRunStatus.FAILURE,
                                     tags=attempts)  # fmt: skip
        dead = create_run_for_test(instance, job_name="generate_documents", status=dg.DagsterRunStatus.STARTED,
                                   tags={**attempts, "symage/attempt": "2"})  # fmt: skip
        instance.report_engine_event("Started process for run", dead, EngineEventData.in_process(_dead_pid()))
        last = create_run_for_test(instance, job_name="generate_documents", status=dg.DagsterRunStatus.FAILURE,
                                   tags={**attempts, "symage/attempt": "3"})  # fmt: skip
        _job(db, "job-failed", status="generating", run_id=failed.run_id, age_seconds=300)
        _job(db, "job-dead", status="generating", run_id=dead.run_id, age_seconds=300)
        _job(db, "job-last", status="generating", run_id=last.run_id, age_seconds=300)

        result = list(job_reconciler(dg.build_sensor_context(instance=instance)))

        assert not [r for r in result if isinstance(r, dg.RunRequest)]
        # runs made without a code location (as here) kept no step outputs: every step runs again
        assert sorted(submitter.reexecuted) == sorted([(failed.run_id, 2, False), (dead.run_id, 3, False)])
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    with db.session() as session:
        jobs = {j.job_id: j for j in session.query(Job)}
    # the job waits on its new run; only the run out of attempts ends its job
    assert jobs["job-failed"].status == "generating"
    assert jobs["job-failed"].dagster_run_id == f"retry-of-{failed.run_id[:8]}"
    assert jobs["job-dead"].dagster_run_id == f"retry-of-{dead.run_id[:8]}"
    assert jobs["job-last"].status == "failed" and jobs["job-last"].credits_charged == 0
