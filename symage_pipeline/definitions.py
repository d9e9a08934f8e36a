"""The code location: assembles the jobs, their automation and their resources, nothing else."""

import dagster as dg

from symage_pipeline.defs.automation import expire_outputs, expire_outputs_schedule, job_reconciler, webhook_sender
from symage_pipeline.defs.generate import generate_documents
from symage_pipeline.defs.resources import StepOutputsIOManager, job_resources
from symage_pipeline.defs.tabular import generate_tabular

defs = dg.Definitions(
    jobs=[generate_documents, generate_tabular, expire_outputs],
    sensors=[webhook_sender, job_reconciler],
    schedules=[expire_outputs_schedule],
    # Runs launched by the daemon keep step outputs where the artifacts are (S3 in production); the
    # in-process lane passes its own resources and keeps them in memory.
    resources={**job_resources(), "io_manager": StepOutputsIOManager()},
)
