from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from api.deps import AccountPrincipal, ServicesDep
from api.envelope import envelope
from symage_pipeline.db import CreditEntry, Job
from symage_pipeline.jobstate import credits_allocated, credits_used

router = APIRouter(prefix="/account", tags=["account"])


@router.get("/balance")
def balance(services: ServicesDep, principal: AccountPrincipal) -> dict:
    with services.db.session() as session:
        return envelope(
            {
                "credits_used": credits_used(session, principal.user_id),
                "credits_allocated": credits_allocated(session, principal.user_id),
            }
        )


@router.get("/usage")
def usage(services: ServicesDep, principal: AccountPrincipal, days: int = Query(default=30, ge=1, le=365)) -> dict:
    since = datetime.now(UTC) - timedelta(days=days)
    with services.db.session() as session:
        by_status = dict(
            session.execute(
                select(Job.status, func.count())
                .where(Job.user_id == principal.user_id, Job.created_at >= since)
                .group_by(Job.status)
            ).all()
        )
        documents = session.scalar(
            select(func.coalesce(func.sum(Job.documents_done), 0)).where(
                Job.user_id == principal.user_id, Job.created_at >= since
            )
        )
        charged = session.scalar(
            select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
                CreditEntry.user_id == principal.user_id,
                CreditEntry.kind == "charge",
                CreditEntry.created_at >= since,
            )
        )
    return envelope(
        {
            "period_days": days,
            "total_jobs": sum(by_status.values()),
            "total_items_generated": int(documents or 0),
            "total_credits_used": int(charged or 0),
            "jobs_by_status": by_status,
        }
    )
