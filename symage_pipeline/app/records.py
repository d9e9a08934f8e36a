"""Job records in the app DB: the lifecycle a run drives (start, progress, finish) and what the API reads.

The API never scans Dagster's event log to answer `GET /jobs/{id}`: the run writes progress here
once per chunk, and terminal transitions settle the credit ledger in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from symage_pipeline.app.cursors import decode_cursor, encode_cursor, invalid_cursor
from symage_pipeline.app.db import CreditEntry, Database, Job
from symage_pipeline.app.ledger import reopen, settle
from symage_pipeline.app.times import aware, iso
from symage_pipeline.app.webhooks import enqueue_job_event
from symage_pipeline.errors import SymageError, not_found
from symage_pipeline.spec import GenerationSpec

TERMINAL = ("completed", "failed", "canceled", "expired", "skipped")
# A failed job comes back when its partition runs again (re-executed from the UI or by a sensor).
REOPENABLE = ("failed",)
# Terminal states whose outputs (what was made) can be downloaded until they expire.
DOWNLOADABLE = ("completed", "canceled", "failed")
UNCANCELABLE = ("completed", "failed", "expired", "skipped")
JOB_STATUSES = ("pending", "generating", "completed", "failed", "expired", "canceling", "canceled", "skipped")


def finish(job: Job, retention: timedelta, status: str) -> None:
    """The terminal transition's own fields; the caller settles the ledger in the same transaction."""
    job.status = status
    job.completed_at = datetime.now(UTC)
    job.expires_at = job.completed_at + retention


def _reopen_for_rerun(session: Session, job: Job, run_id: str | None) -> None:
    """A failed job is reopened when a new run of its partition works for it (`run_id` differs
    from the run that failed it; None: the caller's step only runs in a run that succeeded so far).
    Steps still running in the run that failed it change nothing."""
    if job.status in REOPENABLE and (run_id is None or run_id != job.dagster_run_id):
        reopen(session, job)
        job.status, job.error, job.completed_at, job.expires_at = "generating", None, None, None


class JobTracker:
    """What a run may do to its Job row. Every method is one short transaction; terminal
    transitions settle the ledger and queue the job's webhook deliveries in that transaction."""

    def __init__(self, db: Database, retention: timedelta = timedelta(hours=48)):
        self.db = db
        self.retention = retention

    def start(self, job_id: str, *, run_id: str | None, worker_count: int) -> bool:
        """Mark the job generating; False if it already ended (canceled before its run started).
        A failed job is reopened: a new run of its partition is a second chance, not an orphan."""
        with self.db.session() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is not None and run_id:
                _reopen_for_rerun(session, job, run_id)
            if job is None or job.status in TERMINAL:
                return False
            if job.status == "pending":
                job.status = "generating"
            job.started_at = job.started_at or datetime.now(UTC)
            job.dagster_run_id = run_id or job.dagster_run_id
            job.worker_count = worker_count
            job.peak_workers = max(job.peak_workers or 0, worker_count)
            return True

    def resume(self, job_id: str, *, run_id: str) -> None:
        """A step of `run_id` is working for this job: a failed job is reopened when this is a new
        run of its partition (re-executed from failure, so no plan step ran; the steps still
        running in the run that failed it change nothing), and the reconciler watches this run."""
        with self.db.session() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None:
                return
            _reopen_for_rerun(session, job, run_id)
            if job.status not in TERMINAL and job.dagster_run_id != run_id:
                job.dagster_run_id = run_id

    def restart(self, job_id: str, *, run_id: str) -> None:
        """The job's partition runs again from its first step (`run_id`): progress starts over."""
        with self.db.session() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is not None and job.status not in TERMINAL:
                job.dagster_run_id, job.documents_done = run_id, 0

    def add_progress(self, job_id: str, documents: int) -> None:
        with self.db.session() as session:
            session.execute(
                update(Job).where(Job.job_id == job_id).values(documents_done=Job.documents_done + documents)
            )

    def cancel_requested(self, job_id: str) -> bool:
        with self.db.session() as session:
            job = session.get(Job, job_id)
            return job is None or job.cancel_requested_at is not None or job.status in TERMINAL

    def complete(self, job_id: str, *, bundle_layout: str = "single", documents: int | None = None) -> str | None:
        """The dataset is bundled: `completed`, or `canceled` (with what was made) when a cancel
        was requested. Returns the status set, None if the job had already ended."""
        with self.db.session() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is not None:  # the bundle runs only when every chunk of its run succeeded
                _reopen_for_rerun(session, job, None)
            if job is None or job.status in TERMINAL:
                return None
            job.bundle_layout = bundle_layout
            canceled = job.cancel_requested_at is not None
            job.documents_done = documents if canceled and documents is not None else job.documents_total
            finish(job, self.retention, "canceled" if canceled else "completed")
            settle(session, job)
            if not canceled and job.kind == "documents":  # webhook events describe document jobs
                enqueue_job_event(session, job, "job.completed")
            return job.status

    def note_failure(self, job_id: str, error: str) -> None:
        """A step failed for good: the job fails when its run ends (`defs.generate.end_failed_job`),
        after the chunks still running have finished, so their items go into its partial dataset."""
        with self.db.session() as session:
            session.execute(
                update(Job).where(Job.job_id == job_id, Job.status.not_in(TERMINAL)).values(error=error[:2000])
            )

    def fail(self, job_id: str, error: str, *, documents: int | None = None, bundle_layout: str | None = None) -> None:
        """`failed`, charging what was made and refunding the rest. `documents`: what its partial
        dataset holds (`bundle_layout`), when one was bundled; it is then what is charged."""
        with self.db.session() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None or job.status in TERMINAL:
                return
            if documents is not None:
                job.documents_done = documents
            if bundle_layout is not None:
                job.bundle_layout = bundle_layout
            job.error = error[:2000]
            finish(job, self.retention, "failed")
            settle(session, job)
            if job.kind == "documents":
                enqueue_job_event(session, job, "job.failed")

    def get(self, job_id: str) -> Job | None:
        with self.db.session() as session:
            return session.get(Job, job_id)


