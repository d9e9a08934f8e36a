"""Accepting a generation request: the rules it must pass, its price, its credits, its Job row, its run.

`GenerateRequest` is the body of `POST /generate`, parsed once at the API edge (and by the CLI):
every rule that needs only the request runs in its validator, in a fixed order, and raises the
one error type with its specific code (400 `invalid_quantity`, …), so the first broken rule is
the one reported. `create_job` then applies what needs the account (feature flags, credits),
turns the request into the one `GenerationSpec` and hands it to the run launcher.

Nothing is written until the request has passed every check, and a failed submission removes the
Job row and its reservation again, so a rejected request leaves no trace.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from symage_pipeline.app import pricing
from symage_pipeline.app.accounts import ensure_account
from symage_pipeline.app.db import Account, CreditEntry, Database, IdempotencyKey, Job, Webhook
from symage_pipeline.app.idempotency import check_key, remember, replayed_job_id, request_hash
from symage_pipeline.app.ledger import available_credits, reserve
from symage_pipeline.app.webhooks import subscribe_job
from symage_pipeline.catalog import Catalog
from symage_pipeline.coherence.scenarios import validate_fill_scenarios
from symage_pipeline.errors import SymageError, bad_request
from symage_pipeline.settings import Settings
from symage_pipeline.spec import (
    ALWAYS_PRODUCED,
    COHERENCE_MODES,
    DEGRADATION_PROFILES,
    DPI_RANGE,
    INK_COLORS,
    KNOWN_FORMATS,
    LABEL_SCHEMES,
    MAX_QUANTITY,
    ML_FLAG,
    ML_FORMATS,
    PNG_FORMATS,
    WRITER_CONSISTENCY,
    GenerationSpec,
)
from symage_pipeline.tabular.spec import TabularSpec

log = logging.getLogger("symage.intake")

# Top-level request fields that shape the documents (kept in the spec's config as `request_options`).
TOP_LEVEL_KNOBS = ("ink_color", "ink_color_distribution", "writer_consistency", "realism_level")
OutputFormat = Literal[KNOWN_FORMATS]  # type: ignore[valid-type]


class RunLauncher(Protocol):
    """What intake needs of Dagster: start (or enqueue) a job's run. `defs.launch` implements it."""

    def submit(self, job_id: str, spec: GenerationSpec | TabularSpec, *, user_id: str = "") -> str: ...


# ------------------------------------------------------------------------------------------- rules


def resolve_form_ids(form_id: Any, form_ids: Any, known: Collection[str] | None = None) -> tuple[str, ...]:
    """The selected form ids; unknown ones are refused when `known` (a catalog) is given."""
    if (form_id is None) == (form_ids is None):
        raise bad_request("invalid_form_selection", "Provide exactly one of form_id or form_ids.")
    if form_id is not None:
        if not isinstance(form_id, str):
            raise bad_request("invalid_form_selection", "form_id must be a string.")
        ids: Sequence[Any] = [form_id]
    else:
        if not isinstance(form_ids, list) or not form_ids:
            raise bad_request("invalid_form_selection", "form_ids must be a non-empty list of form ids.")
        ids = form_ids
    bad = [f for f in ids if not isinstance(f, str) or (known is not None and f not in known)]
    if bad:
        raise bad_request("unknown_form", f"Unknown form: {', '.join(map(str, bad))}", form_ids=bad)
    if len(set(ids)) != len(ids):
        raise bad_request("invalid_form_selection", "form_ids must not repeat a form.")
    return tuple(ids)


def validate_quantity(quantity: Any, maximum: int = MAX_QUANTITY) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= maximum:
        raise bad_request("invalid_quantity", f"quantity must be an integer from 1 to {maximum:,}.")
    return quantity


