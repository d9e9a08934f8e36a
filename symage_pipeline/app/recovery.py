"""Which unfinished jobs need a hand after a failure or a crash, and what to do for each.

Whatever died (the lane or the API with tiny jobs waiting, the daemon, a run worker, all of them),
a job must end: the Dagster run it waits on is either alive; or it failed, or its worker is gone
while Dagster still says STARTED (the default run launcher cannot see that), and then the run is
re-executed from failure while it has attempts left, else the job fails (refunding what was not
made); or there is no run at all (submit one for its partition: the same request makes the same
bytes). Pure logic: the `job_reconciler` sensor reads run states from the instance and carries the
actions out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from symage_pipeline.app.db import Job
from symage_pipeline.app.times import aware

# How a job's run looks from the instance: a Dagster run status, or one of these.
MISSING = "MISSING"  # the job has a run id the instance does not know
DEAD = "DEAD"  # STARTED, but its run worker process is gone
RETRYABLE = ("FAILURE", DEAD)  # re-executed while the run has attempts left
ENDED_BADLY = ("FAILURE", "CANCELED", DEAD)
# A job without a run this long after creation lost its submission (a lane process, or an API
# running its own lane, that died with it waiting); the lane runs tiny jobs in well under a second each.
NO_RUN_GRACE = timedelta(seconds=90)


@dataclass(frozen=True)
class RunView:
    state: str  # a Dagster run status, MISSING or DEAD
    attempt: int = 1
    max_attempts: int = 1


@dataclass(frozen=True)
class Recovery:
    job_id: str
    action: str  # "fail" | "resubmit" | "retry"
    reason: str
    attempt: int = 1  # of the run a "retry" starts


def recovery_actions(
    jobs: Iterable[Job], run_view: Callable[[str], RunView], *, now: datetime | None = None
) -> list[Recovery]:
    now = now or datetime.now(UTC)
    actions = []
    for job in jobs:
        run_id = job.dagster_run_id
        if not run_id:
            if now - aware(job.created_at) >= NO_RUN_GRACE and job.status == "pending":
                actions.append(Recovery(job.job_id, "resubmit", "no run was ever started for it"))
            continue
        view = run_view(run_id)
        if view.state == MISSING:
            actions.append(Recovery(job.job_id, "resubmit", f"its run {run_id} is not in the instance"))
        elif view.state in ENDED_BADLY:
            how = "lost its run worker" if view.state == DEAD else f"ended {view.state.lower()}"
            if view.state in RETRYABLE and view.attempt < view.max_attempts:
                reason = f"Dagster run {run_id} (attempt {view.attempt} of {view.max_attempts}) {how}"
                actions.append(Recovery(job.job_id, "retry", reason, attempt=view.attempt + 1))
            else:
                actions.append(Recovery(job.job_id, "fail", f"Dagster run {run_id} {how}"))
    return actions
