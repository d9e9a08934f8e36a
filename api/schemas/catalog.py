from __future__ import annotations

from api.schemas.common import Open


class FormSummary(Open):
    id: str
    name: str
    category: str
    year: int | None
    family: str | None
    entity_type: str | None
    credit_cost: int
    field_count: int
    page_count: int


class FormField(Open):
    id: str
    label: str
    type: str
    page: int
    semantic_concept: str | None
    structural_role: str | None
    entity_role: str | None
    nist3: str | None
    rect: list[float]


class FormDetail(FormSummary):
    version: str | None
    fields: list[FormField]
