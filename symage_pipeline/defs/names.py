"""Every Dagster name and tag the code location, the launcher and the API share, spelled once."""

LOCATION_NAME = "symage"
DEFINITIONS_MODULE = "symage_pipeline.definitions"  # the code location, as workspace.yaml names it
JOB_NAME = "generate_documents"
TABULAR_JOB_NAME = "generate_tabular"
PARTITIONS_NAME = "generation_jobs"
JOB_ID_TAG = "symage/job_id"
PARTITION_TAG = "dagster/partition"
ATTEMPT_TAG = "symage/attempt"  # 1 for a job's first run, n for its (n-1)th re-execution
MAX_ATTEMPTS_TAG = "symage/max_attempts"
# Set by `symage up` for its daemon alone (read once, so the daemon's children never see it): that
# process's run launcher starts warming its workers when the daemon starts (`WarmRunLauncher.prestart`).
PRESTART_ENV = "SYMAGE_PRESTART_RUN_WORKERS"


PARTITION_SET_TAG = "dagster/partition_set"
REPOSITORY_TAG = ".dagster/repository"
REPOSITORY_LABEL = f"__repository__@{LOCATION_NAME}"  # a Definitions object's repository, in this location


def run_tags(job_id: str, job_name: str = JOB_NAME, **labels: object) -> dict[str, str]:
    """Tags of a job's run, the same on every path that starts one (queue, in-process lane,
    multiprocess, re-execution): the partition (the job id) and its partition set and repository,
    which the UI's Partitions tab needs to tie runs to partitions; the job id the app DB knows it
    by; and what the job is (`symage/user_id`, `symage/forms`, `symage/quantity`, …), so the
    runs list can be filtered by account or form."""
    tags = {
        PARTITION_TAG: job_id,
        PARTITION_SET_TAG: f"{job_name}_partition_set",
        REPOSITORY_TAG: REPOSITORY_LABEL,
        JOB_ID_TAG: job_id,
    }
    tags.update({f"symage/{key}": str(value) for key, value in labels.items() if value not in (None, "")})
    return tags


def attempts_left(tags: dict[str, str]) -> bool:
    """Whether a failed run with these tags is re-executed (by the job_reconciler sensor) instead
    of ending its job: runs tagged before attempts existed have one."""
    try:
        return int(tags.get(ATTEMPT_TAG, "1")) < int(tags.get(MAX_ATTEMPTS_TAG, "1"))
    except ValueError:
        return False
