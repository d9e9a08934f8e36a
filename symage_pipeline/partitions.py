import dagster as dg

# One partition per generation job: the Dagster UI lists runs by the job id users see in the API.
generation_jobs_partitions = dg.DynamicPartitionsDefinition(name="generation_jobs")
