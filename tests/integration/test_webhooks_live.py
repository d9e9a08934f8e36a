"""Webhooks through `symage up`: the daemon's sensor delivers from the outbox, and a delivery
whose first attempt failed is still retried, with the same id, after the whole stack restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import Receiver, free_port, until

pytestmark = pytest.mark.integration


def _up(data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "SYMAGE_DATA_DIR": str(data_dir),
        "SYMAGE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SYMAGE_ALLOW_PRIVATE_WEBHOOKS": "true",
    }
    env.pop("SYMAGE_CODE_SERVER_PORT", None)
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "symage"), "up", "--no-ui", "--port", str(port)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError("symage up did not start:\n" + log.read_text())


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_the_daemon_delivers_and_a_retry_survives_a_restart(tmp_path: Path) -> None:
    from symagedocs import Client
    from symagedocs.webhooks import verify_signature

    receiver = Receiver(answers=[500])
    data_dir, port, log = tmp_path / "data", free_port(), tmp_path / "up.log"
    stack = _up(data_dir, port, log)
    try:
        key = subprocess.run(
            [str(Path(sys.executable).parent / "symage"), "accounts", "create-key", "hooks"],
            env={**os.environ, "SYMAGE_DATA_DIR": str(data_dir)}, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        client = Client(api_key=key, base_url=f"http://127.0.0.1:{port}")
        secret = client.webhooks.create(url=receiver.url, events=["job.completed"])["signing_secret"]
        job = client.generate.create("irs_w2_2025", quantity=1, seed=2)
        assert client.generate.wait(job.job_id, poll_interval=0.3).status == "completed"
        until(lambda: len(receiver.requests) == 1, 60, "the sensor made no first attempt")
        _stop(stack)
        until(lambda: not _listening(port), 30, "the API port stayed in use after the stop")
        stack = _up(data_dir, port, log)
        until(lambda: len(receiver.requests) == 2, 90, "the retry was not sent after the restart")
        (first, _), (second, body) = receiver.requests
        assert first["x-symagedocs-delivery"] == second["x-symagedocs-delivery"]
        assert verify_signature(body, second["x-symagedocs-signature"], secret)
    finally:
        _stop(stack)
        receiver.close()
