"""App-DB rows and catalog entries as the response models the routes declare."""

from __future__ import annotations

from api.schemas.catalog import FormDetail, FormField, FormSummary
from api.schemas.jobs import JobDetail, JobSummary
from symage_pipeline.app.db import Job
from symage_pipeline.app.pricing import document_cost
from symage_pipeline.app.records import generation_time_ms, progress, throughput_docs_per_min
from symage_pipeline.app.times import iso
from symage_pipeline.catalog import Catalog, FormDef


def job_summary(catalog: Catalog, job: Job) -> JobSummary:
    names = [catalog.get(f).name if f in catalog else f for f in job.form_ids]
    return JobSummary(
        job_id=job.job_id,
        status=job.status,
        progress=progress(job),
        form_id=job.form_ids[0] if job.form_ids else "",
        form_name=names[0] if names else "",
        form_ids=list(job.form_ids),
        form_names=names,
        quantity=job.quantity,
        output_formats=list(job.output_formats),
        credits_required=job.credits_required,
        credits_charged=job.credits_charged,
        created_at=iso(job.created_at),
        completed_at=iso(job.completed_at),
        error=job.error,
        bundle_layout=job.bundle_layout,
    )


def job_detail(catalog: Catalog, job: Job) -> JobDetail:
    per_form = max(job.documents_done // max(len(job.form_ids), 1), 0)
    return JobDetail(
        **job_summary(catalog, job).model_dump(),
        seed=job.seed,
        effective_seed=job.effective_seed,
        config=job.config,
        forms_completed=per_form * len(job.form_ids),
        forms_total=job.documents_total,
        documents_completed=job.documents_done,
        started_at=iso(job.started_at),
        generation_time_ms=generation_time_ms(job),
        worker_count=job.worker_count,
        peak_workers=job.peak_workers,
        throughput_docs_per_min=throughput_docs_per_min(job),
        cancel_requested_at=iso(job.cancel_requested_at),
        expires_at=iso(job.expires_at),
    )


def form_summary(form: FormDef) -> FormSummary:
    return FormSummary(
        id=form.id,
        name=form.name,
        category=form.category,
        year=form.year,
        family=form.family,
        entity_type=form.entity_type,
        credit_cost=document_cost(form.field_count, ["pdf_typed"]),
        field_count=form.field_count,
        page_count=form.page_count,
    )


def form_detail(form: FormDef) -> FormDetail:
    return FormDetail(
        **form_summary(form).model_dump(),
        version=form.version,
        fields=[
            FormField(
                id=f.id,
                label=f.label,
                type=f.type,
                page=f.page,
                semantic_concept=f.semantic_concept,
                structural_role=f.structural_role,
                entity_role=f.entity_role,
                nist3=f.nist3,
                rect=list(f.rect),
            )
            for f in form.fields
        ],
    )
