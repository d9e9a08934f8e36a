from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.deps import ReadPrincipal, ServicesDep
from api.envelope import envelope
from symage_pipeline.catalog import FormDef
from symage_pipeline.errors import not_found
from symage_pipeline.pricing import document_cost

router = APIRouter(prefix="/forms", tags=["forms"])


def form_summary(form: FormDef) -> dict[str, Any]:
    return {
        "id": form.id,
        "name": form.name,
        "category": form.category,
        "year": form.year,
        "family": form.family,
        "entity_type": form.entity_type,
        "credit_cost": document_cost(form.field_count, ["pdf_typed"]),
        "field_count": form.field_count,
        "page_count": form.page_count,
    }


def form_detail(form: FormDef) -> dict[str, Any]:
    return {
        **form_summary(form),
        "version": form.version,
        "fields": [
            {
                "id": f.id,
                "label": f.label,
                "type": f.type,
                "page": f.page,
                "semantic_concept": f.semantic_concept,
                "structural_role": f.structural_role,
                "entity_role": f.entity_role,
                "nist3": f.nist3,
                "rect": list(f.rect),
            }
            for f in form.fields
        ],
    }


@router.get("")
def list_forms(
    services: ServicesDep,
    _: ReadPrincipal,
    category: str | None = None,
    family: str | None = None,
    limit: int | None = Query(default=None, ge=1),
) -> dict:
    forms = services.catalog.list(category=category, family=family)[:limit]
    return envelope([form_summary(f) for f in forms], count=len(forms))


@router.get("/{form_id}")
def get_form(form_id: str, services: ServicesDep, _: ReadPrincipal) -> dict:
    if form_id not in services.catalog:
        raise not_found("unknown_form", f"Unknown form: {form_id}")
    return envelope(form_detail(services.catalog.get(form_id)))
