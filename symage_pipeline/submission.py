"""Accepting a generation request: validate, price, reserve credits, record the Job, submit its run.

Nothing is written until the request has passed every check, and a failed submission removes the
Job row and its reservation again, so a rejected request leaves no trace.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy import delete

from symage_pipeline import pricing, request
from symage_pipeline.accounts import get_or_create_account
from symage_pipeline.catalog import Catalog
from symage_pipeline.db import CreditEntry, Database, Job
from symage_pipeline.errors import SymageError
from symage_pipeline.jobstate import available_credits, reserve
from symage_pipeline.runs import RunSubmitter
from symage_pipeline.settings import Settings

TOP_LEVEL_KNOBS = ("ink_color", "ink_color_distribution", "writer_consistency", "realism_level", "webhook_url")


def validate(
    body: dict[str, Any], catalog: Catalog, feature_flags: list[str]
) -> tuple[request.GenerationSpec, int | None]:
    """The spec (with a drawn seed when none was given) and the seed as requested."""
    form_ids = request.resolve_form_ids(body.get("form_id"), body.get("form_ids"), catalog)
    quantity = request.validate_quantity(body.get("quantity", 1))
    formats = request.validate_output_formats(body.get("output_formats"), feature_flags)
    request.validate_form_support(formats, [catalog.get(f) for f in form_ids])
    config = request.validate_config(body.get("config"), quantity)
    seed = request.validate_seed(body.get("seed"))
    knobs = request.validate_handwriting_options({k: body[k] for k in TOP_LEVEL_KNOBS if body.get(k) is not None})
    if knobs:
        config = {**config, "request_options": knobs}
    spec = request.GenerationSpec(
        form_ids=form_ids,
        quantity=quantity,
        output_formats=formats,
        seed=seed if seed is not None else secrets.randbelow(2**31),
        config=config,
    )
    return spec, seed


def price(spec: request.GenerationSpec, catalog: Catalog) -> int:
    return pricing.job_cost(
        [catalog.get(f).field_count for f in spec.form_ids],
        spec.quantity,
        spec.output_formats,
        spec.config.get("degradation_profile"),
    )


def create_job(
    *,
    db: Database,
    catalog: Catalog,
    submitter: RunSubmitter,
    settings: Settings,
    user_id: str,
    body: dict[str, Any],
    created_via: str = "api_key",
) -> Job:
    with db.session() as session:
        account = get_or_create_account(session, user_id, settings.default_credits)
        flags = list(account.feature_flags)
    spec, requested_seed = validate(body, catalog, flags)
    cost = price(spec, catalog)
    job_id = str(uuid.uuid4())
    with db.session() as session:
        account = get_or_create_account(session, user_id, settings.default_credits)
        available = available_credits(session, account)
        if available is not None and cost > available:
            raise SymageError(
                402,
                "insufficient_credits",
                f"This job needs {cost:,} credits; {max(available, 0):,} are available.",
                {"credits_required": cost, "available_credits": max(available, 0)},
            )
        job = Job(
            job_id=job_id,
            user_id=user_id,
            status="pending",
            form_ids=list(spec.form_ids),
            output_formats=list(spec.output_formats),
            quantity=spec.quantity,
            seed=requested_seed,
            effective_seed=spec.seed,
            config=spec.config,
            credits_required=cost,
            documents_total=spec.documents_total,
            created_via=created_via,
        )
        session.add(job)
        session.flush()
        reserve(session, job)
    try:
        run_id = submitter.submit(job_id, spec)
    except Exception as exc:
        with db.session() as session:
            session.execute(delete(CreditEntry).where(CreditEntry.job_id == job_id))
            session.execute(delete(Job).where(Job.job_id == job_id))
        raise SymageError(503, "run_submission_failed", f"Could not start the generation run: {exc}") from exc
    with db.session() as session:
        stored = session.get(Job, job_id)
        assert stored is not None
        if run_id and not stored.dagster_run_id:
            stored.dagster_run_id = run_id
        return stored
