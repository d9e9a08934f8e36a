"""`symage up --no-ui` on a temp data dir for the end-to-end benchmarks, and keys on it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Stack:
    base: str
    env: dict[str, str]

    def symage(self, *args: str) -> str:
        return subprocess.run(
            [str(BIN / "symage"), *args], env=self.env, check=True, capture_output=True, text=True
        ).stdout.strip()

    def key(self, user: str, tier: str | None = None) -> str:
        if tier:
            self.symage("accounts", "set", user, "--tier", tier)
        return self.symage("accounts", "create-key", user)


@contextmanager
def symage_up() -> Iterator[Stack]:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "SYMAGE_DATA_DIR": tmp}
        with open(Path(tmp) / "up.log", "wb") as log:
            proc = subprocess.Popen(
                [str(BIN / "symage"), "up", "--no-ui", "--port", str(port), "--code-port", str(free_port())],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                for _ in range(300):
                    try:
                        if httpx.get(f"{base}/api/v1/health").status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.2)
                yield Stack(base, env)
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(60)