OPERATOR_ACCOUNT = "dagster-ui"  # owns jobs launched from the Dagster UI's launchpad, at no charge


def ensure_operator_job(db: Database, job_id: str, spec: GenerationSpec) -> None:
    """A run launched from the Dagster UI for a partition the API never admitted gets a Job row of
    its own (account `dagster-ui`, 0 credits), so it is tracked, bundled and served like any job."""
    from symage_pipeline.app.accounts import ensure_account

    ensure_account(db, OPERATOR_ACCOUNT, None)
    with db.session() as session:
        if session.get(Job, job_id) is None:
            session.add(Job.for_spec(spec, job_id=job_id, user_id=OPERATOR_ACCOUNT, requested_seed=spec.seed,
                                     credits_required=0, created_via="dagster_ui"))  # fmt: skip


def request_cancel(db: Database, user_id: str, job_id: str, retention: timedelta) -> tuple[Job, bool]:
    """Cancel a job: a pending one ends `canceled` at once (all credits refunded), a running one
    turns `canceling` and its render steps stop at the next batch. Idempotent for jobs already
    canceling or canceled; 409 for jobs that ended otherwise. Returns the job and whether it
    was pending (its queued run must then be dequeued)."""
    with db.session() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.user_id != user_id or job.kind != "documents":
            raise not_found("job_not_found", "Job not found in this account")
        if job.status in UNCANCELABLE:
            raise SymageError(
                409, "job_not_cancelable", f"This job is {job.status}; only running jobs can be canceled."
            )
        if job.status in ("canceling", "canceled"):
            return job, False
        job.cancel_requested_at = datetime.now(UTC)
        if job.status == "pending":
            finish(job, retention, "canceled")
            settle(session, job)
            return job, True
        job.status = "canceling"
        return job, False


def due_for_expiry(db: Database, now: datetime | None = None, limit: int = 500) -> list[str]:
    """Terminal jobs past `expires_at` that are not yet `expired` (the API already answers 410)."""
    moment = now or datetime.now(UTC)
    with db.session() as session:
        return list(
            session.scalars(
                select(Job.job_id)
                .where(Job.expires_at <= moment, Job.status.in_(DOWNLOADABLE))
                .order_by(Job.expires_at)
                .limit(limit)
            )
        )


def mark_expired(db: Database, job_id: str) -> None:
    """After its files are deleted: the job reads `expired` for good."""
    with db.session() as session:
        session.execute(update(Job).where(Job.job_id == job_id, Job.status.in_(DOWNLOADABLE)).values(status="expired"))


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
    return int((aware(job.completed_at) - aware(job.started_at)).total_seconds() * 1000)


def throughput_docs_per_min(job: Job) -> float | None:
    ms = generation_time_ms(job)
    if not ms or job.status != "completed":
        return None
    return round(job.documents_total / (ms / 60000), 1)


# ------------------------------------------------------------------------------------------ reading


def load_job(db: Database, user_id: str, job_id: str, kind: str = "documents") -> Job:
    """The account's job of this kind (a tabular job is not found under /jobs, nor the reverse)."""
    with db.session() as session:
        job = session.get(Job, job_id)
    if job is None or job.user_id != user_id or job.kind != kind:
        raise not_found("job_not_found", "Job not found in this account")
    return job


def unfinished_jobs(db: Database, limit: int = 500) -> list[Job]:
    """Jobs still waiting on a run (oldest first): what crash recovery looks at."""
    with db.session() as session:
        query = select(Job).where(Job.status.in_(("pending", "generating", "canceling"))).order_by(Job.created_at)
        return list(session.scalars(query.limit(limit)))


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    has_more: bool
    next_cursor: str | None


def list_jobs(
    db: Database, user_id: str, *, limit: int, cursor: str | None, status: str | None, form_id: str | None
) -> JobPage:
    """Newest first, keyset-paginated on (created_at, job_id)."""
    query = select(Job).where(Job.user_id == user_id, Job.kind == "documents")
    if status:
        query = query.where(Job.status == status)
    if form_id:
        query = query.where(Job.primary_form_id == form_id)
    if cursor:
        created, job_id = decode_cursor(cursor, "jobs", 2)
        try:
            moment = datetime.fromisoformat(created)
        except ValueError:
            raise invalid_cursor() from None
        query = query.where(or_(Job.created_at < moment, and_(Job.created_at == moment, Job.job_id < job_id)))
    with db.session() as session:
        rows = list(session.scalars(query.order_by(Job.created_at.desc(), Job.job_id.desc()).limit(limit + 1)))
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
                .where(Job.user_id == user_id, Job.kind == "documents", Job.created_at >= since)
                .group_by(Job.status)
            ).all()
        )
        documents = session.scalar(
            select(func.coalesce(func.sum(Job.documents_done), 0)).where(
                Job.user_id == user_id, Job.kind == "documents", Job.created_at >= since
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
