"""The `generate_documents` job: plan → (identities → coherence → render → annotate) per chunk → bundle → notify.

Ops are thin: each calls one function of `symage_pipeline.generation` or `bundle`. Chunks are few
and large (a few hundred at most), because every step costs Dagster orchestration time.
"""

import json
from datetime import UTC, datetime

import dagster as dg

from symage_pipeline import generation
from symage_pipeline.bundle import DatasetInfo, build_dataset
from symage_pipeline.document import FilledDocument
from symage_pipeline.generation import MIN_PARALLEL_DOCUMENTS, Chunk, ChunkResult
from symage_pipeline.partitions import generation_jobs_partitions
from symage_pipeline.request import GenerationSpec
from symage_pipeline.resources import AppDatabaseResource, ArtifactStoreResource, CatalogResource

JOB_ID_TAG = "symage/job_id"


class GenerateConfig(dg.Config):
    """Run parameters: the job id (also the partition key) and the validated request."""

    job_id: str
    form_ids: list[str]
    quantity: int
    output_formats: list[str]
    seed: int
    config_json: str = "{}"
    chunk_size: int = 250
    shard_size: int = 0
    render_processes: int = 1
    worker_count: int = 1

    def spec(self) -> GenerationSpec:
        return GenerationSpec(
            form_ids=tuple(self.form_ids),
            quantity=self.quantity,
            output_formats=tuple(self.output_formats),
            seed=self.seed,
            config=json.loads(self.config_json),
        )


@dg.op(out=dg.DynamicOut(Chunk))
def plan(context: dg.OpExecutionContext, config: GenerateConfig, app_db: AppDatabaseResource):
    app_db.tracker.start(config.job_id, run_id=context.run_id, worker_count=config.worker_count)
    chunks = generation.plan_chunks(
        config.job_id, config.spec(), config.chunk_size, config.shard_size, config.render_processes
    )
    context.log.info(f"{config.quantity} items in {len(chunks)} chunks of up to {config.chunk_size}")
    for chunk in chunks:
        yield dg.DynamicOutput(chunk, mapping_key=chunk.mapping_key)


@dg.op
def identities(chunk: Chunk) -> tuple[Chunk, list]:
    return chunk, generation.identities(chunk)


@dg.op
def coherence(catalog: CatalogResource, people: tuple[Chunk, list]) -> tuple[Chunk, list[FilledDocument]]:
    chunk, persons = people
    return chunk, generation.fill(chunk, catalog.catalog, persons)


@dg.op
def render(
    catalog: CatalogResource,
    artifacts: ArtifactStoreResource,
    app_db: AppDatabaseResource,
    documents: tuple[Chunk, list[FilledDocument]],
) -> ChunkResult:
    """Renders each document and writes it with its labels, reporting progress as it goes."""
    chunk, docs = documents
    tracker = app_db.tracker
    return generation.render_and_annotate(
        catalog.catalog, artifacts.store, chunk, docs, on_progress=lambda n: tracker.add_progress(chunk.job_id, n)
    )


@dg.op
def annotate(artifacts: ArtifactStoreResource, result: ChunkResult) -> ChunkResult:
    """Checks every document of the chunk has its ground truth before the bundle counts on it."""
    missing = generation.missing_ground_truth(artifacts.store, result.chunk)
    if missing:
        raise dg.Failure(f"{len(missing)} documents of {result.chunk.mapping_key} have no ground truth: {missing[:5]}")
    return result


@dg.op
def bundle(
    context: dg.OpExecutionContext,
    catalog: CatalogResource,
    artifacts: ArtifactStoreResource,
    app_db: AppDatabaseResource,
    results: list[ChunkResult],
) -> DatasetInfo:
    chunk = results[0].chunk
    job = app_db.tracker.get(chunk.job_id)
    info = build_dataset(
        chunk.spec,
        catalog.catalog,
        artifacts.store,
        chunk.job_id,
        generated_at=datetime.now(UTC),
        created_via=job.created_via if job else "api_key",
        shard_size=chunk.shard_size,
    )
    context.add_output_metadata(
        {"documents": info.documents, "files": info.files, "zip_bytes": info.size_bytes, "layout": info.layout}
    )
    return info


@dg.op
def notify(app_db: AppDatabaseResource, dataset: DatasetInfo) -> None:
    app_db.tracker.complete(dataset.job_id, bundle_layout=dataset.layout)


@dg.failure_hook(required_resource_keys={"app_db"})
def mark_job_failed(context: dg.HookContext) -> None:
    """Any failed step fails the job at once, refunding what was not made."""
    run = context.instance.get_run_by_id(context.run_id)
    job_id = run.tags.get(JOB_ID_TAG) if run else None
    if job_id:
        error = f"{context.op.name} failed: {context.op_exception!r}" if context.op_exception else "run failed"
        context.resources.app_db.tracker.fail(job_id, error)


@dg.job(partitions_def=generation_jobs_partitions, hooks={mark_job_failed})
def generate_documents() -> None:
    chunks = plan()
    results = chunks.map(lambda c: annotate(render(coherence(identities(c)))))
    notify(bundle(results.collect()))


def run_config(
    job_id: str,
    spec: GenerationSpec,
    *,
    chunk_size: int,
    multiprocess: int = 0,
    shard_size: int = 0,
    render_processes: int = 1,
) -> dict:
    """Run config for one job: in-process for small jobs, multiprocess (forkserver) for big ones."""
    executor = (
        {"multiprocess": {"max_concurrent": multiprocess, "start_method": {"forkserver": {}}}}
        if multiprocess
        else {"in_process": {}}
    )
    op_config = GenerateConfig(
        job_id=job_id,
        form_ids=list(spec.form_ids),
        quantity=spec.quantity,
        output_formats=list(spec.output_formats),
        seed=spec.seed,
        config_json=json.dumps(spec.config, sort_keys=True),
        chunk_size=chunk_size,
        shard_size=shard_size,
        # The multiprocess executor already runs chunks side by side; in-process runs fork instead.
        render_processes=1 if multiprocess else render_processes,
        worker_count=multiprocess or (render_processes if spec.documents_total >= MIN_PARALLEL_DOCUMENTS else 1),
    )
    return {"ops": {"plan": {"config": op_config.model_dump()}}, "execution": {"config": executor}}
