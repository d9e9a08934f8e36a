"""The embedded Dagster instance: its `dagster.yaml`, its workspace, and its storage made once.

Queued runs are dequeued every second: the default 5 s adds 2.5–5 s to every job
(docs/decisions/dagster-overhead.md).
"""

from __future__ import annotations

from pathlib import Path

from symage_pipeline.defs.names import LOCATION_NAME
from symage_pipeline.settings import Settings


def write_dagster_home(settings: Settings) -> Path:
    home = settings.resolved_dagster_home
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        "run_coordinator:\n"
        "  module: dagster._core.run_coordinator\n"
        "  class: QueuedRunCoordinator\n"
        "  config:\n"
        f"    max_concurrent_runs: {settings.max_concurrent_runs}\n"
        "    dequeue_interval_seconds: 1\n"
        # Runs stuck STARTING (a run worker that never came up) fail after start_timeout; a STARTED
        # run whose worker died is the job_reconciler sensor's (the default launcher has no health
        # check).
        "run_monitoring:\n"
        "  enabled: true\n"
        "  start_timeout_seconds: 180\n"
        "  poll_interval_seconds: 30\n"
        "telemetry:\n"
        "  enabled: false\n"
    )
    if settings.code_server_port is not None:
        (home / "workspace.yaml").write_text(
            "load_from:\n"
            "  - grpc_server:\n"
            f"      host: {settings.code_server_host}\n"
            f"      port: {settings.code_server_port}\n"
            f"      location_name: {LOCATION_NAME}\n"
        )
    return home


def prepare_instance(settings: Settings) -> Path:
    """Create and migrate every store of the instance in this one process.

    `symage up` calls this before any child starts: children that each create the SQLite storage
    of a fresh data dir at the same moment race ("table runs already exists", or an
    `alembic_version` with two heads that breaks every later run submission).
    """
    from dagster import AssetKey, DagsterInstance

    home = write_dagster_home(settings)
    with DagsterInstance.from_config(str(home)) as instance:
        instance.get_runs(limit=1)  # run storage
        instance.all_instigator_state()  # schedule storage
        instance.get_latest_materialization_event(AssetKey("symage_probe"))  # event log index
    return home
