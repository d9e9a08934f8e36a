"""A `symage up --no-ui` of a test's own, on its own data dir and settings: for behaviour that
needs settings the shared `live_stack` cannot have (injected failures, one run attempt,
PostgreSQL and S3)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import free_port
from tests.integration.test_up import _wait_up

SYMAGE = str(Path(sys.executable).parent / "symage")


@dataclass(frozen=True)
class Stack:
    root: str  # http://127.0.0.1:PORT (the client's base URL)
    base: str  # .../api/v1
    key: str
    env: dict[str, str]
    data_dir: Path

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@contextmanager
def own_stack(tmp_path: Path, settings: dict[str, str], user: str = "u") -> Iterator[Stack]:
    """Started with `settings` (environment variables) over the defaults, a key made for `user`;
    stopped with SIGTERM at the end (SIGKILL after 30 s)."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SYMAGE_DATA_DIR": str(tmp_path / "data"), "SYMAGE_PUBLIC_URL": root, **settings}
    env.pop("SYMAGE_CODE_SERVER_PORT", None)
    log = tmp_path / "up.log"
    up = subprocess.Popen([SYMAGE, "up", "--no-ui", "--port", str(port)], env=env, stdout=log.open("wb"),
                          stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        _wait_up(up, port, log)
        key = subprocess.run([SYMAGE, "accounts", "create-key", user], env=env, check=True, capture_output=True,
                             text=True).stdout.strip()  # fmt: skip
        yield Stack(root, f"{root}/api/v1", key, env, Path(env["SYMAGE_DATA_DIR"]))
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
