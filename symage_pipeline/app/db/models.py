"""Tables of the app DB. Schema changes go through Alembic migrations (db/migrations)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from symage_pipeline.spec import GenerationSpec
from symage_pipeline.tabular.spec import ColumnSpec, TabularSpec


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, datetime: DateTime(timezone=True)}


class Account(Base):
    __tablename__ = "accounts"

    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    credit_limit: Mapped[int | None] = mapped_column(BigInteger)
    tier: Mapped[str] = mapped_column(String(20), default="free")
    feature_flags: Mapped[list[str]] = mapped_column(default=list)
    # Jobs costing more than this many credits need `confirmed_credits` (spend confirmation); None = never.
    confirm_above: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("accounts.user_id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_user_created", "user_id", "created_at", "job_id"),
        Index("ix_jobs_user_form_created", "user_id", "primary_form_id", "created_at"),
    )

    job_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("accounts.user_id"))
    # documents (/generate, /jobs) | tabular (/tabular): one lifecycle, one ledger, one expiry sweep.
    kind: Mapped[str] = mapped_column(String(20), default="documents", server_default="documents")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    form_ids: Mapped[list[str]] = mapped_column()
    # form_ids[0], as a column so `GET /jobs?form_id=` filters inside the query (before the LIMIT).
    primary_form_id: Mapped[str | None] = mapped_column(String(100))
    output_formats: Mapped[list[str]] = mapped_column()
    quantity: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    # The seed actually used: the request's, or one drawn at creation so every job is replayable.
    effective_seed: Mapped[int] = mapped_column(BigInteger)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    credits_required: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_charged: Mapped[int] = mapped_column(BigInteger, default=0)
    documents_total: Mapped[int] = mapped_column(BigInteger, default=0)
    documents_done: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_via: Mapped[str] = mapped_column(String(20), default="api_key")
    bundle_layout: Mapped[str | None] = mapped_column(String(10))
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    worker_count: Mapped[int | None] = mapped_column(Integer)
    peak_workers: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    cancel_requested_at: Mapped[datetime | None] = mapped_column()
    # When a terminal job's outputs stop being served (and a schedule removes them): completed_at + retention.
    expires_at: Mapped[datetime | None] = mapped_column(index=True)

    @classmethod
    def for_spec(
        cls, spec: GenerationSpec, *, job_id: str, user_id: str, requested_seed: int | None, **fields: Any
    ) -> Job:
        """A pending Job row recording `spec` (read back whole as `job.spec`)."""
        return cls(
            job_id=job_id,
            user_id=user_id,
            status="pending",
            form_ids=list(spec.form_ids),
            primary_form_id=spec.form_ids[0],
            output_formats=list(spec.output_formats),
            quantity=spec.quantity,
            seed=requested_seed,
            effective_seed=spec.seed,
            config=dict(spec.config),
            documents_total=spec.documents_total,
            **fields,
        )

    @classmethod
    def for_table(cls, spec: TabularSpec, *, job_id: str, user_id: str, requested_seed: int | None,
                  **fields: Any) -> Job:  # fmt: skip
        """A pending tabular Job row: its columns in `config`, its rows as the documents to make."""
        return cls(
            job_id=job_id,
            user_id=user_id,
            kind="tabular",
            status="pending",
            form_ids=[],
            output_formats=list(spec.output_formats),
            quantity=spec.rows,
            seed=requested_seed,
            effective_seed=spec.seed,
            config={"columns": [c.model_dump() for c in spec.columns]},
            documents_total=spec.rows,
            **fields,
        )

    @property
    def table_spec(self) -> TabularSpec:
        return TabularSpec(
            columns=tuple(ColumnSpec(**c) for c in self.config["columns"]),
            rows=self.quantity,
            output_formats=tuple(self.output_formats),
            seed=self.effective_seed,
        )

    @property
    def request(self) -> GenerationSpec | TabularSpec:
        """Whichever of `spec` and `table_spec` this job's kind was made from: what a run is given."""
        return self.table_spec if self.kind == "tabular" else self.spec

    @property
    def spec(self) -> GenerationSpec:
        """The request this job was made from, as the same model the run was given."""
        return GenerationSpec(
            form_ids=tuple(self.form_ids),
            quantity=self.quantity,
            output_formats=tuple(self.output_formats),
            seed=self.effective_seed,
            config=dict(self.config or {}),
        )


class CreditEntry(Base):
    """Every change of credits is a row, so balances can be audited and recomputed."""

    __tablename__ = "credit_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("accounts.user_id"), index=True)
    job_id: Mapped[str | None] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # reserve | charge | refund
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(Base):
    """One `Idempotency-Key` of one account: the job it made and a hash of the body that made it."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Webhook(Base):
    __tablename__ = "webhooks"

    webhook_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("accounts.user_id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column()
    description: Mapped[str | None] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    secret_prefix: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    # An inline `webhook_url` subscription hears only its own job.
    job_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()


class WebhookDelivery(Base):
    """The outbox: written with the job's terminal state, sent (and retried) by the sender."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    delivery_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.webhook_id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    job_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[str] = mapped_column(Text)  # the exact bytes signed and sent
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()
