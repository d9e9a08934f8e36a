"""Submitting a job's Dagster run, and reading its state back when the app DB cannot tell.

`DagsterRunSubmitter` does what `dagster job launch` does against the shared gRPC code server and
the instance's queued run coordinator, so the API needs neither the webserver nor the daemon to
accept a job (the daemon launches it). `InProcessRunSubmitter` executes the same job in a thread
of the calling process against the same instance: used by `symage generate` and tests.
`RoutingSubmitter` (what the API uses) sends tiny jobs to a warm in-process lane and the rest to
the queue: a queued run pays ~0.5 s of dequeue wait and ~1.9 s of run-worker start-up (spawn and
imports) before its first step, which is most of a one-document job's time.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from symage_pipeline.generation import chunk_size_for
from symage_pipeline.request import GenerationSpec
from symage_pipeline.settings import Settings

LOCATION_NAME = "symage"
JOB_NAME = "generate_documents"
PARTITIONS_NAME = "generation_jobs"
FAILED_RUN_STATUSES = ("FAILURE", "CANCELED")


def execution_plan_for(spec: GenerationSpec, settings: Settings) -> tuple[int, int]:
    """(chunk size, multiprocess workers; 0 = in-process) for a job of this size."""
    chunk = chunk_size_for(
        spec.documents_total, target_chunks=settings.target_chunks, min_chunk_size=settings.min_chunk_size
    )
    chunk = max(1, chunk // len(spec.form_ids))
    workers = 0 if spec.documents_total <= settings.inprocess_max_documents else (os.cpu_count() or 2)
    return chunk, workers


def write_dagster_home(settings: Settings) -> Path:
    """dagster.yaml for the embedded instance: queued runs, dequeued every second (the default 5 s
    adds 2.5–5 s to every job, see shared/notes/dagster-overhead.md)."""
    home = settings.resolved_dagster_home
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        "run_coordinator:\n"
        "  module: dagster._core.run_coordinator\n"
        "  class: QueuedRunCoordinator\n"
        "  config:\n"
        f"    max_concurrent_runs: {settings.max_concurrent_runs}\n"
        "    dequeue_interval_seconds: 1\n"
        "telemetry:\n"
        "  enabled: false\n"
    )
    (home / "workspace.yaml").write_text(
        "load_from:\n"
        "  - grpc_server:\n"
        f"      host: {settings.code_server_host}\n"
        f"      port: {settings.code_server_port}\n"
        f"      location_name: {LOCATION_NAME}\n"
    )
    return home


def run_tags(job_id: str) -> dict[str, str]:
    return {"dagster/partition": job_id, "symage/job_id": job_id}


class RunSubmitter(ABC):
    @abstractmethod
    def submit(self, job_id: str, spec: GenerationSpec) -> str:
        """Start (or enqueue) the run for a job; returns the Dagster run id."""

    @abstractmethod
    def run_status(self, run_id: str) -> str | None: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


class _InstanceMixin:
    settings: Settings
    _instance: Any = None

    @property
    def instance(self):  # type: ignore[no-untyped-def]
        from dagster import DagsterInstance

        if self._instance is None:
            home = write_dagster_home(self.settings)
            self._instance = DagsterInstance.from_config(str(home))
        return self._instance

    def run_status(self, run_id: str) -> str | None:
        run = self.instance.get_run_by_id(run_id)
        return run.status.value if run else None


class DagsterRunSubmitter(_InstanceMixin, RunSubmitter):
    def __init__(self, settings: Settings):
        self.settings = settings
        self._workspace: Any = None
        self._lock = threading.Lock()

    def _request_context(self):  # type: ignore[no-untyped-def]
        import dagster
        from dagster._core.workspace.context import WorkspaceProcessContext
        from dagster._core.workspace.load_target import GrpcServerTarget

        with self._lock:
            if self._workspace is None:
                target = GrpcServerTarget(
                    host=self.settings.code_server_host,
                    port=self.settings.code_server_port,
                    socket=None,
                    location_name=LOCATION_NAME,
                )
                self._workspace = WorkspaceProcessContext(self.instance, target, version=dagster.__version__)
            return self._workspace.create_request_context()

    def submit(self, job_id: str, spec: GenerationSpec) -> str:
        from dagster._core.definitions.selector import JobSubsetSelector

        from symage_pipeline.jobs import run_config

        chunk_size, workers = execution_plan_for(spec, self.settings)
        config = run_config(
            job_id,
            spec,
            chunk_size=chunk_size,
            multiprocess=workers,
            shard_size=self.settings.shard_size,
            render_processes=self.settings.render_processes,
        )
        instance = self.instance
        instance.add_dynamic_partitions(PARTITIONS_NAME, [job_id])
        context = self._request_context()
        if context.has_code_location_error(LOCATION_NAME):
            raise RuntimeError(f"code location failed to load: {context.get_code_location_error(LOCATION_NAME)}")
        location = context.get_code_location(LOCATION_NAME)
        repo = next(iter(location.get_repositories().values()))
        remote_job = location.get_job(
            JobSubsetSelector(
                location_name=LOCATION_NAME, repository_name=repo.name, job_name=JOB_NAME, op_selection=None
            )
        )
        plan = location.get_execution_plan(
            remote_job, config, step_keys_to_execute=None, known_state=None, instance=instance
        ).execution_plan_snapshot
        run = instance.create_run(
            job_name=JOB_NAME,
            run_id=None,
            run_config=config,
            resolved_op_selection=None,
            step_keys_to_execute=plan.step_keys_to_execute,
            op_selection=None,
            status=None,
            root_run_id=None,
            parent_run_id=None,
            tags={**remote_job.tags, **run_tags(job_id)},
            job_snapshot=remote_job.job_snapshot,
            execution_plan_snapshot=plan,
            parent_job_snapshot=remote_job.parent_job_snapshot,
            remote_job_origin=remote_job.get_remote_origin(),
            job_code_origin=remote_job.get_python_origin(),
            asset_selection=None,
            asset_check_selection=None,
            asset_graph=repo.asset_graph,
        )
        instance.submit_run(run.run_id, context)
        return run.run_id

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.__exit__(None, None, None)
            self._workspace = None


class InProcessRunSubmitter(_InstanceMixin, RunSubmitter):
    """Executes runs one after another on a worker thread of this process (`execute_in_process`).

    One worker, not one thread per run: Dagster reconfigures logging at run start, and two runs
    starting at once in one process deadlock on the logging locks.
    """

    def __init__(self, settings: Settings, *, resources: dict[str, Any] | None = None):
        self.settings = settings
        self.resources = resources
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="symage-run")
        self._pending: list[Future] = []

    def execute(self, job_id: str, spec: GenerationSpec) -> Any:
        from symage_pipeline.jobs import generate_documents, run_config
        from symage_pipeline.resources import job_resources

        chunk_size, _ = execution_plan_for(spec, self.settings)
        config = run_config(
            job_id,
            spec,
            chunk_size=chunk_size,
            shard_size=self.settings.shard_size,
            render_processes=self.settings.render_processes,
        )
        config.pop("execution")
        try:
            self.instance.add_dynamic_partitions(PARTITIONS_NAME, [job_id])
            return generate_documents.execute_in_process(
                run_config=config,
                instance=self.instance,
                resources=self.resources or job_resources(self.settings),
                partition_key=job_id,
                tags={"symage/job_id": job_id},
                raise_on_error=False,
            )
        except Exception as exc:  # a run that cannot even start must still end its job
            from symage_pipeline.db import Database
            from symage_pipeline.jobstate import JobTracker

            db = Database(self.settings.resolved_database_url, run_migrations=False)
            JobTracker(db).fail(job_id, f"run could not start: {exc!r}")
            db.dispose()
            raise

    def submit(self, job_id: str, spec: GenerationSpec) -> str:
        self._pending.append(self._pool.submit(self.execute, job_id, spec))
        return ""

    def drain(self) -> None:
        """Wait for every submitted run (tests and the CLI use this before reading results)."""
        for future in self._pending:
            future.exception()
        self._pending.clear()

    def close(self) -> None:
        self.drain()
        self._pool.shutdown(wait=True)


class RoutingSubmitter(RunSubmitter):
    """Jobs of at most `settings.fast_lane_max_documents` documents run in this process's warm lane
    (`execute_in_process`: recorded in the instance and shown in the UI, but outside the queue's
    concurrency limit); everything else goes through the queue and the daemon."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.fast = InProcessRunSubmitter(settings)
        self.queued = DagsterRunSubmitter(settings)

    def submit(self, job_id: str, spec: GenerationSpec) -> str:
        lane = self.fast if spec.documents_total <= self.settings.fast_lane_max_documents else self.queued
        return lane.submit(job_id, spec)

    def run_status(self, run_id: str) -> str | None:
        return self.queued.run_status(run_id)

    def close(self) -> None:
        self.fast.close()
        self.queued.close()
