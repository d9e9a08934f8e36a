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

import threading
from abc import ABC, abstractmethod
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from symage_pipeline.defs.execution import plan_execution
from symage_pipeline.defs.instance import write_dagster_home
from symage_pipeline.defs.names import (
    ATTEMPT_TAG,
    DEFINITIONS_MODULE,
    JOB_NAME,
    LOCATION_NAME,
    PARTITION_TAG,
    PARTITIONS_NAME,
    TABULAR_JOB_NAME,
    attempts_left,
    run_tags,
)
from symage_pipeline.settings import Settings
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.tabular.spec import TabularSpec


def job_tags(
    job_id: str, spec: GenerationSpec | TabularSpec, user_id: str = "", *, max_attempts: int = 1
) -> dict[str, str]:
    """The run's tags for this job (`names.run_tags`): what the job is, in the runs list, and its
    attempts: a failed run with attempts left is re-executed by the job_reconciler sensor, so only
    paths a daemon watches may give more than one."""
    attempts = {"attempt": 1, "max_attempts": max_attempts}
    if isinstance(spec, TabularSpec):
        return run_tags(job_id, TABULAR_JOB_NAME, kind="tabular", user_id=user_id, rows=spec.rows,
                        columns=len(spec.columns), formats=",".join(spec.output_formats), **attempts)  # fmt: skip
    return run_tags(job_id, JOB_NAME, kind="documents", user_id=user_id, forms=",".join(spec.form_ids),
                    quantity=spec.quantity, documents=spec.documents_total,
                    formats=",".join(spec.output_formats), **attempts)  # fmt: skip


def job_run_config(job_id: str, spec: GenerationSpec | TabularSpec, settings: Settings) -> tuple[str, dict]:
    """The Dagster job and run config of a job's run, as every path that starts one from nothing
    builds it (the queue, the job_reconciler's resubmissions and full re-runs)."""
    from symage_pipeline.defs.generate import run_config
    from symage_pipeline.defs.tabular import tabular_run_config

    log_level = console_log_level(settings)
    if isinstance(spec, TabularSpec):
        return TABULAR_JOB_NAME, tabular_run_config(job_id, spec, log_level=log_level).to_config_dict()
    return JOB_NAME, run_config(job_id, spec, plan_execution(spec, settings), log_level=log_level).to_config_dict()


def console_log_level(settings: Settings, quiet: bool = False) -> str | None:
    """Dagster's console logger of a run: silent when the logs are JSON (the instance's handler
    writes each line as JSON instead, `defs/logs.py`), WARNING when quiet, else its default."""
    if settings.log_format == "json":
        return "CRITICAL"
    return "WARNING" if quiet else None


class RunSubmitter(ABC):
    @abstractmethod
    def submit(self, job_id: str, spec: GenerationSpec | TabularSpec, *, user_id: str = "") -> str:
        """Start (or enqueue) the run for a job; returns the Dagster run id."""

    def cancel(self, run_id: str) -> None:  # noqa: B027 - optional hook
        """Dequeue (or stop) a run whose job was canceled before it started. In-process runs need
        nothing: their plan step sees the canceled job and ends the run."""

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def health(self) -> dict[str, Any]:
        """The Dagster side of `/health`: raises when the instance cannot be read; `daemons` maps
        each daemon the runs need to whether it is alive."""
        return {}


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

    def health(self) -> dict[str, Any]:
        self.instance.get_runs(limit=1)
        return {}


