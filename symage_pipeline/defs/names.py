"""Every Dagster name and tag the code location, the launcher and the API share, spelled once."""

LOCATION_NAME = "symage"
DEFINITIONS_MODULE = "symage_pipeline.definitions"  # the code location, as workspace.yaml names it
JOB_NAME = "generate_documents"
TABULAR_JOB_NAME = "generate_tabular"
PARTITIONS_NAME = "generation_jobs"
JOB_ID_TAG = "symage/job_id"
PARTITION_TAG = "dagster/partition"


def run_tags(job_id: str) -> dict[str, str]:
    """Tags of a job's run: its partition (the job id) and the job id the app DB knows it by."""
    return {PARTITION_TAG: job_id, JOB_ID_TAG: job_id}
