from __future__ import annotations

from fastapi import APIRouter, Query

from api.access import ReadPrincipal
from api.deps import ServicesDep
from api.envelope import envelope
from api.schemas.catalog import FormDetail, FormSummary
from api.schemas.common import Envelope, error_responses
from api.views import form_detail, form_summary
from symage_pipeline.errors import not_found

router = APIRouter(prefix="/forms", tags=["forms"], responses=error_responses(401, 403, 422))


@router.get("", response_model=Envelope[list[FormSummary]])
def list_forms(
    services: ServicesDep,
    _: ReadPrincipal,
    category: str | None = None,
    family: str | None = None,
    limit: int | None = Query(default=None, ge=1),
) -> dict:
    forms = services.catalog.list(category=category, family=family)[:limit]
    return envelope([form_summary(f) for f in forms], count=len(forms))


@router.get("/{form_id}", response_model=Envelope[FormDetail], responses=error_responses(404))
def get_form(form_id: str, services: ServicesDep, _: ReadPrincipal) -> dict:
    if form_id not in services.catalog:
        raise not_found("unknown_form", f"Unknown form: {form_id}")
    return envelope(form_detail(services.catalog.get(form_id)))
