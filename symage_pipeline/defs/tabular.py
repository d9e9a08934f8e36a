"""The `generate_tabular` job: make the table (block by block, progress after each) → record it.

Thin like the documents job: `make_table` calls `tabular.write_table` with the store's sinks and
the tracker's progress; `record_table` makes the one terminal transition (charge, expiry).
"""

from contextlib import ExitStack
from typing import Any

import dagster as dg

from symage_pipeline.defs.executors import symage_executor
from symage_pipeline.defs.generate import mark_job_failed
from symage_pipeline.defs.names import TABULAR_JOB_NAME
from symage_pipeline.defs.partitions import generation_jobs_partitions
from symage_pipeline.defs.resources import AppDatabaseResource, ArtifactStoreResource
from symage_pipeline.keys import table_key
from symage_pipeline.tabular import ColumnSpec, TabularSpec, write_table


class ColumnConfig(dg.Config):
    name: str
    type: str
    constraints: dict[str, Any] = {}


class TabularConfig(dg.Config):
    """Run parameters: the job id (also the partition key) and the resolved table spec."""

    job_id: str
    columns: list[ColumnConfig]
    rows: int
    output_formats: list[str]
    seed: int

    @classmethod
    def of(cls, job_id: str, spec: TabularSpec) -> "TabularConfig":
        return cls(job_id=job_id, columns=[ColumnConfig(**c.model_dump()) for c in spec.columns], rows=spec.rows,
                   output_formats=list(spec.output_formats), seed=spec.seed)  # fmt: skip

    def to_spec(self) -> TabularSpec:
        return TabularSpec(columns=tuple(ColumnSpec(**c.model_dump()) for c in self.columns), rows=self.rows,
                           output_formats=tuple(self.output_formats), seed=self.seed)  # fmt: skip


def tabular_run_config(job_id: str, spec: TabularSpec, *, log_level: str | None = None) -> dg.RunConfig:
    return dg.RunConfig(
        ops={"make_table": TabularConfig.of(job_id, spec)},
        loggers={"console": {"config": {"log_level": log_level}}} if log_level else None,
    )


@dg.op
def make_table(
    context: dg.OpExecutionContext,
    config: TabularConfig,
    app_db: AppDatabaseResource,
    artifacts: ArtifactStoreResource,
) -> str:
    tracker = app_db.tracker
    if not tracker.start(config.job_id, run_id=context.run_id, worker_count=1):
        raise dg.Failure(f"job {config.job_id} ended before its run started", allow_retries=False)
    spec = config.to_spec()
    store = artifacts.store
    with ExitStack() as stack:  # a failed run leaves no half-written file under the keys
        sinks = {f: stack.enter_context(store.open_write(table_key(config.job_id, f))) for f in spec.output_formats}
        files = write_table(spec, sinks, on_progress=lambda rows: tracker.add_progress(config.job_id, rows))
    context.add_output_metadata({"rows": files.rows, "columns": len(spec.columns), **{
        f"{fmt}_bytes": size for fmt, size in files.sizes.items()}})  # fmt: skip
    return config.job_id


@dg.op
def record_table(app_db: AppDatabaseResource, job_id: str) -> None:
    app_db.tracker.complete(job_id, bundle_layout="single")


@dg.job(name=TABULAR_JOB_NAME, partitions_def=generation_jobs_partitions, hooks={mark_job_failed},
        executor_def=symage_executor, description="Generates one tabular job's CSV / JSON.")  # fmt: skip
def generate_tabular() -> None:
    record_table(make_table())
