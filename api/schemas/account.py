from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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


class HealthCheck(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: str = Field(description="ok or error")
    latency_ms: float | None = None
    error: str | None = None


class Health(BaseModel):
    status: str = Field(description="healthy, or degraded when a check fails or a daemon is down")
    failing: list[str] = Field(default_factory=list, description="database, store, dagster, daemon:<name>")
    checks: dict[str, HealthCheck] = Field(default_factory=dict)
