"""What `symage up`'s stop waits for: live processes only, and no forkserver left preloading."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from symage_pipeline.cli.up import _group_alive
from tests.helpers import until
from tests.integration.test_up import _alive


def test_a_group_of_zombies_is_not_alive() -> None:
    """A run worker the daemon's exit orphaned is a zombie until PID 1 reaps it, which some inits
    take seconds to do; the stop must not wait for that."""
    child = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    until(lambda: not _alive(child.pid), 30, "the child did not end")
    assert Path(f"/proc/{child.pid}").exists()  # a zombie: not reaped yet
    os.killpg(child.pid, 0)  # a signal test still finds the group...
    assert not _group_alive(child.pid)  # ...but nothing in it runs
    child.wait()


def test_a_live_group_is_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        assert _group_alive(child.pid)
    finally:
        child.kill()
        child.wait()


def test_a_waiting_run_worker_stopped_takes_its_forkserver_along(tmp_path: Path) -> None:
    """A worker stopped while its forkserver still imports its preload: the forkserver goes too,
    instead of noticing only after the preload (here 60 s; ~2 s of real imports)."""
    (tmp_path / "slow_preload.py").write_text("import time\ntime.sleep(60)\n")
    script = textwrap.dedent(
        """
        import multiprocessing, signal, time
        from multiprocessing import forkserver
        from symage_pipeline.defs.run_worker import _end_without_a_run
        signal.signal(signal.SIGTERM, _end_without_a_run)
        multiprocessing.get_context("forkserver").set_forkserver_preload(["slow_preload"])
        forkserver.ensure_running()
        print(forkserver._forkserver._forkserver_pid, flush=True)
        time.sleep(60)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", ""), os.getcwd()])}
    worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    assert worker.stdout is not None
    forkserver_pid = int(worker.stdout.readline())
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    until(lambda: not _alive(forkserver_pid), 30, "the forkserver kept preloading after its worker was stopped")
