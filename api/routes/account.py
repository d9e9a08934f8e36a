from __future__ import annotations

from fastapi import APIRouter, Query

from api.access import AccountPrincipal
from api.deps import ServicesDep
from api.envelope import envelope
from api.schemas.account import Balance, Usage
from api.schemas.common import Envelope, error_responses
from symage_pipeline.app import records
from symage_pipeline.app.ledger import credits_allocated, credits_used

router = APIRouter(prefix="/account", tags=["account"], responses=error_responses(401, 403, 422))


@router.get("/balance", response_model=Envelope[Balance])
def balance(services: ServicesDep, principal: AccountPrincipal) -> dict:
    with services.db.session() as session:
        used, allocated = credits_used(session, principal.user_id), credits_allocated(session, principal.user_id)
    return envelope(Balance(credits_used=used, credits_allocated=allocated))


@router.get("/usage", response_model=Envelope[Usage])
def usage(services: ServicesDep, principal: AccountPrincipal, days: int = Query(default=30, ge=1, le=365)) -> dict:
    return envelope(records.usage(services.db, principal.user_id, days))
