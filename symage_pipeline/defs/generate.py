"""The `generate_documents` job: plan → make_chunk per chunk → bundle (which ends the job).

Ops are thin: each calls one function of `symage_pipeline.pipeline` or `bundle`. A chunk is one step
that streams identities → coherence → render → annotate (`pipeline.make_chunk`), so a job has a
few large steps whatever its size (docs/decisions/dagster-overhead.md). The run's config
is `GenerateConfig`: the job id, the request as `SpecConfig` (the fields of `spec.GenerationSpec`)
and the chunking that `defs.execution.plan_execution` chose.
"""

import contextlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dagster as dg
from dagster._core.errors import DagsterExecutionInterruptedError

from symage_pipeline import pipeline
from symage_pipeline.app.records import TERMINAL, JobTracker, ensure_operator_job
from symage_pipeline.bundle import DatasetInfo, build_dataset
from symage_pipeline.catalog import Catalog
from symage_pipeline.defs.execution import ExecutionPlan
from symage_pipeline.defs.executors import symage_executor, terminated
from symage_pipeline.defs.names import ATTEMPT_TAG, JOB_ID_TAG, JOB_NAME, MAX_ATTEMPTS_TAG, PARTITION_TAG, attempts_left
from symage_pipeline.defs.partitions import generation_jobs_partitions
from symage_pipeline.defs.resources import (
    AppDatabaseResource,
    ArtifactStoreResource,
    CatalogResource,
    resource_config,
)
from symage_pipeline.pipeline import Chunk, ChunkResult
from symage_pipeline.settings import Settings
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import ArtifactStore


class SpecConfig(dg.Config):
    """`GenerationSpec` as Dagster config: the same fields, converted both ways without loss."""

    form_ids: list[str]
    quantity: int
    output_formats: list[str]
    seed: int
    config: dict[str, Any] = {}

    @classmethod
    def of(cls, spec: GenerationSpec) -> "SpecConfig":
        return cls(**spec.model_dump())

    def to_spec(self) -> GenerationSpec:
        return GenerationSpec(
            form_ids=tuple(self.form_ids),
            quantity=self.quantity,
            output_formats=tuple(self.output_formats),
            seed=self.seed,
            config=dict(self.config),
        )


class PlanConfig(dg.Config):
    chunk_size: int = 250
    shard_size: int = 0
    workers: int = 1  # steps the executor runs at once (what the job reports as its workers)


LAUNCHPAD_SPEC = SpecConfig(form_ids=["irs_w2_2025"], quantity=10, output_formats=["pdf_typed"], seed=1)


class GenerateConfig(dg.Config):
    """Run parameters: the job id (also the partition key), the request, and its chunking. The
    defaults are the launchpad's: pick (or add) a partition and launch, and ten typed W-2s are made
    for it (a job of the `dagster-ui` account, `records.ensure_operator_job`)."""

    job_id: str = ""  # "" = the run's partition key
    spec: SpecConfig = LAUNCHPAD_SPEC
    plan: PlanConfig = PlanConfig()


def run_config(
    job_id: str,
    spec: GenerationSpec,
    plan: ExecutionPlan,
    *,
    with_executor: bool = True,
    log_level: str | None = None,
    resources: Settings | None = None,
) -> dg.RunConfig:
    """The run's config; with `resources`, the app DB and store of those settings are configured in
    the run itself (for runs whose step processes do not share this process's settings)."""
    config = GenerateConfig(
        job_id=job_id,
        spec=SpecConfig.of(spec),
        plan=PlanConfig(
            chunk_size=plan.chunk_size,
            shard_size=plan.shard_size,
            workers=plan.workers,
        ),
    )
    return dg.RunConfig(
        ops={"plan": config},
        execution={"config": plan.executor_config()} if with_executor else None,
        loggers={"console": {"config": {"log_level": log_level}}} if log_level else None,
        resources=resource_config(resources) if resources else None,
    )


# Transient errors (a full disk for a moment, a dropped store connection) and step processes that
# die (the multiprocess executor reports them as failed attempts) are retried by Dagster; the
# failure hook runs only after the last attempt.
CHUNK_RETRY = dg.RetryPolicy(max_retries=2, delay=0.5, backoff=dg.Backoff.EXPONENTIAL)
INJECT_FAILURE_ENV = "SYMAGE_TEST_FAIL_STEP"


