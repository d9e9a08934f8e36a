"""`symage up` is one foreground process: SIGTERM stops every child it started, and their children."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port

pytestmark = pytest.mark.integration


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == parent and int(entry.name) not in found:
                found.add(int(entry.name))
                frontier.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_stops_api_code_server_daemon_and_webserver(tmp_path) -> None:
    port, ui_port, code_port = free_port(), free_port(), free_port()
    env = {**os.environ, "SYMAGE_DATA_DIR": str(tmp_path)}
    up = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "symage"),
            "up",
            "--port",
            str(port),
            "--ui-port",
            str(ui_port),
            "--code-port",
            str(code_port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200
                    and httpx.get(f"http://127.0.0.1:{ui_port}/server_info", timeout=1).status_code == 200
                ):
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise AssertionError("stack did not come up")
        children = _descendants(up.pid)
        assert len(children) >= 4  # code server, daemon, webserver, api (and their helpers)
        up.send_signal(signal.SIGTERM)
        assert up.wait(60) == 0
        time.sleep(0.5)
        assert [pid for pid in children if _alive(pid)] == []
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
    finally:
        if up.poll() is None:
            up.kill()


def _start(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "SYMAGE_DATA_DIR": str(data_dir), "SYMAGE_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    env.pop("SYMAGE_CODE_SERVER_PORT", None)
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "symage"), "up", "--no-ui", "--port", str(port)],
        env=env,
        stdout=(data_dir.parent / f"{data_dir.name}.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _completed_job(data_dir: Path, port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SYMAGE_DATA_DIR": str(data_dir)}
    key = subprocess.run(
        [str(Path(sys.executable).parent / "symage"), "accounts", "create-key", "u"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    auth = {"Authorization": f"Bearer {key}"}
    # 30 documents: above the in-API lane, so the run goes through this stack's queue and code server.
    job = httpx.post(f"{base}/api/v1/generate", json={"form_id": "irs_w2_2025", "quantity": 30}, headers=auth)
    assert job.status_code == 200, job.text
    job_id = job.json()["data"]["job_id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=auth).json()["data"]
        if status["status"] in ("completed", "failed"):
            assert status["status"] == "completed", status["error"]
            return
        time.sleep(0.3)
    raise AssertionError(f"job on {base} did not finish")


def _wait_up(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError("symage up did not start:\n" + log.read_text())


def test_fresh_starts_side_by_side_each_complete_a_job(tmp_path) -> None:
    """Two stacks at once on fresh data dirs: each has its own code server (a free port, never a
    shared fixed one) and its stores made once by its supervisor. (A third stack started after the
    pair stopped cost 20 s of the suite's budget; every other stack test starts after one stopped.)"""
    stacks = []
    try:
        for name in ("a", "b"):
            port = free_port()
            stacks.append((name, port, _start(tmp_path / name, port)))
        for name, port, proc in stacks:
            _wait_up(proc, port, tmp_path / f"{name}.log")
        for name, port, _ in stacks:
            _completed_job(tmp_path / name, port)
        for name, _, proc in stacks:
            assert proc.poll() is None, (tmp_path / f"{name}.log").read_text()
    finally:
        for _, _, proc in stacks:
            proc.send_signal(signal.SIGTERM)
        for _, _, proc in stacks:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def test_a_code_port_in_use_is_refused(tmp_path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(Path(sys.executable).parent / "symage"), "up", "--no-ui", "--port", str(free_port()),
             "--code-port", str(port)],
            env={**os.environ, "SYMAGE_DATA_DIR": str(tmp_path)}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode != 0
    assert f"code server port {port} is already in use" in result.stderr


def test_children_die_with_a_killed_supervisor_and_the_next_start_works(tmp_path) -> None:
    """SIGKILL cannot be passed on by the supervisor; its children still stop (their parent-death
    signal), so the ports are free and `symage up` starts again on the same data dir."""
    data_dir, port = tmp_path / "data", free_port()
    log = tmp_path / "data.log"
    first = _start(data_dir, port)
    children: set[int] = set()
    try:
        _wait_up(first, port, log)
        children = _descendants(first.pid)
        assert len(children) >= 3
        first.kill()
        first.wait(10)
        deadline = time.monotonic() + 30
        while [pid for pid in children if _alive(pid)]:
            assert time.monotonic() < deadline, [pid for pid in children if _alive(pid)]
            time.sleep(0.3)
    finally:
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    second = _start(data_dir, port)
    try:
        _wait_up(second, port, log)
        _completed_job(data_dir, port)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(60)


def test_a_job_caught_by_a_crash_of_every_process_ends_after_the_next_start(tmp_path) -> None:
    """kill -9 of the whole stack mid-job: after `symage up` on the same data dir, the job's run
    (STARTED in Dagster, its worker gone) is failed by the job_reconciler sensor and re-executed as
    attempt 2, and the job completes, charged once in full, within two minutes."""
    from dagster import DagsterInstance, RunsFilter

    data_dir, port = tmp_path / "data", free_port()
    log = tmp_path / "data.log"
    first = _start(data_dir, port)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(first, port, log)
        env = {**os.environ, "SYMAGE_DATA_DIR": str(data_dir)}
        symage = str(Path(sys.executable).parent / "symage")
        key = subprocess.run([symage, "accounts", "create-key", "u"], env=env, check=True, capture_output=True,
                             text=True).stdout.strip()  # fmt: skip
        subprocess.run([symage, "accounts", "set", "u", "--tier", "enterprise"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        auth = {"Authorization": f"Bearer {key}"}
        body = {"form_id": "irs_w2_2025", "quantity": 3000, "output_formats": ["pdf_typed"]}
        created = httpx.post(f"{base}/api/v1/generate", json=body, headers=auth).json()["data"]
        deadline = time.monotonic() + 120
        job_url = f"{base}/api/v1/jobs/{created['job_id']}"
        while httpx.get(job_url, headers=auth).json()["data"]["documents_completed"] < 50:
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.2)
    finally:
        everyone = _descendants(first.pid) | {first.pid}
        for pid in everyone:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        first.wait(10)
    second = _start(data_dir, port)
    try:
        _wait_up(second, port, log)
        deadline = time.monotonic() + 120
        while (job := httpx.get(f"{base}/api/v1/jobs/{created['job_id']}", headers=auth).json()["data"])["status"] \
                not in ("completed", "failed"):  # fmt: skip
            assert time.monotonic() < deadline, job
            time.sleep(1)
        assert job["status"] == "completed", job
        assert job["credits_charged"] == created["credits_required"] and job["documents_completed"] == 3000
        balance = httpx.get(f"{base}/api/v1/account/balance", headers=auth).json()["data"]
        assert balance["credits_allocated"] == job["credits_charged"]  # nothing held for good
        # the dataset holds what was asked, and no partial or temp file is left beside it
        assert not [p for p in (data_dir / "artifacts").rglob("*") if p.name.startswith(".tmp-")]
        runs = DagsterInstance.from_config(str(data_dir / "dagster")).get_runs(
            RunsFilter(tags={"dagster/partition": created["job_id"]}))  # fmt: skip
        assert sorted((r.tags["symage/attempt"], r.status.value) for r in runs) == [("1", "FAILURE"), ("2", "SUCCESS")]
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(60)


def test_sigterm_lets_the_running_job_finish_before_stopping(tmp_path) -> None:
    """Graceful shutdown: the API stops taking requests, the daemon stops launching runs, and the
    run in progress completes its job before `symage up` exits."""
    from symage_pipeline.app.db import Database
    from symage_pipeline.app.records import JobTracker

    data_dir, port = tmp_path / "data", free_port()
    log = tmp_path / "data.log"
    up = _start(data_dir, port)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(up, port, log)
        env = {**os.environ, "SYMAGE_DATA_DIR": str(data_dir)}
        symage = str(Path(sys.executable).parent / "symage")
        key = subprocess.run([symage, "accounts", "create-key", "u"], env=env, check=True, capture_output=True,
                             text=True).stdout.strip()  # fmt: skip
        auth = {"Authorization": f"Bearer {key}"}
        body = {"form_id": "irs_w2_2025", "quantity": 1000, "output_formats": ["pdf_typed"]}
        created = httpx.post(f"{base}/api/v1/generate", json=body, headers=auth).json()["data"]
        deadline = time.monotonic() + 120
        job_url = f"{base}/api/v1/jobs/{created['job_id']}"
        while httpx.get(job_url, headers=auth).json()["data"]["documents_completed"] == 0:
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.2)
        up.send_signal(signal.SIGTERM)
        up.wait(90)
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
    job = JobTracker(Database(f"sqlite:///{(data_dir / 'symage.db').resolve()}", run_migrations=False)).get(
        created["job_id"])  # fmt: skip
    assert job is not None and job.status == "completed", (job.status if job else None, log.read_text()[-3000:])
    assert "letting running jobs finish" in log.read_text()


def _niceness(pid: int) -> int:
    return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[16])


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_tiny_job_runs_in_the_warm_lane_not_in_the_api_and_survives_the_api(tmp_path) -> None:
    """A one-document job skips the queue but is rendered by the lane process, not the API's; it
    completes in about a second, and the lane keeps running the jobs it took when the API dies."""
    from dagster import DagsterInstance

    from symage_pipeline.defs.automation import _worker_pid

    data, port = tmp_path / "data", free_port()
    up = _start(data, port)
    try:
        _wait_up(up, port, data.parent / f"{data.name}.log")
        lanes = [p for p in _descendants(up.pid) if "symage_pipeline.defs.lane" in _cmdline(p)]
        apis = [p for p in _descendants(up.pid) if "uvicorn" in _cmdline(p)]
        assert len(lanes) == 1 and len(apis) == 1
        assert (_niceness(lanes[0]), _niceness(apis[0])) == (10, 0)  # rendering yields the cores to the API
        env = {**os.environ, "SYMAGE_DATA_DIR": str(data)}
        key = subprocess.run([str(Path(sys.executable).parent / "symage"), "accounts", "create-key", "u"],
                             env=env, check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
        auth, base = {"Authorization": f"Bearer {key}"}, f"http://127.0.0.1:{port}"

        def wait(job_id: str) -> tuple[dict, float]:
            start = time.monotonic()
            while time.monotonic() - start < 60:
                found = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=auth).json()["data"]
                if found["status"] in ("completed", "failed"):
                    return found, time.monotonic() - start
                time.sleep(0.05)
            raise AssertionError(f"job {job_id} did not finish")

        from symage_pipeline.app.db import Database
        from symage_pipeline.app.records import JobTracker

        tracker = JobTracker(Database(f"sqlite:///{data.resolve() / 'symage.db'}", run_migrations=False))
        posted = time.monotonic()
        job = httpx.post(f"{base}/api/v1/generate", json={"form_id": "irs_w2_2025", "quantity": 1}, headers=auth)
        assert job.status_code == 200, job.text
        done, _ = wait(job.json()["data"]["job_id"])
        assert done["status"] == "completed", done["error"]
        assert time.monotonic() - posted < 5  # no queue, no run-worker start (~1 s measured)
        run_id = tracker.get(done["job_id"]).dagster_run_id
        with DagsterInstance.from_config(str(data / "dagster")) as instance:
            assert _worker_pid(instance, run_id) == lanes[0]  # rendered by the lane process

        # The API dies right after handing over three tiny jobs: the lane still runs them.
        ids = [httpx.post(f"{base}/api/v1/generate", headers=auth,
                          json={"form_id": "irs_w2_2025", "quantity": 2, "seed": s}).json()["data"]["job_id"]
               for s in range(3)]  # fmt: skip
        os.kill(apis[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(tracker.get(i).status != "completed" for i in ids):
            time.sleep(0.2)
        assert [tracker.get(i).status for i in ids] == ["completed"] * 3
    finally:
        children = _descendants(up.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(up.pid, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
