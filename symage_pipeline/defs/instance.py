"""The Dagster instance: its `dagster.yaml` (from the checked-in templates in `instance_yaml/`),
its workspace, and its storage made once."""

from __future__ import annotations

import contextlib
import os
import tempfile
from importlib import resources
from pathlib import Path
from string import Template

from symage_pipeline.defs.names import LOCATION_NAME
from symage_pipeline.settings import Settings
from symage_pipeline.storage import s3_location


def _template(name: str) -> Template:
    return Template(resources.files("symage_pipeline.defs").joinpath("instance_yaml", name).read_text())


def _run_launcher(settings: Settings) -> str:
    """Runs start in warm run workers (`defs/run_launcher.py`) unless `run_workers_ready` is 0,
    which leaves Dagster's default launcher (a fresh process per run, spawned by the code server)."""
    if settings.run_workers_ready == 0:
        return ""
    return (
        "# Each run in a run worker started before it was dequeued: no import and warm-up per run.\n"
        "run_launcher:\n"
        "  module: symage_pipeline.defs.run_launcher\n"
        "  class: WarmRunLauncher\n"
        "  config:\n"
        f"    ready: {settings.run_workers_ready}\n"
    )


def dagster_yaml(settings: Settings) -> str:
    """The instance's `dagster.yaml`: the checked-in embedded template (SQLite under DAGSTER_HOME),
    or the production one (PostgreSQL storage, and S3 compute logs when the store is on S3) when
    `SYMAGE_DAGSTER_POSTGRES_URL` is set. Values are quoted by the templates; URLs carry no quotes."""
    values = {"max_concurrent_runs": settings.max_concurrent_runs, "run_launcher": _run_launcher(settings)}
    logs = _template("python_logs_json.yaml").template if settings.log_format == "json" else ""
    if settings.dagster_postgres_url is None:
        return _template("embedded.yaml").substitute(values) + logs
    text = _template("production.yaml").substitute(values, dagster_postgres_url=settings.dagster_postgres_url) + logs
    where = s3_location(settings.resolved_storage_url)
    if where is not None:
        bucket, prefix = where
        endpoint = f'    endpoint_url: "{settings.s3_endpoint_url}"' if settings.s3_endpoint_url else ""
        text += _template("compute_logs_s3.yaml").substitute(
            bucket=bucket,
            prefix="/".join(p for p in (prefix, "dagster/compute-logs") if p),
            local_dir=str(settings.resolved_dagster_home / "compute-logs-staging"),
            endpoint=endpoint,
        )
    return text


def _replace_text(path: Path, text: str) -> None:
    """`path` holds `text`, and no reader ever sees it half-written: every process of a stack
    writes the instance's files when it first opens the instance, while the others read them. A
    truncated `dagster.yaml` reads as no configuration, that is an SQLite instance: a PostgreSQL
    stack once grew `dagster/history/` so. Unchanged files are not written at all."""
    with contextlib.suppress(FileNotFoundError):
        if path.read_text() == text:
            return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # as `write_text` made it (mkstemp's file is the owner's only)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_dagster_home(settings: Settings) -> Path:
    home = settings.resolved_dagster_home
    home.mkdir(parents=True, exist_ok=True)
    _replace_text(home / "dagster.yaml", dagster_yaml(settings))
    if settings.code_server_port is not None:
        _replace_text(
            home / "workspace.yaml",
            "load_from:\n"
            "  - grpc_server:\n"
            f"      host: {settings.code_server_host}\n"
            f"      port: {settings.code_server_port}\n"
            f"      location_name: {LOCATION_NAME}\n",
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
