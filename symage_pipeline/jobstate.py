"""Job lifecycle and credits in the app DB, shared by the API (create, read) and the run (progress, finish).

The API never scans Dagster's event log to answer `GET /jobs/{id}`: the run writes progress here
once per chunk, and terminal transitions settle the credit ledger in the same transaction.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from symage_pipeline.db import Account, CreditEntry, Database, Job

TERMINAL = ("completed", "failed", "canceled", "expired", "skipped")
JOB_STATUSES = ("pending", "generating", "completed", "failed", "expired", "canceling", "canceled", "skipped")


def credits_allocated(session: Session, user_id: str) -> int:
    """Credits held by jobs: reserved minus refunded (charged credits stay allocated)."""
    rows = session.execute(
        select(CreditEntry.kind, func.coalesce(func.sum(CreditEntry.amount), 0))
        .where(CreditEntry.user_id == user_id)
        .group_by(CreditEntry.kind)
    ).all()
    totals = dict(rows)
    return int(totals.get("reserve", 0)) - int(totals.get("refund", 0))


def credits_used(session: Session, user_id: str) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
                CreditEntry.user_id == user_id, CreditEntry.kind == "charge"
            )
        )
    )


def available_credits(session: Session, account: Account) -> int | None:
    if account.credit_limit is None:
        return None
    return account.credit_limit - credits_allocated(session, account.user_id)


def reserve(session: Session, job: Job) -> None:
    session.add(CreditEntry(user_id=job.user_id, job_id=job.job_id, kind="reserve", amount=job.credits_required))


def _settle(session: Session, job: Job) -> None:
    """Charge what was made, refund the rest. Called once, on the transition to a terminal state."""
    total = max(job.documents_total, 1)
    charged = (
        job.credits_required
        if job.status == "completed"
        else math.floor(job.credits_required * min(job.documents_done, total) / total)
    )
    job.credits_charged = charged
    if charged:
        session.add(CreditEntry(user_id=job.user_id, job_id=job.job_id, kind="charge", amount=charged))
    if job.credits_required - charged:
        session.add(
            CreditEntry(user_id=job.user_id, job_id=job.job_id, kind="refund", amount=job.credits_required - charged)
        )


class JobTracker:
    """What a run may do to its Job row. Every method is one short transaction."""

    def __init__(self, db: Database):
        self.db = db

    def start(self, job_id: str, *, run_id: str | None, worker_count: int) -> None:
        with self.db.session() as session:
            job = session.get(Job, job_id)
            if job is None or job.status in TERMINAL:
                return
            job.status = "generating"
            job.started_at = job.started_at or datetime.now(UTC)
            job.dagster_run_id = run_id or job.dagster_run_id
            job.worker_count = worker_count
            job.peak_workers = max(job.peak_workers or 0, worker_count)

    def add_progress(self, job_id: str, documents: int) -> None:
        with self.db.session() as session:
            session.execute(
                update(Job).where(Job.job_id == job_id).values(documents_done=Job.documents_done + documents)
            )

    def complete(self, job_id: str, *, bundle_layout: str = "single") -> None:
        with self.db.session() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None or job.status in TERMINAL:
                return
            job.status = "completed"
            job.documents_done = job.documents_total
            job.bundle_layout = bundle_layout
            job.completed_at = datetime.now(UTC)
            _settle(session, job)

    def fail(self, job_id: str, error: str) -> None:
        with self.db.session() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None or job.status in TERMINAL:
                return
            job.status = "failed"
            job.error = error[:2000]
            job.completed_at = datetime.now(UTC)
            _settle(session, job)

    def get(self, job_id: str) -> Job | None:
        with self.db.session() as session:
            return session.get(Job, job_id)


def progress(job: Job) -> float:
    if job.status == "completed":
        return 1.0
    if not job.documents_total:
        return 0.0
    # The bundle step follows the last document: hold the bar just short of done until it lands.
    return round(min(job.documents_done / job.documents_total, 1.0) * 0.99, 4)


def generation_time_ms(job: Job) -> int | None:
    if job.completed_at is None or job.started_at is None:
        return None
    return int((_aware(job.completed_at) - _aware(job.started_at)).total_seconds() * 1000)


def throughput_docs_per_min(job: Job) -> float | None:
    ms = generation_time_ms(job)
    if not ms or job.status != "completed":
        return None
    return round(job.documents_total / (ms / 60000), 1)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    return _aware(moment).isoformat() if moment else None
