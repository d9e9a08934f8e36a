from __future__ import annotations

from pydantic import Field

from api.schemas.common import Open


class GenerateAccepted(Open):
    job_id: str | None = None
    status: str = Field(
        description="pending: the run is queued; confirmation_required: re-send with confirmed_credits = cost."
    )
    credits_required: int | None = None
    cost: int | None = Field(None, description="confirmation_required only: the credits this job would reserve.")
    available_credits: int | None = None
    warnings: list[str] = []


class CancelAccepted(Open):
    job_id: str
    status: str = Field(description="canceled (it was pending) or canceling (running; stops at the next batch).")


class JobSummary(Open):
    job_id: str
    status: str = Field(description="pending | generating | completed | failed | canceling | canceled | expired")
    progress: float = Field(ge=0, le=1)
    form_id: str
    form_name: str
    form_ids: list[str]
    form_names: list[str]
    quantity: int
    output_formats: list[str]
    credits_required: int
    credits_charged: int
    created_at: str | None
    completed_at: str | None
    error: str | None
    bundle_layout: str | None = Field(description="single | sharded, once bundled")


class JobDetail(JobSummary):
    seed: int | None
    effective_seed: int
    config: dict
    forms_completed: int
    forms_total: int
    documents_completed: int
    started_at: str | None
    generation_time_ms: int | None
    worker_count: int | None
    peak_workers: int | None
    throughput_docs_per_min: float | None
    cancel_requested_at: str | None = None
    expires_at: str | None = Field(None, description="When the outputs stop being served (410 after).")


class FileLink(Open):
    filename: str
    url: str = Field(description="Absolute; works without an API key until it expires.")
    content_type: str
    path: str | None = None
    item_index: int | None = None


class Item(Open):
    item_id: str = Field(description="Opaque; names this item of this job only.")
    document_id: str = Field(description="The document stem the dataset's files are named by.")
    item_index: int
    form_id: str
    status: str
    created_at: str | None
    files: list[FileLink]


class ItemDownload(Item):
    job_id: str
    expires_in: int


class JobDownloads(Open):
    job_id: str
    files: list[FileLink]
    expires_in: int
    item_count: int
    items_truncated: bool
