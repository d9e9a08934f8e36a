"""The job's executor: Dagster's in-process, multiprocess or Celery executor, chosen by run config.

`defs/execution.plan_execution` decides which one a job gets: one process for small jobs, the
multiprocess executor (forkserver) on this machine for bigger ones, and the Celery executor
(dagster-celery) when `SYMAGE_CELERY_BROKER_URL` names a broker: each step is then a Celery task
that any worker listening on the broker may run, on this machine or another. In-process is the
default, so a run launched from the UI's launchpad with no `execution` block just works.
"""

import dagster as dg
from dagster._core.definitions.executor_definition import (
    IN_PROC_CONFIG,
    MULTI_PROC_CONFIG,
    _core_in_process_executor_creation,
    _core_multiprocess_executor_creation,
    multiple_process_executor_requirements,
)
from dagster._core.execution.retries import RetryMode
from dagster_celery.executor import CELERY_CONFIG, CeleryExecutor


def _requirements(config: dict) -> list:
    return [] if "in_process" in config else list(multiple_process_executor_requirements())


@dg.executor(
    name="symage_executor",
    config_schema=dg.Field(
        dg.Selector({"in_process": IN_PROC_CONFIG, "multiprocess": MULTI_PROC_CONFIG, "celery": CELERY_CONFIG}),
        default_value={"in_process": {}},
    ),
    requirements=_requirements,
)
def symage_executor(init_context: dg.InitExecutorContext) -> dg.Executor:
    config = init_context.executor_config
    if "celery" in config:
        celery = config["celery"]
        return CeleryExecutor(
            broker=celery.get("broker"),
            backend=celery.get("backend"),
            include=celery.get("include"),
            config_source=celery.get("config_source"),
            retries=RetryMode.from_config(celery["retries"]),
        )
    if "multiprocess" in config:
        return _core_multiprocess_executor_creation(config["multiprocess"])
    return _core_in_process_executor_creation(config["in_process"])
