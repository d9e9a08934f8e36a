"""The credit ledger: every change of credits is a row (reserve, charge, refund), so balances can be
audited and recomputed. Reserve at creation; on the terminal transition charge what was made and
refund the rest, in the same transaction as the status change."""

from __future__ import annotations

import math

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from symage_pipeline.app.db import Account, CreditEntry, Job


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


def settle(session: Session, job: Job) -> None:
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


def reopen(session: Session, job: Job) -> None:
    """A failed job whose partition is run again (a re-execution from the Dagster UI or a sensor):
    its settlement is undone, with rows of their own, so the next terminal transition settles it
    afresh: the refund is reserved again and the partial charge reversed (a negative charge)."""
    refunded = job.credits_required - job.credits_charged
    if refunded:
        session.add(CreditEntry(user_id=job.user_id, job_id=job.job_id, kind="reserve", amount=refunded))
    if job.credits_charged:
        session.add(CreditEntry(user_id=job.user_id, job_id=job.job_id, kind="charge", amount=-job.credits_charged))
    job.credits_charged = 0
