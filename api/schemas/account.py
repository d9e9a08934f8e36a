from __future__ import annotations

from pydantic import BaseModel

from api.schemas.common import Open


class Balance(Open):
    credits_used: int
    credits_allocated: int


class Usage(Open):
    period_days: int
    total_jobs: int
    total_items_generated: int
    total_credits_used: int
    jobs_by_status: dict[str, int]


class Health(BaseModel):
    status: str
