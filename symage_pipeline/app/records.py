"""Job records in the app DB: the lifecycle a run drives (start, progress, finish) and what the API reads.

The API never scans Dagster's event log to answer `GET /jobs/{id}`: the run writes progress here
once per chunk, and terminal transitions settle the credit ledger in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from symage_pipeline.app.cursors import decode_cursor, encode_cursor, invalid_cursor
from symage_pipeline.app.db import CreditEntry, Database, Job
from symage_pipeline.app.ledger import settle
from symage_pipeline.errors import not_found

TERMINAL = ("completed", "failed", "canceled", "expired", "skipped")
FAILED_RUN_STATUSES = ("FAILURE", "CANCELED")  # Dagster run statuses that end a job as failed
JOB_STATUSES = ("pending", "generating", "completed", "failed", "expired", "canceling", "canceled", "skipped")


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
            settle(session, job)

    def fail(self, job_id: str, error: str) -> None:
        with self.db.session() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None or job.status in TERMINAL:
                return
            job.status = "failed"
            job.error = error[:2000]
            job.completed_at = datetime.now(UTC)
            settle(session, job)

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


# ------------------------------------------------------------------------------------------ reading


def load_job(db: Database, user_id: str, job_id: str) -> Job:
    with db.session() as session:
        job = session.get(Job, job_id)
    if job is None or job.user_id != user_id:
        raise not_found("job_not_found", "Job not found in this account")
    return job


def reconciled(db: Database, job: Job, run_status: Callable[[str], str | None]) -> Job:
    """A run that died without reaching its failure hook (killed worker) still ends its job."""
    if job.status in TERMINAL or not job.dagster_run_id:
        return job
    status = run_status(job.dagster_run_id)
    if status in FAILED_RUN_STATUSES:
        JobTracker(db).fail(job.job_id, f"Dagster run {job.dagster_run_id} ended {status.lower()}")
        return load_job(db, job.user_id, job.job_id)
    return job


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    has_more: bool
    next_cursor: str | None


def list_jobs(
    db: Database, user_id: str, *, limit: int, cursor: str | None, status: str | None, form_id: str | None
) -> JobPage:
    """Newest first, keyset-paginated on (created_at, job_id)."""
    query = select(Job).where(Job.user_id == user_id)
    if status:
        query = query.where(Job.status == status)
    if cursor:
        created, job_id = decode_cursor(cursor, "jobs", 2)
        try:
            moment = datetime.fromisoformat(created)
        except ValueError:
            raise invalid_cursor() from None
        query = query.where(or_(Job.created_at < moment, and_(Job.created_at == moment, Job.job_id < job_id)))
    with db.session() as session:
        rows = list(session.scalars(query.order_by(Job.created_at.desc(), Job.job_id.desc()).limit(limit + 1)))
    if form_id:
        rows = [j for j in rows if j.form_ids and j.form_ids[0] == form_id]
    has_more = len(rows) > limit
    page = rows[:limit]
    next_cursor = encode_cursor("jobs", iso(page[-1].created_at) or "", page[-1].job_id) if has_more else None
    return JobPage(page, has_more, next_cursor)


def usage(db: Database, user_id: str, days: int) -> dict:
    since = datetime.now(UTC) - timedelta(days=days)
    with db.session() as session:
        by_status = dict(
            session.execute(
                select(Job.status, func.count())
                .where(Job.user_id == user_id, Job.created_at >= since)
                .group_by(Job.status)
            ).all()
        )
        documents = session.scalar(
            select(func.coalesce(func.sum(Job.documents_done), 0)).where(
                Job.user_id == user_id, Job.created_at >= since
            )
        )
        charged = session.scalar(
            select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
                CreditEntry.user_id == user_id, CreditEntry.kind == "charge", CreditEntry.created_at >= since
            )
        )
    return {
        "period_days": days,
        "total_jobs": sum(by_status.values()),
        "total_items_generated": int(documents or 0),
        "total_credits_used": int(charged or 0),
        "jobs_by_status": by_status,
    }
