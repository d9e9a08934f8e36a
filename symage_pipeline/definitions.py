"""The code location: assembles the job and its resources, nothing else."""

import dagster as dg

from symage_pipeline.defs.generate import generate_documents
from symage_pipeline.defs.resources import job_resources

defs = dg.Definitions(jobs=[generate_documents], resources=job_resources())
