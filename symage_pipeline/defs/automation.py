"""What the Dagster daemon runs on its own: the webhook sender (a sensor) and the expiry sweep (a
schedule). Both default to running, so `symage up` delivers webhooks and removes expired outputs
with nothing switched on by hand, and both show in the UI's Automation tab."""

from functools import cache

import dagster as dg

from symage_pipeline.app.db import Database
from symage_pipeline.app.records import due_for_expiry, mark_expired
from symage_pipeline.app.webhooks import send_due
from symage_pipeline.defs.resources import AppDatabaseResource, ArtifactStoreResource
from symage_pipeline.keys import job_prefix
from symage_pipeline.settings import get_settings

WEBHOOK_TICK_SECONDS = 5  # retries are due after 10 s, 60 s, 300 s: a 5 s tick keeps them on time


@cache
def _database(url: str) -> Database:
    return Database(url, run_migrations=False)


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
