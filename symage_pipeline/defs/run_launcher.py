"""The instance's run launcher: each run in a run worker started before the run was dequeued.

Dagster's default launcher asks the code server to spawn a fresh process per run, which then
imports Dagster and the code location, loads the catalog and templates and, for a multiprocess
plan, starts its forkserver: ~2–4 s of every queued job, most of a 1,000-document job's time.
`WarmRunLauncher` keeps `ready` such processes (`defs/run_worker.py`) waiting, each already
through that start-up, and hands a run to one with a line on its stdin. It starts the next ones
only once no run it launched is still running: a worker's warm-up is ~5 s of CPU (its own and its
forkserver's imports), which, started beside a run, slowed that run by as much (measured: a
1,000-document run right after three small ones took 20 s instead of 9). A burst of runs larger
than `ready` starts the rest cold, as the default launcher would.

Still one process per run (nothing of a run outlives it), still a child of this machine's daemon
(the only process that launches runs: the queue's coordinator), so the job_reconciler's check of
a run's worker pid holds. Workers are started at the first launch, or, in the daemon `symage up`
starts, when it starts (`prestart`), so the API, webserver and step processes, which load the same
instance, never start any. A worker runs the code the daemon's
interpreter imports: `symage up` restarts both together.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from dagster import Field, IntSource
from dagster._core.launcher import LaunchRunContext, RunLauncher
from dagster._serdes import ConfigurableClass, ConfigurableClassData, serialize_value

from symage_pipeline.defs.run_worker import INSTANCE_REF_ENV

WORKER_PID_TAG = "symage/run_worker_pid"
WARM_SECONDS = 5.0  # a worker's warm-up on this 2-core machine: ~3 s, its forkserver's imports ~2 s more


class WarmRunLauncher(RunLauncher, ConfigurableClass):
    def __init__(self, inst_data: ConfigurableClassData | None = None, ready: int = 2):
        self._inst_data = inst_data
        self.ready = ready
        self._waiting: list[subprocess.Popen] = []  # started, not yet given a run (oldest first)
        self._running: list[subprocess.Popen] = []  # given a run; reaped once they exit
        self._lock = threading.Lock()
        self._refiller: threading.Thread | None = None
        super().__init__()

    @property
    def inst_data(self) -> ConfigurableClassData | None:
        return self._inst_data

    @classmethod
    def config_type(cls) -> dict:
        return {"ready": Field(IntSource, is_required=False, default_value=2)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]) -> WarmRunLauncher:
        return cls(inst_data=inst_data, **config_value)

    def _start_worker(self) -> subprocess.Popen:
        env = {**os.environ, INSTANCE_REF_ENV: serialize_value(self._instance.get_ref())}
        return subprocess.Popen(
            [sys.executable, "-m", "symage_pipeline.defs.run_worker"], stdin=subprocess.PIPE, env=env, close_fds=True
        )

    def _take(self) -> subprocess.Popen:
        """The oldest waiting worker that is alive (it may still be warming: the run id waits in its
        pipe), else a new one."""
        while self._waiting:
            worker = self._waiting.pop(0)
            if worker.poll() is None:
                return worker
        return self._start_worker()

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        with self._lock:
            self._running = [w for w in self._running if w.poll() is None]  # reap the finished
            for _attempt in range(2):
                worker = self._take()
                try:
                    assert worker.stdin is not None
                    worker.stdin.write(f"{run.run_id}\n".encode())
                    worker.stdin.close()
                    break
                except BrokenPipeError:  # it died while waiting: the next one
                    worker.wait()
            self._running.append(worker)
            self._instance.add_run_tags(run.run_id, {WORKER_PID_TAG: str(worker.pid)})
            self._start_refilling()

    def prestart(self) -> None:
        """Start warming the `ready` workers now rather than at the first launch, the first one at
        once: the daemon's launcher, which `symage up` asks for (`PRESTART_ENV`). Without it the
        first queued job after a start paid a cold worker and forkserver: 8-9 s for 1,000
        documents against ~3 s. It waited `WARM_SECONDS` for the daemon's own start-up until
        `symage up` started its children together (2026-12-08): a job posted once the API answered
        then found the first worker still warming (21 documents: ~4.3 s, against ~1.1 s now; the
        API answers ~1 s later, ~7.5-8.5 s after `symage up`, as the warm-up shares the cores)."""
        with self._lock:
            self._start_refilling()

    def _start_refilling(self) -> None:
        if self._refiller is None and self.ready:
            self._refiller = threading.Thread(target=self._refill, name="symage-run-workers", daemon=True)
            self._refiller.start()

    def _refill(self, every: float = 0.5) -> None:
        """Top the waiting workers up to `ready` whenever none of our runs is running, one at a
        time (`WARM_SECONDS` apart, the first at once), so warming takes one core at most."""
        next_start = time.monotonic()
        while self._refiller is not None:
            with self._lock:
                self._running = [w for w in self._running if w.poll() is None]
                self._waiting = [w for w in self._waiting if w.poll() is None]
                now = time.monotonic()
                if not self._running and len(self._waiting) < self.ready and now >= next_start:
                    self._waiting.append(self._start_worker())
                    next_start = now + WARM_SECONDS
            time.sleep(every)

    def terminate(self, run_id: str) -> bool:
        """As the default launcher's: the run is marked canceling and its worker interrupted
        (SIGINT, what `dagster api execute_run` handles by ending the run canceled)."""
        run = self._instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            return False
        self._instance.report_run_canceling(run)
        pid = run.tags.get(WORKER_PID_TAG)
        if pid is None:
            return False
        try:
            os.kill(int(pid), signal.SIGINT)
        except (ProcessLookupError, ValueError):
            return False
        return True

    def dispose(self) -> None:
        """Waiting workers are ended; running ones finish their run.

        A waiting worker holds no run, so it is terminated rather than left to read the end of its
        stdin: one still warming would only read it when done, and `symage up`'s stop waits for the
        daemon's process group (~5 s more on every stop that came soon after a start)."""
        with self._lock:
            self._refiller = None
            for worker in self._waiting:
                if worker.stdin is not None:
                    worker.stdin.close()
                if worker.poll() is None:
                    worker.terminate()
            self._waiting.clear()
