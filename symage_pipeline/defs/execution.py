"""The one execution-plan decision: how a job is chunked and which executor runs the chunks.

Parallelism belongs to Dagster's executor, never to a pool forked inside a step: a process forked
out of a multi-threaded step (event-log and compute-log threads are live) can inherit a held lock
or Dagster's signal handler, and two such forks hung jobs forever (issue 10). Small jobs run on the
in-process executor in one process; bigger ones on the multiprocess executor (forkserver: children
start from a clean, single-threaded server with the code preloaded), a few large steps per worker.

Measured (docs/decisions/dagster-overhead.md): a run costs ~1.1–1.6 s to launch and a multiprocess
step ~0.2 s to start from the preloaded forkserver (`preload_modules`), so a job fans out only when
a second core saves more than its four step starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from symage_pipeline.defs.names import DEFINITIONS_MODULE
from symage_pipeline.settings import Settings
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import s3_location

# What the forkserver imports once, so that no step process imports it again: the code location
# (each step's start was ~4 s without it), and the first things a step does with it
# (`defs/warm_steps.py`: the catalog and a document of every form, ~0.2 s).
CODE_MODULES = (
    "dagster",
    DEFINITIONS_MODULE,
    "symage_pipeline.pipeline",
    "symage_pipeline.bundle",
    "symage_pipeline.defs.warm_steps",
)
# A step process first opens the Dagster instance (`DagsterInstance.from_ref`), whose storage
# classes Dagster imports lazily: alembic, SQLAlchemy's dialects, the run, event-log and schedule
# storages, upath. Imported in each step, that was 0.5-0.7 s of every step's start (2026-12-07; the
# instance itself opens in ~0.05 s). A module a future Dagster drops is skipped: the forkserver
# ignores preload modules that fail to import.
EMBEDDED_INSTANCE_MODULES = (
    "dagster._core.instance.factory",
    "dagster._core.storage.sqlite_storage",
    "dagster._core.storage.root",
    "dagster._core.storage.local_compute_log_manager",
    "dagster._core.storage.migration.utils",
    "dagster._core.secrets.env_file",
    "dagster._core.run_coordinator",
    "dagster._core.scheduler",
    "upath.implementations.local",
    "symage_pipeline.defs.run_coordinator",
    "symage_pipeline.defs.run_launcher",
)
POSTGRES_INSTANCE_MODULES = ("dagster_postgres",)
S3_MODULES = ("boto3", "dagster_aws.s3.compute_log_manager")  # the artifact store and compute logs
FREEZE_MODULE = "symage_pipeline.defs.freeze_heap"  # last: the preloaded heap out of the collector's reach


def preload_modules(settings: Settings) -> tuple[str, ...]:
    """The forkserver's preload for these settings' instance and store: PostgreSQL's and S3's
    modules only where they are used (they cost the forkserver ~0.9 s more to import)."""
    modules = CODE_MODULES + EMBEDDED_INSTANCE_MODULES
    if settings.dagster_postgres_url is not None:
        modules += POSTGRES_INSTANCE_MODULES
    if s3_location(settings.resolved_storage_url) is not None:
        modules += S3_MODULES
    return (*modules, FREEZE_MODULE)


@dataclass(frozen=True)
class ExecutionPlan:
    chunk_size: int  # items per chunk (each item makes one document per form)
    workers: int  # 1 = Dagster's in-process executor; more = multiprocess, this many steps at once
    shard_size: int
    celery_broker: str | None = None  # fan out as Celery tasks instead (defs/executors.py)
    celery_backend: str | None = None
    preload_modules: tuple[str, ...] = CODE_MODULES  # what the forkserver imports (`preload_modules`)

    @property
    def multiprocess(self) -> bool:
        return self.workers > 1

    def executor_config(self) -> dict:
        if self.multiprocess and self.celery_broker:
            return {"celery": {"broker": self.celery_broker, "backend": self.celery_backend or "rpc://"}}
        if self.multiprocess:
            # Each step's process is forked from a server that has imported the code location and
            # the instance's storage once (`preload_modules`), instead of importing them itself.
            start = {"forkserver": {"preload_modules": list(self.preload_modules)}}
            return {"multiprocess": {"max_concurrent": self.workers, "start_method": start}}
        return {"in_process": {}}


def chunk_documents(documents: int, workers: int, settings: Settings, cost: float = 1.0) -> int:
    """Documents per chunk of a run that fans out: `settings.steps_per_worker` chunks per worker
    (each a step launch, ~0.2 s), more only to keep a chunk under `max_chunk_documents` (the work
    a failed step redoes), and never more than `max_chunks` steps, whatever the quantity. The
    floor, `min_chunk_documents`, counts typed-PDF documents (`cost` each of this job's): as a
    count it made a 200-document PNG or scanned job, which fans out for its work, one chunk."""
    chunks = max(workers * settings.steps_per_worker, math.ceil(documents / settings.max_chunk_documents))
    chunks = min(chunks, settings.max_chunks)
    return max(math.ceil(documents / chunks), math.ceil(settings.min_chunk_documents / cost))


# What a document costs to make, in typed W-2 PDFs, by what else it renders: measured in one
# process, `pipeline.make_chunk` (2026-12-07, a typed W-2 1.79 ms with its labels, a handwritten
# one 5.45 ms, typed + PNG at 150 dpi 18.0 ms, scanned 36.6 ms). Fanning out pays for a fixed cost
# in step starts, so it is the work that decides, not the count. Measured on 2026-12-06 the
# typed W-2 cost 2.8 ms and these were 1.5, 3.5 and 7.0: the typed document got cheaper since,
# the page images did not, so a 200-document PNG job ran in one process at 47 docs/s.
EXTRA_COST = {"pdf_handwritten": 2.0, "png_typed": 9.0, "png_handwritten": 9.0}
DEGRADED_COST = 10.0  # a degradation profile (scanned, faxed, photographed) on the page images


def document_cost(spec: GenerationSpec) -> float:
    """What one of the job's documents costs, in typed-PDF documents."""
    per_document = 1.0 + sum(EXTRA_COST.get(f, 0.0) for f in set(spec.output_formats))
    if spec.config.get("degradation_profile") not in (None, "clean"):
        per_document += DEGRADED_COST
    return per_document


def typed_equivalents(spec: GenerationSpec) -> float:
    """The job's work in typed-PDF documents, what `multiprocess_min_documents` counts."""
    return spec.documents_total * document_cost(spec)


def plan_execution(spec: GenerationSpec, settings: Settings) -> ExecutionPlan:
    """One process below `settings.multiprocess_min_documents` (in typed-PDF documents:
    `typed_equivalents`), in chunks of `min_chunk_documents` (a step costs ~30 ms there); from
    there, `settings.workers` steps at once over a number of chunks that does not grow with the
    quantity (`chunk_documents`). A step streams its chunk a batch at a time
    (`pipeline.make_chunk`), so memory per step is flat whatever the chunk's size."""
    documents, forms = spec.documents_total, len(spec.form_ids)
    workers = settings.workers if typed_equivalents(spec) >= settings.multiprocess_min_documents else 1
    if workers > 1:
        per_chunk = chunk_documents(documents, workers, settings, document_cost(spec))
    else:
        per_chunk = max(settings.min_chunk_documents, math.ceil(documents / settings.max_chunks))
    return ExecutionPlan(
        max(1, per_chunk // forms),
        workers,
        settings.shard_size,
        celery_broker=settings.celery_broker_url,
        celery_backend=settings.celery_backend_url,
        preload_modules=preload_modules(settings),
    )
