"""The code location: assembles the jobs, their automation and their resources, nothing else."""

import dagster as dg

from symage_pipeline.defs.automation import expire_outputs, expire_outputs_schedule, job_reconciler, webhook_sender
from symage_pipeline.defs.builds import dataset_builds
from symage_pipeline.defs.generate import generate_documents
from symage_pipeline.defs.resources import StepOutputsIOManager, job_resources
from symage_pipeline.defs.tabular import generate_tabular

_, dataset_assets, build_jobs, build_schedules = dataset_builds()

defs = dg.Definitions(
    assets=dataset_assets,
    jobs=[generate_documents, generate_tabular, expire_outputs, *build_jobs],
    sensors=[webhook_sender, job_reconciler],
    schedules=[expire_outputs_schedule, *build_schedules],
    # Runs launched by the daemon keep step outputs where the artifacts are (S3 in production); the
    # in-process lane passes its own resources and keeps them in memory.
    resources={**job_resources(), "io_manager": StepOutputsIOManager()},
)
