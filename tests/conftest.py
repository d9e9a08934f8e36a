"""Shared fixtures: isolated settings, an app on a temp data dir, a real PostgreSQL database, a live stack."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.main import create_app
from symage_pipeline.defs.launch import InProcessRunSubmitter
from symage_pipeline.settings import Settings
from tests.helpers import free_port

PG_ADMIN_URL = os.environ.get("SYMAGE_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
ADMIN_TOKEN = "test-admin-token"
INTERNAL_TOKEN = "test-internal-token"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        admin_token=ADMIN_TOKEN,
        internal_token=INTERNAL_TOKEN,
        public_url="http://testserver",
        default_credits=1_000_000,
    )


@contextmanager
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the machine's server (127.0.0.1:5432, trust auth)."""
    name = f"symage_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    with pg_database() as url:
        yield url


class Api:
    """A TestClient plus helpers to make accounts and keys the way an operator would."""

    def __init__(self, client: TestClient, submitter: InProcessRunSubmitter):
        self.client = client
        self.submitter = submitter

    def account(self, user_id: str, **changes: object) -> dict:
        response = self.client.put(
            f"/api/admin/accounts/{user_id}", json=changes, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def key(self, user_id: str, scopes: list[str] | None = None) -> str:
        body: dict = {"name": "test"}
        if scopes is not None:
            body["scopes"] = scopes
        response = self.client.post(
            "/api/internal/api-keys",
            json=body,
            headers={"x-user-id": user_id, "X-Internal-Token": INTERNAL_TOKEN},
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]["api_key"]

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def wait(self, key: str, job_id: str, timeout: float = 60) -> dict:
        self.submitter.drain()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.client.get(f"/api/v1/jobs/{job_id}", headers=self.auth(key)).json()["data"]
            if job["status"] in ("completed", "failed"):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not finish")


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """The app with runs executed in-process (a real Dagster run against a temp instance)."""
    submitter = InProcessRunSubmitter(settings)
    with TestClient(create_app(settings, submitter)) as client:
        yield Api(client, submitter)


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`symage up --no-ui` as a user runs it: API, code server and daemon as real processes."""
    data_dir = tmp_path_factory.mktemp("live")
    port, code_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SYMAGE_DATA_DIR": str(data_dir),
        "SYMAGE_PUBLIC_URL": base,
        "SYMAGE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SYMAGE_INTERNAL_TOKEN": INTERNAL_TOKEN,
        # the webhook tests deliver to a receiver on loopback
        "SYMAGE_ALLOW_PRIVATE_WEBHOOKS": "true",
    }
    bindir = Path(sys.executable).parent
    log = (data_dir / "up.log").open("wb")
    proc = subprocess.Popen(
        [str(bindir / "symage"), "up", "--no-ui", "--port", str(port), "--code-port", str(code_port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, (data_dir / "up.log").read_text()
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            raise AssertionError("symage up did not start:\n" + (data_dir / "up.log").read_text())
        key = subprocess.run(
            [str(bindir / "symage"), "accounts", "create-key", "sdk-user"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        yield {"base_url": base, "api_key": key, "data_dir": str(data_dir), "log": str(data_dir / "up.log")}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
