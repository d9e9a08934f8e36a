"""The instance's run launcher is chosen by settings: warm run workers by default, Dagster's own
launcher with `run_workers_ready=0`."""

from __future__ import annotations

from dagster import DagsterInstance
from dagster._core.launcher import DefaultRunLauncher

from symage_pipeline.defs.instance import dagster_yaml
from symage_pipeline.defs.run_launcher import WarmRunLauncher


def _launcher(tmp_path, settings):  # type: ignore[no-untyped-def]
    (tmp_path / "dagster.yaml").write_text(dagster_yaml(settings))
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        return instance.run_launcher


def test_runs_launch_in_warm_workers_unless_turned_off(tmp_path, settings) -> None:
    launcher = _launcher(tmp_path, settings.model_copy(update={"run_workers_ready": 3}))
    assert isinstance(launcher, WarmRunLauncher) and launcher.ready == 3
    assert launcher._waiting == [] and launcher._refiller is None  # nothing starts until a launch
    assert isinstance(_launcher(tmp_path, settings.model_copy(update={"run_workers_ready": 0})), DefaultRunLauncher)


def test_the_production_instance_uses_them_too(tmp_path, settings) -> None:
    text = dagster_yaml(settings.model_copy(update={"dagster_postgres_url": "postgresql://u@127.0.0.1:5432/test"}))
    assert "class: WarmRunLauncher" in text and "ready: 2" in text


def test_dispose_ends_the_waiting_workers(tmp_path, settings) -> None:
    """A waiting worker holds no run: the daemon's exit ends it, even mid-warm-up (reading the end
    of its stdin only once warm kept `symage up`'s stop waiting ~5 s)."""
    import subprocess
    import sys

    launcher = _launcher(tmp_path, settings)
    warming = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdin=subprocess.PIPE)
    launcher._waiting.append(warming)
    launcher.dispose()
    assert warming.wait(30) == -15  # SIGTERM
    assert launcher._waiting == []
