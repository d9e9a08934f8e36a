"""Dagster: the generate job (ops, config, execution plan), its resources and partitions, run
launching and the instance's configuration. `symage_pipeline.definitions` assembles these."""
