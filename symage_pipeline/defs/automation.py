"""What the Dagster daemon runs on its own: the webhook sender and the job reconciler (sensors)
and the expiry sweep (a schedule). All default to running, so `symage up` delivers webhooks,
recovers jobs after a crash and removes expired outputs with nothing switched on by hand, and all
show in the UI's Automation tab."""

import os
import time
from functools import cache

import dagster as dg
from dagster._core.events import DagsterEventType

from symage_pipeline.app.db import Database
from symage_pipeline.app.records import JobTracker, due_for_expiry, mark_expired, unfinished_jobs
from symage_pipeline.app.recovery import DEAD, MISSING, RunView, recovery_actions
from symage_pipeline.app.webhooks import send_due
from symage_pipeline.catalog import Catalog, load_catalog
from symage_pipeline.defs.generate import end_failed_job, generate_documents
from symage_pipeline.defs.launch import DagsterRunSubmitter, job_run_config, job_tags
from symage_pipeline.defs.names import ATTEMPT_TAG, MAX_ATTEMPTS_TAG, PARTITIONS_NAME
from symage_pipeline.defs.resources import AppDatabaseResource, ArtifactStoreResource
from symage_pipeline.defs.tabular import generate_tabular
from symage_pipeline.keys import job_prefix
from symage_pipeline.settings import Settings, get_settings

WEBHOOK_TICK_SECONDS = 5  # retries are due after 10 s, 60 s, 300 s: a 5 s tick keeps them on time
LANE_GRACE_SECONDS = 60
ENDING = "ENDING"  # failed, and the process that ran it is ending its job
RECONCILE_TICK_SECONDS = 10  # a job whose run failed or died ends within a tick of the daemon


@cache
def _database(url: str) -> Database:
    return Database(url, run_migrations=False)


@cache
def _catalog() -> Catalog:
    return load_catalog()


