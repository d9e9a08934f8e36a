"""The job's executor: Dagster's in-process, multiprocess or Celery executor, chosen by run config.

`defs/execution.plan_execution` decides which one a job gets: one process for small jobs, the
multiprocess executor (forkserver) on this machine for bigger ones, and the Celery executor
(dagster-celery) when `SYMAGE_CELERY_BROKER_URL` names a broker: each step is then a Celery task
that any worker listening on the broker may run, on this machine or another. In-process is the
default, so a run launched from the UI's launchpad with no `execution` block just works.
"""

import threading
from collections.abc import Iterator

import dagster as dg
from dagster._core.definitions.executor_definition import (
    IN_PROC_CONFIG,
    MULTI_PROC_CONFIG,
    _core_in_process_executor_creation,
    _core_multiprocess_executor_creation,
    multiple_process_executor_requirements,
)
from dagster._core.errors import DagsterExecutionInterruptedError
from dagster._core.events import DagsterEvent
from dagster._core.execution.context.system import PlanOrchestrationContext
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster._core.execution.retries import RetryMode
from dagster._core.executor.in_process import InProcessExecutor
from dagster._utils.interrupts import pop_captured_interrupt
from dagster_celery.executor import CELERY_CONFIG, CeleryExecutor

# Set by an op that a terminate interrupted (`defs/generate.noting_terminate`), for `TerminableInProcess`.
terminated = threading.Event()


class TerminableInProcess(InProcessExecutor):
    """Dagster's in-process executor, which a terminate (SIGINT to the run's process) stops.

    Dagster's own lets the run go on to its end: an interrupt inside an op with a retry policy is
    turned into a retry of the op ("respect retry policy when interrupts occur"), and one that
    lands between steps is only recorded, and never looked at (its multiprocess executor does look,
    and kills its step processes). This one looks after every event, as the multiprocess one does,
    and ends the run canceled."""

    def execute(self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan) -> Iterator[DagsterEvent]:
        terminated.clear()  # a lane process runs run after run
        events = super().execute(plan_context, execution_plan)
        try:
            for event in events:
                yield event
                if pop_captured_interrupt() or terminated.is_set():
                    raise DagsterExecutionInterruptedError("the run was terminated")
        finally:
            events.close()


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
    plain = _core_in_process_executor_creation(config["in_process"])
    return TerminableInProcess(plain.retries, plain.step_dependency_config, plain.marker_to_close)
