import dagster as dg

from symage_pipeline.defs.names import PARTITIONS_NAME

# One partition per generation job: the Dagster UI lists runs by the job id users see in the API.
generation_jobs_partitions = dg.DynamicPartitionsDefinition(name=PARTITIONS_NAME)
