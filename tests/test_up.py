"""`symage up` is one foreground process: SIGTERM stops every child it started, and their children."""

from __future__ import annotations

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
