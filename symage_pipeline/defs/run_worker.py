"""A warm run worker: a process the run launcher (`defs/run_launcher.WarmRunLauncher`) starts
before there is a run for it, so a queued job's run starts in a process that has already paid for
its imports, catalog, form templates, Dagster instance and forkserver.

It waits for one line on stdin, the id of the run to execute, executes it exactly as
``dagster api execute_run`` would (`_execute_run_command_body`: the "Started process for run"
engine event with this pid, the run's cancellation by SIGINT), and exits: one run per process, as
with Dagster's own run workers, so no state of a run leaks into the next. An empty line or the end
of stdin (the daemon that started it is gone) ends it without a run.

Run by the launcher only: ``python -m symage_pipeline.defs.run_worker`` with the instance's ref in
``SYMAGE_RUN_WORKER_INSTANCE_REF``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys

from symage_pipeline.defs.execution import preload_modules
from symage_pipeline.settings import get_settings

INSTANCE_REF_ENV = "SYMAGE_RUN_WORKER_INSTANCE_REF"


def warm_code() -> None:
    """The code location's imports and definitions, the catalog, and a document of every form
    (`pipeline.warm`: templates, label caches): what a run's first seconds would otherwise go to
    (the lane and the forkserver of step processes warm with this too)."""
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    from symage_pipeline import pipeline
    from symage_pipeline.catalog import load_catalog
    from symage_pipeline.defs.names import DEFINITIONS_MODULE

    ReconstructableRepository.for_module(DEFINITIONS_MODULE, "defs").get_definition()
    pipeline.warm(load_catalog())


def warm() -> None:
    """`warm_code`, and the forkserver a multiprocess plan forks its steps from: started now, from
    this still single-threaded process, with the same preload the executor asks for (the executor
    finds it running and reuses it)."""
    from multiprocessing import forkserver

    warm_code()
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(preload_modules(get_settings())))
    forkserver.ensure_running()


def _end_without_a_run(_signum: int, _frame: object) -> None:
    """SIGTERM before a run: exit, and take the forkserver along. It would notice its parent's end
    only after its preload (~2 s of imports), keeping `symage up`'s stop waiting for it."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)  # noqa: SLF001 - no public handle
    if pid:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    os._exit(0)


def main() -> int:
    from dagster import DagsterInstance
    from dagster._cli.api import _execute_run_command_body
    from dagster._core.instance.ref import InstanceRef
    from dagster._serdes import deserialize_value
    from dagster._utils.interrupts import capture_interrupts

    ref = deserialize_value(os.environ[INSTANCE_REF_ENV], InstanceRef)
    signal.signal(signal.SIGTERM, _end_without_a_run)
    with DagsterInstance.from_ref(ref) as instance:
        warm()
        run_id = sys.stdin.readline().strip()  # idle until here: SIGTERM simply ends the process
        sys.stdin.close()
        if not run_id:
            return 0
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # As `dagster api execute_run`: SIGINT / SIGTERM (the launcher's terminate) interrupt the
        # run, which then ends canceled, instead of killing the process mid-step.
        with capture_interrupts():
            return _execute_run_command_body(run_id, instance, lambda _event: None, set_exit_code_on_failure=False)


if __name__ == "__main__":
    sys.exit(main())
