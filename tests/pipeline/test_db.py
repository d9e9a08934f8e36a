"""The same migrations and job bookkeeping on SQLite and on the PostgreSQL server."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from symage_pipeline.app.db import Account, Database, Job
from symage_pipeline.app.ledger import credits_allocated, credits_used, reserve
from symage_pipeline.app.records import JobTracker


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path) -> Database:
    url = f"sqlite:///{tmp_path / 'app.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    database = Database(url)
    yield database
    database.dispose()


def test_migrations_create_every_table_and_are_idempotent(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"accounts", "api_keys", "jobs", "credit_ledger", "alembic_version"} <= tables
    Database(db.url).dispose()  # upgrading an up-to-date schema is a no-op


def _job(db: Database, job_id: str, documents: int, credits: int) -> None:
    with db.session() as session:
        session.add(Account(user_id="u", credit_limit=1000, tier="free", feature_flags=[]))
        job = Job(
            job_id=job_id,
            user_id="u",
            form_ids=["irs_w2_2025"],
            output_formats=["pdf_typed"],
            quantity=documents,
            effective_seed=1,
            credits_required=credits,
            documents_total=documents,
        )
        session.add(job)
        session.flush()
        reserve(session, job)


def test_completed_job_charges_everything(db: Database) -> None:
    _job(db, "j1", 10, 200)
    tracker = JobTracker(db)
    tracker.start("j1", run_id="r", worker_count=1)
    tracker.add_progress("j1", 4)
    tracker.add_progress("j1", 6)
    tracker.complete("j1")
    tracker.complete("j1")  # a second completion settles nothing twice
    job = tracker.get("j1")
    assert job.status == "completed" and job.credits_charged == 200 and job.documents_done == 10
    with db.session() as session:
        assert credits_used(session, "u") == 200
        assert credits_allocated(session, "u") == 200


def test_failed_job_refunds_what_was_not_made(db: Database) -> None:
    _job(db, "j2", 10, 200)
    tracker = JobTracker(db)
    tracker.start("j2", run_id="r", worker_count=1)
    tracker.add_progress("j2", 3)
    tracker.fail("j2", "boom")
    job = tracker.get("j2")
    assert job.status == "failed" and job.error == "boom" and job.credits_charged == 60
    with db.session() as session:
        assert credits_used(session, "u") == 60
        assert credits_allocated(session, "u") == 60


def test_processes_migrating_one_fresh_database_at_once_all_succeed(tmp_path) -> None:
    """Several API processes started together on a fresh database each run the migrations."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code = f"from symage_pipeline.app.db import migrate; migrate({url!r}); print('ok')"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)
    ]
    outcomes = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err.decode()[-500:] for _, err in outcomes]