class InjectedFailure(RuntimeError):
    """Raised by a step the tests chose (`SYMAGE_TEST_FAIL_STEP=make_chunk:1`), on its first attempt."""


def _maybe_fail(context: dg.OpExecutionContext, chunk: Chunk) -> None:
    """Test-only: fail the first attempt of the step's op on chunk `n` (`op:n`), every attempt of the job's
    first run (`op:n:first-run`, so the run fails and is re-executed), or every attempt
    (`op:n:always`), when the environment names it, to prove a retried chunk or run makes the same
    bytes and a chunk that keeps failing fails its job. Unset in every real deployment."""
    target = os.environ.get(INJECT_FAILURE_ENV)
    if not target:
        return
    op = context.op.name
    first_run = context.run.parent_run_id is None  # not a re-execution (by the sensor or the UI)
    if (
        target == f"{op}:{chunk.index}:always"
        or (target == f"{op}:{chunk.index}:first-run" and first_run)
        or (target == f"{op}:{chunk.index}" and context.retry_number == 0)
    ):
        raise InjectedFailure(f"injected failure in {op} of chunk {chunk.index} (attempt {context.retry_number + 1})")


@contextlib.contextmanager
def noting_terminate() -> Iterator[None]:
    """Note a terminate's interrupt for the executor (`executors.terminated`) before Dagster turns it
    into a retry of the op (ops with a retry policy)."""
    try:
        yield
    except BaseException as error:
        if _interrupted(error):
            terminated.set()
        raise