class DagsterRunSubmitter(_InstanceMixin, RunSubmitter):
    def __init__(self, settings: Settings):
        self.settings = settings
        self._workspace: Any = None
        self._lock = threading.Lock()

    def health(self) -> dict[str, Any]:
        """Queued runs need the daemon: its run coordinator, sensors and schedules heartbeat."""
        statuses = self.instance.get_daemon_statuses()
        return {"daemons": {name: status.healthy for name, status in sorted(statuses.items())}}

    def _request_context(self):  # type: ignore[no-untyped-def]
        import dagster
        from dagster._core.workspace.context import WorkspaceProcessContext
        from dagster._core.workspace.load_target import GrpcServerTarget

        if self.settings.code_server_port is None:
            raise RuntimeError(
                "no Dagster code server port is configured (SYMAGE_CODE_SERVER_PORT); start with symage up"
            )
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

    def submit(self, job_id: str, spec: GenerationSpec | TabularSpec, *, user_id: str = "") -> str:
        job_name, config = job_run_config(job_id, spec, self.settings)
        instance = self.instance
        instance.add_dynamic_partitions(PARTITIONS_NAME, [job_id])
        context = self._request_context()
        location, repo, remote_job = self._remote_job(context, job_name)
        plan = location.get_execution_plan(
            remote_job, config, step_keys_to_execute=None, known_state=None, instance=instance
        ).execution_plan_snapshot
        run = instance.create_run(
            job_name=job_name,
            run_id=None,
            run_config=config,
            resolved_op_selection=None,
            step_keys_to_execute=plan.step_keys_to_execute,
            op_selection=None,
            status=None,
            root_run_id=None,
            parent_run_id=None,
            tags={**remote_job.tags, **job_tags(job_id, spec, user_id, max_attempts=self.settings.run_attempts)},
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

    def _remote_job(self, context: Any, job_name: str) -> tuple[Any, Any, Any]:
        from dagster._core.definitions.selector import JobSubsetSelector

        if context.has_code_location_error(LOCATION_NAME):
            raise RuntimeError(f"code location failed to load: {context.get_code_location_error(LOCATION_NAME)}")
        location = context.get_code_location(LOCATION_NAME)
        repo = next(iter(location.get_repositories().values()))
        selector = JobSubsetSelector(
            location_name=LOCATION_NAME, repository_name=repo.name, job_name=job_name, op_selection=None
        )
        return location, repo, location.get_job(selector)

    def reexecute(self, parent_run_id: str, *, attempt: int, run_config: dict | None = None) -> str:
        """Queue attempt `attempt` of a failed run, as the UI's "Re-execute from failure" does: the
        chunks that succeeded are not redone (their outputs are in the parent's step storage). A
        parent run made in a process's lane kept its outputs in memory: given `run_config`, every
        step runs again instead (the same request makes the same bytes)."""
        from dagster._core.execution.plan.resume_retry import ReexecutionStrategy

        parent = self.instance.get_run_by_id(parent_run_id)
        if parent is None:
            raise RuntimeError(f"run {parent_run_id} is not in the instance")
        context = self._request_context()
        location, _, remote_job = self._remote_job(context, parent.job_name)
        from_failure = run_config is None
        run = self.instance.create_reexecuted_run(
            request_context=context,
            parent_run=parent,
            code_location=location,
            remote_job=remote_job,
            strategy=ReexecutionStrategy.FROM_FAILURE if from_failure else ReexecutionStrategy.ALL_STEPS,
            extra_tags={ATTEMPT_TAG: str(attempt)},
            run_config=run_config,
            use_parent_run_tags=True,
        )
        self.instance.submit_run(run.run_id, context)
        return run.run_id

    def cancel(self, run_id: str) -> None:
        run = self.instance.get_run_by_id(run_id)
        if run is not None and not run.is_finished:
            self.instance.run_coordinator.cancel_run(run_id)

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.__exit__(None, None, None)
            self._workspace = None


class InProcessRunSubmitter(_InstanceMixin, RunSubmitter):
    """Executes runs one after another on a worker thread of this process (`execute_in_process`).

    One worker, not one thread per run: Dagster reconfigures logging at run start, and two runs
    starting at once in one process deadlock on the logging locks.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        resources: dict[str, Any] | None = None,
        quiet: bool = False,
        max_attempts: int = 1,
    ):
        self.settings = settings
        self.resources = resources
        self.quiet = quiet  # Dagster's console logger at WARNING instead of DEBUG (the CLI's default)
        # Run attempts: more than one only where a daemon's job_reconciler re-executes failed runs
        # (the API's lane); `symage generate` and tests have no daemon, so a failed run ends its job.
        self.max_attempts = max_attempts
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="symage-run")
        self._pending: list[Future] = []

    def execute(self, job_id: str, spec: GenerationSpec | TabularSpec, user_id: str = "") -> Any:
        """Run the job here: `execute_in_process` for a one-process plan; `execute_job` (the code
        location reconstructed in Dagster's multiprocess workers) when the plan fans out."""
        from symage_pipeline.defs.generate import generate_documents, run_config
        from symage_pipeline.defs.resources import job_resources
        from symage_pipeline.defs.tabular import generate_tabular, tabular_run_config

        log_level = console_log_level(self.settings, self.quiet)
        tags = job_tags(job_id, spec, user_id, max_attempts=self.max_attempts)
        # execute_in_process sets the partition tag itself from partition_key
        in_process_tags = {k: v for k, v in tags.items() if k != PARTITION_TAG}
        plan = None if isinstance(spec, TabularSpec) else plan_execution(spec, self.settings)
        try:
            self.instance.add_dynamic_partitions(PARTITIONS_NAME, [job_id])
            if plan is None:
                result = generate_tabular.execute_in_process(
                    run_config=tabular_run_config(job_id, spec, log_level=log_level),  # type: ignore[arg-type]
                    instance=self.instance,
                    resources=self.resources or job_resources(self.settings),
                    partition_key=job_id,
                    tags=in_process_tags,
                    raise_on_error=False,
                )
            elif plan.multiprocess:
                import dagster as dg
                from dagster._core.definitions.reconstruct import ReconstructableRepository

                config = run_config(job_id, spec, plan, log_level=log_level, resources=self.settings)
                job = ReconstructableRepository.for_module(DEFINITIONS_MODULE, "defs").get_reconstructable_job(JOB_NAME)
                result = dg.execute_job(job, self.instance, run_config=config.to_config_dict(), tags=tags)
            else:
                config = run_config(job_id, spec, plan, with_executor=False, log_level=log_level)
                result = generate_documents.execute_in_process(
                    run_config=config,
                    instance=self.instance,
                    resources=self.resources or job_resources(self.settings),
                    partition_key=job_id,
                    tags=in_process_tags,
                    raise_on_error=False,
                )
        except Exception as exc:  # a run that cannot even start must still end its job
            self._fail(job_id, f"run could not start: {exc!r}")
            raise
        if not result.success and not attempts_left(result.dagster_run.tags):
            # A step whose process died never ran its failure hook: the run's end ends the job.
            self._fail(job_id, f"Dagster run {result.run_id} failed", run=result.dagster_run)
        return result

    def _fail(self, job_id: str, error: str, run: Any = None) -> None:
        """No-op once the job has ended (its failure hook ran); else as the hook would."""
        from symage_pipeline.app.db import Database
        from symage_pipeline.app.records import JobTracker
        from symage_pipeline.catalog import load_catalog
        from symage_pipeline.defs.generate import end_failed_job

        db = Database(self.settings.resolved_database_url, run_migrations=False)
        tracker = JobTracker(db, self.settings.retention)
        if run is None:
            tracker.fail(job_id, error)
        else:
            end_failed_job(job_id, run, tracker, load_catalog(), self.settings.open_store(), error)
        db.dispose()

    def submit(self, job_id: str, spec: GenerationSpec | TabularSpec, *, user_id: str = "") -> str:
        self._pending.append(self._pool.submit(self.execute, job_id, spec, user_id))
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
    """Jobs of at most `settings.fast_lane_max_documents` documents run in a warm lane
    (`execute_in_process`: recorded in the instance and shown in the UI, but outside the queue's
    concurrency limit): the lane process of `symage up` when `settings.lane_url` is set
    (`defs/lane.py`), else this process's own; everything else goes through the queue and the daemon."""

    def __init__(self, settings: Settings):
        from symage_pipeline.defs.lane import LaneSubmitter

        self.settings = settings
        own = InProcessRunSubmitter(settings, max_attempts=settings.run_attempts)
        self.fast: RunSubmitter = LaneSubmitter(settings.lane_url, own) if settings.lane_url else own
        self.queued = DagsterRunSubmitter(settings)

    def submit(self, job_id: str, spec: GenerationSpec | TabularSpec, *, user_id: str = "") -> str:
        if isinstance(spec, TabularSpec):
            small = spec.rows <= self.settings.fast_lane_max_rows
        else:
            small = spec.documents_total <= self.settings.fast_lane_max_documents
        lane = self.fast if small else self.queued
        return lane.submit(job_id, spec, user_id=user_id)

    def cancel(self, run_id: str) -> None:
        self.queued.cancel(run_id)

    def health(self) -> dict[str, Any]:
        return self.queued.health()

    def close(self) -> None:
        self.fast.close()
        self.queued.close()