def validate_output_formats(formats: Any) -> tuple[str, ...]:
    if formats is None:
        return ("pdf_typed",)
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise bad_request("invalid_output_format", "output_formats must be a list of strings.")
    if not formats:
        return ("pdf_typed",)
    unknown = [f for f in formats if f not in KNOWN_FORMATS]
    if unknown:
        hint = " (json, csv and FUNSD are always included)" if set(unknown) & set(ALWAYS_PRODUCED) else ""
        raise bad_request(
            "invalid_output_format",
            f"Unknown or non-requestable output format: {', '.join(unknown)}{hint}",
            invalid_formats=unknown,
        )
    requested = set(formats)
    for png, pdf in PNG_FORMATS.items():
        if png in requested and pdf not in requested:
            raise bad_request("missing_pdf_dependency", f"{png} requires {pdf} in the same request.")
    ml = [f for f in formats if f in ML_FORMATS]
    if ml and not requested & {"pdf_typed", "pdf_handwritten", "png_typed"}:
        raise bad_request(
            "missing_render_dependency",
            "ML formats need a render format (pdf_typed, pdf_handwritten or png_typed) in the same request.",
        )
    return tuple(dict.fromkeys(formats))


def validate_config(config: Any, quantity: int) -> dict[str, Any]:
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise bad_request("invalid_config", "config must be an object.")
    mode = config.get("coherence_mode", "coherent")
    if mode not in COHERENCE_MODES:
        raise bad_request(
            "invalid_coherence_mode", f"Unknown coherence_mode {mode!r}; use one of {', '.join(COHERENCE_MODES)}."
        )
    if mode == "shuffled" and quantity == 1:
        raise bad_request("invalid_coherence_mode", "coherence_mode 'shuffled' needs quantity of at least 2.")
    profile = config.get("degradation_profile", "clean")
    if profile not in DEGRADATION_PROFILES:
        raise bad_request(
            "invalid_degradation_profile",
            f"Unknown degradation_profile {profile!r}; use one of {', '.join(DEGRADATION_PROFILES)}.",
        )
    dpi = config.get("dpi", 150)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise bad_request("invalid_dpi", f"dpi must be an integer from {DPI_RANGE[0]} to {DPI_RANGE[1]}.")
    scheme = config.get("label_scheme", "semantic_concept")
    if scheme not in LABEL_SCHEMES:
        raise bad_request(
            "invalid_label_scheme", f"Unknown label_scheme {scheme!r}; use one of {', '.join(LABEL_SCHEMES)}."
        )
    if "fill_scenarios" in config:
        config = {**config, "fill_scenarios": validate_fill_scenarios(config["fill_scenarios"], mode)}
    return dict(config)


def validate_handwriting_options(knobs: dict[str, Any]) -> dict[str, Any]:
    """ink_color, ink_color_distribution (weights summing to 100) and writer_consistency;
    realism_level is accepted and ignored (deprecated: all handwriting is rendered at high realism)."""
    color = knobs.get("ink_color")
    if color is not None and color not in INK_COLORS:
        raise bad_request("invalid_ink_color", f"ink_color must be one of {', '.join(INK_COLORS)}, got {color!r}.")
    dist = knobs.get("ink_color_distribution")
    if dist is not None:
        weights = dist.values() if isinstance(dist, dict) else ()
        if (
            not isinstance(dist, dict)
            or not dist
            or any(c not in INK_COLORS for c in dist)
            or any(isinstance(w, bool) or not isinstance(w, int) or w < 0 for w in weights)
            or sum(dist.values()) != 100
        ):
            raise bad_request(
                "invalid_ink_color_distribution",
                f"ink_color_distribution must map {', '.join(INK_COLORS)} to non-negative integer weights "
                "summing to 100.",
            )
    consistency = knobs.get("writer_consistency")
    if consistency is not None and consistency not in WRITER_CONSISTENCY:
        raise bad_request(
            "invalid_writer_consistency",
            f"writer_consistency must be one of {', '.join(WRITER_CONSISTENCY)}, got {consistency!r}.",
        )
    return knobs


def validate_form_support(formats: Sequence[str], forms: Sequence[Any]) -> None:
    """Formats that only some forms support (catalog flags `fillable`, `handwriting`): the whole
    request is rejected, naming every form that cannot deliver."""
    checks = (
        ("pdf_filled", "fillable", "format_unsupported_for_form", "pdf_filled needs fillable forms; not fillable"),
        ("pdf_handwritten", "handwriting", "handwriting_unsupported_for_form", "no handwritten output for"),
    )
    for fmt, flag, code, message in checks:
        if fmt in formats:
            unsupported = [f.id for f in forms if not getattr(f, flag)]
            if unsupported:
                raise bad_request(
                    code, f"{message}: {', '.join(unsupported)}", unsupported_form_ids=unsupported, format=fmt
                )


