from __future__ import annotations

from pydantic import Field

from api.schemas.common import Open


class GenerateAccepted(Open):
    job_id: str
    status: str = Field(description="pending: the run is queued.")
    credits_required: int
    warnings: list[str] = []


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


class FileLink(Open):
    filename: str
    url: str = Field(description="Absolute; works without an API key until it expires.")
    content_type: str
    path: str | None = None
    item_index: int | None = None


class Item(Open):
    item_id: str
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
