"""Accepting a tabular request and reading its job back: the `/tabular` side of intake and records.

A tabular job is a Job row of kind `tabular`, so it shares the ledger (reserve, charge, refund),
idempotency keys, spend confirmation and the expiry sweep with document jobs; its rows are the
job's documents. The API's words for its states differ: in flight is `processing`.
"""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from symage_pipeline.app import pricing
from symage_pipeline.app.accounts import ensure_account
from symage_pipeline.app.db import Database, Job
from symage_pipeline.app.idempotency import check_key, request_hash
from symage_pipeline.app.intake import Admission, RunLauncher, admit, validate_seed
from symage_pipeline.app.times import aware, iso
from symage_pipeline.settings import Settings
from symage_pipeline.tabular.spec import (
    FORMATS,
    MAX_COLUMNS,
    MAX_ROWS,
    TabularSpec,
    validate_columns,
    validate_formats,
    validate_rows,
)


class TabularColumn(BaseModel):
    name: str = Field(description="Column header")
    type: str = Field(description="A column type, e.g. text_first_name, number_integer, custom_enum")
    constraints: dict[str, Any] = Field(default_factory=dict, description="min, max, values, weights, mask, …")


class TabularRequest(BaseModel):
    """The body of `POST /tabular/generate`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "columns": [
                        {"name": "first_name", "type": "text_first_name", "constraints": {}},
                        {"name": "age", "type": "identity_age", "constraints": {}},
                        {"name": "salary", "type": "number_integer", "constraints": {"min": 30000, "max": 150000}},
                    ],
                    "quantity": 1000,
                    "output_formats": ["csv", "json"],
                    "seed": 7,
                }
            ]
        },
    )

    columns: list[TabularColumn] = Field(min_length=1, max_length=MAX_COLUMNS)
    quantity: int = Field(100, ge=1, le=MAX_ROWS, description="Rows to generate")
    output_formats: list[str] | None = Field(None, description=f"Any of {', '.join(FORMATS)}; default csv")
    seed: int | None = Field(None, ge=0, lt=2**62, description="Same request + seed => byte-identical files")
    confirmed_credits: int | None = Field(None, ge=0, lt=2**62)

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, body: Any) -> Any:
        from symage_pipeline.errors import bad_request

        if not isinstance(body, dict):
            raise bad_request("invalid_body", "The request body must be a JSON object.")
        columns = validate_columns(body.get("columns"))
        validate_rows(body.get("quantity", 100))
        formats = validate_formats(body.get("output_formats"))
        validate_seed(body.get("seed"))
        return {**body, "columns": [c.model_dump() for c in columns], "output_formats": list(formats)}

    def to_spec(self) -> TabularSpec:
        return TabularSpec(
            columns=validate_columns([c.model_dump() for c in self.columns]),
            rows=self.quantity,
            output_formats=tuple(self.output_formats or ("csv",)),
            seed=self.seed if self.seed is not None else secrets.randbelow(2**31),
        )


def create_tabular_job(
    *,
    db: Database,
    launcher: RunLauncher,
    settings: Settings,
    user_id: str,
    request: TabularRequest,
    created_via: str = "api_key",
    idempotency_key: str | None = None,
) -> Admission:
    key = check_key(idempotency_key)
    ensure_account(db, user_id, settings.default_credits)
    spec = request.to_spec()
    cost = pricing.tabular_cost(spec.rows, len(spec.columns))
    digest = request_hash(
        {"tabular": request.model_dump(mode="json", exclude_none=True, exclude={"confirmed_credits"})}
    )

    def make_job(job_id: str) -> Job:
        return Job.for_table(spec, job_id=job_id, user_id=user_id, requested_seed=request.seed,
                             credits_required=cost, created_via=created_via)  # fmt: skip

    return admit(
        db, settings, launcher, user_id=user_id, cost=cost, digest=digest, key=key,
        confirmed_credits=request.confirmed_credits, make_job=make_job, spec=spec,
    )  # fmt: skip


def tabular_status(job: Job) -> dict[str, Any]:
    """The status answer: `processing` until the run ends; an expired table still reads
    `completed` (its download answers 410), so a client's wait loop always ends."""
    status = {"completed": "completed", "expired": "completed", "failed": "failed", "canceled": "failed"}.get(
        job.status, "processing"
    )
    done = job.documents_total if status == "completed" else min(job.documents_done, job.documents_total)
    percent = round(100.0 * done / job.documents_total, 1) if job.documents_total else 0.0
    remaining = None
    if status == "processing" and job.started_at is not None and done:
        from datetime import UTC, datetime

        elapsed = (datetime.now(UTC) - aware(job.started_at)).total_seconds()
        remaining = round(elapsed / done * (job.documents_total - done), 2)
    elif status != "processing":
        remaining = 0.0
    return {
        "job_id": job.job_id,
        "status": status,
        "rows_generated": done,
        "total_rows": job.documents_total,
        "percent": percent,
        "estimated_seconds_remaining": remaining,
        "error": job.error,
        "columns": len(job.config.get("columns", [])),
        "output_formats": list(job.output_formats),
        "credits_required": job.credits_required,
        "created_at": iso(job.created_at),
        "completed_at": iso(job.completed_at),
    }