def _interrupted(error: BaseException) -> bool:
    """Whether `error` is a terminate's interrupt, or was raised while one was on its way out (an
    exception in the cleanup of a `with` block, closing the chunk's zip part mid-member, replaces
    it)."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, (KeyboardInterrupt, DagsterExecutionInterruptedError)):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


@dg.op(out=dg.DynamicOut(Chunk))
def plan(context: dg.OpExecutionContext, config: GenerateConfig, app_db: AppDatabaseResource):
    job_id = config.job_id or context.partition_key
    if not config.job_id:  # launched from the UI: the partition may be one the API never admitted
        ensure_operator_job(app_db.tracker.db, job_id, config.spec.to_spec())
    if not app_db.tracker.start(job_id, run_id=context.run_id, worker_count=config.plan.workers):
        raise dg.Failure(f"job {job_id} ended (canceled) before its run started", allow_retries=False)
    chunks = pipeline.plan_chunks(job_id, config.spec.to_spec(), config.plan.chunk_size, config.plan.shard_size)
    context.log.info(f"{config.spec.quantity} items in {len(chunks)} chunks of up to {config.plan.chunk_size}")
    for chunk in chunks:
        yield dg.DynamicOutput(chunk, mapping_key=chunk.mapping_key)


@dg.op(retry_policy=CHUNK_RETRY)
def make_chunk(
    context: dg.OpExecutionContext,
    catalog: CatalogResource,
    artifacts: ArtifactStoreResource,
    app_db: AppDatabaseResource,
    chunk: Chunk,
) -> ChunkResult:
    """Makes the chunk's documents (identities → coherence → render → annotate, a batch at a
    time), reporting progress as it goes. A failed attempt takes back the progress it reported,
    so a retried chunk is not counted twice."""
    tracker = app_db.tracker
    tracker.resume(chunk.job_id, run_id=context.run_id)
    reported = 0

    def progress(n: int) -> None:
        nonlocal reported
        tracker.add_progress(chunk.job_id, n)
        reported += n
        if reported == n:  # after the first batch, so a retried chunk has work to redo
            _maybe_fail(context, chunk)

    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        with noting_terminate():
            result = pipeline.make_chunk(
                catalog.catalog,
                artifacts.store,
                chunk,
                on_progress=progress,
                should_stop=lambda: tracker.cancel_requested(chunk.job_id),
            )
    except Exception:
        tracker.add_progress(chunk.job_id, -reported)
        raise
    seconds = time.perf_counter() - started
    context.add_output_metadata(
        {
            "documents": result.documents,
            "docs_per_second": round(result.documents / seconds, 1) if seconds else 0.0,
            # Below `seconds`, the step waited for a core: other steps or processes had them.
            "cpu_seconds": round(time.process_time() - cpu_started, 3),
            "seconds": round(seconds, 3),
            "files": result.files,
            "bytes": result.bytes_written,
            "shards_bundled": result.shards,
            "stage_seconds": result.seconds,
        }
    )
    return result


@dg.op(retry_policy=CHUNK_RETRY)  # a retry after the parts were cleared finds the dataset's manifest
def bundle(
    context: dg.OpExecutionContext,
    catalog: CatalogResource,
    artifacts: ArtifactStoreResource,
    app_db: AppDatabaseResource,
    results: list[ChunkResult],
) -> DatasetInfo:
    chunk = results[0].chunk
    app_db.tracker.resume(chunk.job_id, run_id=context.run_id)
    job = app_db.tracker.get(chunk.job_id)
    with noting_terminate():
        info = build_dataset(
            chunk.spec,
            catalog.catalog,
            artifacts.store,
            chunk.job_id,
            generated_at=datetime.now(UTC),
            created_via=job.created_via if job else "api_key",
            shard_size=chunk.shard_size,
            items=pipeline.items_made(results),
        )
    context.add_output_metadata(
        {"documents": info.documents, "files": info.files, "zip_bytes": info.size_bytes, "layout": info.layout}
    )
    # The job's terminal state, with its webhook deliveries queued in the same transaction. This was
    # a `notify` step of its own: ~0.05 s of work that cost ~0.25 s of a fanned-out job as a step
    # process (its start and events), a tenth of a 1,000-document job. A retried bundle that finds
    # the job already ended changes nothing (`JobTracker.complete`).
    app_db.tracker.complete(info.job_id, bundle_layout=info.layout, documents=info.documents)
    return info


def end_failed_job(
    job_id: str, run: dg.DagsterRun, tracker: JobTracker, catalog: Catalog, store: ArtifactStore, error: str
) -> None:
    """The job's last run failed: the items its finished chunks made are bundled into a partial
    dataset (downloadable like a canceled job's, until it expires) and charged; the rest is
    refunded. Nothing made, nothing charged."""
    job = tracker.get(job_id)
    if job is None or job.status in TERMINAL:
        return
    error = job.error or error  # the failed step's, recorded by the failure hook
    plan_config = (run.run_config.get("ops", {}).get("plan") or {}).get("config")
    if job.kind != "documents" or not plan_config:
        tracker.fail(job_id, error)
        return
    config = GenerateConfig(**plan_config)
    spec = config.spec.to_spec()
    made = pipeline.items_annotated(store, job_id, spec, config.plan.chunk_size, config.plan.shard_size)
    if not made:
        tracker.fail(job_id, error, documents=0)
        return
    info = build_dataset(spec, catalog, store, job_id, generated_at=datetime.now(UTC), created_via=job.created_via,
                         shard_size=config.plan.shard_size, items=made)  # fmt: skip
    tracker.fail(job_id, error, documents=info.documents, bundle_layout=info.layout)


@dg.failure_hook(required_resource_keys={"app_db"})
def mark_job_failed(context: dg.HookContext) -> None:
    """A step that failed its last attempt records the job's error; the job fails when the run
    ends (the in-process submitter at the end of its run; the job_reconciler for queued runs),
    with what its finished chunks made bundled and charged. A run with attempts left records
    nothing: the job_reconciler re-executes it from failure, and the job fails (with its
    job.failed webhook) only when the last run does."""
    run = context.instance.get_run_by_id(context.run_id)
    job_id = (run.tags.get(JOB_ID_TAG) or run.tags.get(PARTITION_TAG)) if run else None
    if run is not None and attempts_left(run.tags):
        context.log.warning(f"{context.op.name} failed; run attempt {run.tags.get(ATTEMPT_TAG)} "
                            f"of {run.tags.get(MAX_ATTEMPTS_TAG)}: the job_reconciler re-executes it")  # fmt: skip
        return
    if job_id:
        error = f"{context.op.name} failed: {context.op_exception!r}" if context.op_exception else "run failed"
        context.resources.app_db.tracker.note_failure(job_id, error)


@dg.job(name=JOB_NAME, partitions_def=generation_jobs_partitions, hooks={mark_job_failed}, executor_def=symage_executor)
def generate_documents() -> None:
    chunks = plan()
    results = chunks.map(make_chunk)
    bundle(results.collect())