def validate_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**62:
        raise bad_request("invalid_seed", "seed must be a non-negative integer below 2**62.")
    return seed


# ----------------------------------------------------------------------------------- the request


class GenerateRequest(BaseModel):
    """The body of `POST /generate`. Exactly one of `form_id` and `form_ids`."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"form_id": "irs_w2_2025", "quantity": 100, "output_formats": ["pdf_typed"], "seed": 7},
                {
                    "form_ids": ["irs_w2_2025", "irs_f1040_2024"],
                    "quantity": 10,
                    "config": {"coherence_mode": "coherent"},
                },
            ]
        },
    )

    form_id: str | None = Field(None, description="One form id from GET /forms.")
    form_ids: list[str] | None = Field(None, description="Several forms filled by one identity per item.")
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY, description="Items to generate (each item fills every form).")
    output_formats: list[OutputFormat] | None = Field(
        None, description="Default pdf_typed. json, csv and FUNSD are always included; ML formats need a flag."
    )
    seed: int | None = Field(None, ge=0, lt=2**62, description="Same request + seed => byte-identical dataset.")
    config: dict[str, Any] | None = Field(
        None,
        description="coherence_mode (coherent|shuffled|random), degradation_profile, dpi, label_scheme, "
        "fill_scenarios.",
    )
    ink_color: Literal[INK_COLORS] | None = None  # type: ignore[valid-type]
    ink_color_distribution: dict[str, int] | None = Field(None, description="Weights per ink colour, summing to 100.")
    writer_consistency: Literal[WRITER_CONSISTENCY] | None = None  # type: ignore[valid-type]
    realism_level: str | None = Field(None, deprecated=True, description="Accepted and ignored.")
    webhook_url: str | None = Field(
        None, max_length=2048, description="Creates a subscription to this job's job.completed / job.failed."
    )
    confirmed_credits: int | None = Field(
        None, ge=0, lt=2**62, description="The `cost` of a `confirmation_required` answer, to accept it."
    )

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, body: Any) -> Any:
        if not isinstance(body, dict):
            raise bad_request("invalid_body", "The request body must be a JSON object.")
        resolve_form_ids(body.get("form_id"), body.get("form_ids"))
        quantity = validate_quantity(body.get("quantity", 1))
        formats = validate_output_formats(body.get("output_formats"))
        config = validate_config(body.get("config"), quantity)
        validate_seed(body.get("seed"))
        validate_handwriting_options({k: body[k] for k in TOP_LEVEL_KNOBS if body.get(k) is not None})
        # Parsed as the rules normalized them (default format, no repeats, checked fill scenarios).
        return {**body, "output_formats": list(formats), "config": config}

    def to_spec(self, catalog: Catalog, feature_flags: Collection[str]) -> GenerationSpec:
        """The spec this request asks of this catalog on an account with these flags (seed drawn if absent).

        The rules that need the catalog (known forms, per-form support) and the account (ML flag)."""
        form_ids = resolve_form_ids(self.form_id, self.form_ids, catalog)
        formats = tuple(self.output_formats or ())
        validate_form_support(formats, [catalog.get(f) for f in form_ids])
        ml = [f for f in formats if f in ML_FORMATS]
        if ml and ML_FLAG not in feature_flags:
            raise bad_request(
                "ml_formats_disabled",
                f"ML output formats are not enabled for this account ({ML_FLAG}).",
                forbidden_formats=ml,
            )
        config = dict(self.config or {})
        # A top-level null means "not given" (and Dagster config maps cannot hold one).
        config = {k: v for k, v in config.items() if v is not None}
        knobs = {k: getattr(self, k) for k in TOP_LEVEL_KNOBS if getattr(self, k) is not None}
        if knobs:
            config = {**config, "request_options": knobs}
        return GenerationSpec(
            form_ids=form_ids,
            quantity=self.quantity,
            output_formats=formats,
            seed=self.seed if self.seed is not None else secrets.randbelow(2**31),
            config=config,
        )


def price(spec: GenerationSpec, catalog: Catalog) -> int:
    return pricing.job_cost(
        [catalog.get(f).field_count for f in spec.form_ids],
        spec.quantity,
        spec.output_formats,
        spec.config.get("degradation_profile"),
    )


@dataclass(frozen=True)
class Admission:
    """What `create_job` decided: a new job, the job an `Idempotency-Key` already made (`replay`),
    or a quote the caller must confirm (`confirmation`, no job made)."""

    job: Job | None
    replay: bool = False
    confirmation: dict[str, Any] | None = None


def _lock_account(user_id: str) -> Callable[[Session], object]:
    return lambda session: session.execute(
        select(Account.user_id).where(Account.user_id == user_id).with_for_update()
    ).all()


def create_job(
    *,
    db: Database,
    catalog: Catalog,
    launcher: RunLauncher,
    settings: Settings,
    user_id: str,
    request: GenerateRequest,
    created_via: str = "api_key",
    idempotency_key: str | None = None,
) -> Admission:
    """Check, price and admit one request. The idempotency lookup, the credit check, the reserve
    and the Job row are one serialized transaction per account, so concurrent requests can never
    admit more than the account has, nor make two jobs for one key."""
    key = check_key(idempotency_key)
    account = ensure_account(db, user_id, settings.default_credits)
    spec = request.to_spec(catalog, list(account.feature_flags))
    cost = price(spec, catalog)
    digest = request_hash(request.model_dump(mode="json", exclude_none=True, exclude={"confirmed_credits"}))

    def make_job(job_id: str) -> Job:
        return Job.for_spec(spec, job_id=job_id, user_id=user_id, requested_seed=request.seed,
                            credits_required=cost, created_via=created_via)  # fmt: skip

    return admit(
        db, settings, launcher, user_id=user_id, cost=cost, digest=digest, key=key,
        confirmed_credits=request.confirmed_credits, make_job=make_job, spec=spec, webhook_url=request.webhook_url,
    )  # fmt: skip


def admit(
    db: Database,
    settings: Settings,
    launcher: RunLauncher,
    *,
    user_id: str,
    cost: int,
    digest: str,
    key: str | None,
    confirmed_credits: int | None,
    make_job: Callable[[str], Job],
    spec: Any,
    webhook_url: str | None = None,
) -> Admission:
    """The admission every kind of job shares: in one serialized transaction per account, the
    `Idempotency-Key` lookup, 402 over the limit, spend confirmation, the Job row and its credit
    reserve; then the run is submitted, and a failed submission leaves no trace."""
    job_id = str(uuid.uuid4())
    with db.serialized(_lock_account(user_id)) as session:
        if key and (existing := replayed_job_id(session, user_id, key, digest)):
            return Admission(session.get(Job, existing), replay=True)
        account = session.get(Account, user_id)
        assert account is not None
        available = available_credits(session, account)
        if available is not None and cost > available:
            raise SymageError(
                402,
                "insufficient_credits",
                f"This job needs {cost:,} credits; {max(available, 0):,} are available.",
                {"credits_required": cost, "available_credits": max(available, 0)},
            )
        if account.confirm_above is not None and cost > account.confirm_above and confirmed_credits != cost:
            return Admission(
                None, confirmation={"status": "confirmation_required", "cost": cost, "available_credits": available}
            )
        job = make_job(job_id)
        session.add(job)
        session.flush()
        reserve(session, job)
        if key:
            remember(session, user_id, key, digest, job_id)
        if webhook_url:
            subscribe_job(session, settings, user_id, job_id, webhook_url)
    try:
        run_id = launcher.submit(job_id, spec, user_id=user_id)
    except Exception as exc:
        forget_job(db, job_id)
        raise SymageError(503, "run_submission_failed", f"Could not start the generation run: {exc}") from exc
    with db.session() as session:
        stored = session.get(Job, job_id)
        assert stored is not None
        if run_id and not stored.dagster_run_id:
            stored.dagster_run_id = run_id
        log.info("job %s admitted: %s credits reserved", job_id, cost,
                 extra={"job_id": job_id, "user_id": user_id})  # fmt: skip
        return Admission(stored)


def forget_job(db: Database, job_id: str) -> None:
    """Remove every trace of a job whose run could not be submitted."""
    with db.session() as session:
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.job_id == job_id))
        session.execute(delete(Webhook).where(Webhook.job_id == job_id))
        session.execute(delete(CreditEntry).where(CreditEntry.job_id == job_id))
        session.execute(delete(Job).where(Job.job_id == job_id))