@dg.sensor(
    name="webhook_sender",
    minimum_interval_seconds=WEBHOOK_TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sends due webhook deliveries from the app DB's outbox (signed, retried 10/60/300 s).",
)
def webhook_sender(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    settings = get_settings()
    counts = send_due(_database(settings.resolved_database_url), settings)
    return dg.SkipReason(", ".join(f"{n} {outcome}" for outcome, n in counts.items()))


@dg.op
def remove_expired_outputs(
    context: dg.OpExecutionContext, app_db: AppDatabaseResource, artifacts: ArtifactStoreResource
) -> int:
    """Deletes each expired job's files, then marks it `expired` (downloads answer 410 from the
    moment it expires, before this runs)."""
    expired = due_for_expiry(app_db.tracker.db)
    for job_id in expired:
        artifacts.store.delete_prefix(job_prefix(job_id))
        mark_expired(app_db.tracker.db, job_id)
    context.add_output_metadata({"jobs_expired": len(expired)})
    return len(expired)


@dg.job(name="expire_outputs", description="Removes the artifacts of jobs past their retention.")
def expire_outputs() -> None:
    remove_expired_outputs()


@dg.schedule(
    name="expire_outputs_every_10_minutes",
    job=expire_outputs,
    cron_schedule="*/10 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def expire_outputs_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """A run only when some job is past its retention: no empty run in the UI every ten minutes."""
    settings = get_settings()
    due = due_for_expiry(_database(settings.resolved_database_url), limit=1)
    return dg.RunRequest() if due else dg.SkipReason("no job past its retention")


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid of the process executing the run: the first engine event that names one (the run
    worker's "Started process for run", or the in-process executor's own)."""
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        data = record.dagster_event.event_specific_data if record.dagster_event else None
        pid = (getattr(data, "metadata", None) or {}).get("pid")
        if pid is not None:
            return int(pid.value)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_view(instance: dg.DagsterInstance, run_id: str, *, local_workers: bool = True) -> RunView:
    """The run's status (MISSING, or DEAD: STARTED with its worker gone, which the default run
    launcher's run monitoring cannot see, as it has no worker health check; only where run workers
    are processes of this machine, `local_workers`) and its attempt of how many."""
    run = instance.get_run_by_id(run_id)
    if run is None:
        return RunView(MISSING)
    state = run.status.value
    if run.status == dg.DagsterRunStatus.STARTED and local_workers:
        pid = _worker_pid(instance, run_id)
        if pid is not None and not _alive(pid):
            state = DEAD
    try:
        view = RunView(state, int(run.tags.get(ATTEMPT_TAG, "1")), int(run.tags.get(MAX_ATTEMPTS_TAG, "1")))
    except ValueError:
        view = RunView(state)
    if view.state == "FAILURE" and view.attempt >= view.max_attempts and not run.remote_job_origin:
        # A run of a process's lane that just failed is being ended by that process (its partial
        # dataset bundled): only a lane that died with it leaves it to us.
        record = instance.get_run_record_by_id(run_id)
        ended = record.end_time if record else None
        if ended is not None and time.time() - ended < LANE_GRACE_SECONDS:
            return RunView(ENDING, view.attempt, view.max_attempts)
    return view


_submitters: dict[tuple, DagsterRunSubmitter] = {}


def _submitter(settings: Settings) -> DagsterRunSubmitter:
    """Re-executions go through the code server and the run queue, as the UI's button does."""
    where = (settings.code_server_host, settings.code_server_port, settings.resolved_dagster_home)
    if where not in _submitters:
        _submitters[where] = DagsterRunSubmitter(settings)
    return _submitters[where]


@dg.sensor(
    name="job_reconciler",
    jobs=[generate_documents, generate_tabular],
    minimum_interval_seconds=RECONCILE_TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-executes failed runs from failure (a lost worker counts as a failure) while "
    "they have attempts left (symage/attempt of symage/max_attempts), then ends their jobs, "
    "refunding what was not made; submits a run for jobs that never got one (an API that died "
    "with them in its lane).",
)
def job_reconciler(context: dg.SensorEvaluationContext):  # type: ignore[no-untyped-def]
    settings = get_settings()
    db = _database(settings.resolved_database_url)
    instance = context.instance
    jobs = {job.job_id: job for job in unfinished_jobs(db)}
    views: dict[str, RunView] = {}

    def view(run_id: str) -> RunView:
        views[run_id] = run_view(instance, run_id, local_workers=settings.reconcile_local_workers)
        return views[run_id]

    tracker = JobTracker(db, settings.retention)
    done: list[str] = []
    for recovery in recovery_actions(jobs.values(), view):
        job = jobs[recovery.job_id]
        run_id = job.dagster_run_id or ""
        if recovery.action in ("fail", "retry") and views[run_id].state == DEAD:
            run = instance.get_run_by_id(run_id)
            if run is not None:
                instance.report_run_failed(run, f"job_reconciler: {recovery.reason}")
        if recovery.action == "fail":
            run = instance.get_run_by_id(run_id) if run_id else None
            if run is None:
                tracker.fail(job.job_id, recovery.reason)
            else:  # what its finished chunks made stays downloadable, and is what is charged
                end_failed_job(job.job_id, run, tracker, _catalog(), settings.open_store(), recovery.reason)
            done.append(f"failed {job.job_id}")
            continue
        if recovery.action == "retry":
            parent = instance.get_run_by_id(run_id)
            # From failure where the parent's step outputs can be trusted. A run made in a
            # process's lane kept them in memory, and one whose worker was killed mid-step can leave
            # an output recorded for a step that never finished (re-executing it from failure then
            # fails to load that input): run every step again, the same request makes the same bytes.
            from_failure = parent is not None and parent.remote_job_origin and views[run_id].state != DEAD
            config = None if from_failure else job_run_config(job.job_id, job.request, settings)[1]
            new_run = _submitter(settings).reexecute(run_id, attempt=recovery.attempt, run_config=config)
            if from_failure:  # a failed step takes its progress back; the chunks that succeeded stay done
                tracker.resume(job.job_id, run_id=new_run)
            else:
                tracker.restart(job.job_id, run_id=new_run)
            context.log.info(f"re-executing {job.job_id} as run {new_run}: {recovery.reason}")
            done.append(f"re-executed {job.job_id} (attempt {recovery.attempt})")
            continue
        instance.add_dynamic_partitions(PARTITIONS_NAME, [job.job_id])
        spec = job.request
        name, config = job_run_config(job.job_id, spec, settings)
        context.log.info(f"resubmitting {job.job_id}: {recovery.reason}")
        yield dg.RunRequest(
            run_key=f"recover-{job.job_id}",  # at most one recovery run per job
            job_name=name,
            partition_key=job.job_id,
            run_config=config,
            tags={
                **job_tags(job.job_id, spec, job.user_id, max_attempts=settings.run_attempts),
                "symage/recovered": "true",
            },
        )
        done.append(f"resubmitted {job.job_id}")
    if not any(d.startswith("resubmitted") for d in done):
        yield dg.SkipReason("; ".join(done) or f"{len(jobs)} unfinished jobs, all with a live run")
