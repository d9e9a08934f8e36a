"""The same job on Dagster's Celery executor (dagster-celery): two Celery worker processes on the
broker run the chunks' steps, and the dataset is byte-identical to the one-process run's. Needs a
broker: Redis at 127.0.0.1:6379 (`.ci/run` starts one when none answers), or
SYMAGE_TEST_CELERY_BROKER."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from symage_pipeline.defs.instance import prepare_instance
from symage_pipeline.defs.launch import InProcessRunSubmitter
from symage_pipeline.settings import Settings
from tests.conftest import Api

pytestmark = [pytest.mark.integration, pytest.mark.celery]

BROKER = os.environ.get("SYMAGE_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/7")
BODY = {"form_id": "irs_w2_2025", "quantity": 60, "seed": 8, "output_formats": ["pdf_typed"]}


def _dataset(settings: Settings) -> tuple[dict, bytes, InProcessRunSubmitter]:
    submitter = InProcessRunSubmitter(settings, quiet=True)
    with TestClient(create_app(settings, submitter)) as client:
        api = Api(client, submitter)
        key = api.key("celery")
        created = client.post("/api/v1/generate", json=BODY, headers=api.auth(key)).json()["data"]
        job = api.wait(key, created["job_id"], timeout=180)
        assert job["status"] == "completed", job["error"]
        dataset = client.get(f"/api/v1/jobs/{job['job_id']}/download/dataset", headers=api.auth(key)).content
        return job, dataset, submitter


@pytest.fixture
def celery_workers(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, list[str]]]:
    """Two worker processes (`dagster-celery worker start`, solo pool: one task at a time in the
    worker's own process, nothing forked), with this test's settings in their environment."""
    fanned = settings.model_copy(
        update={"multiprocess_min_documents": 40, "min_chunk_documents": 10, "workers": 2, "steps_per_worker": 2,
                "fast_lane_max_documents": 0, "celery_broker_url": BROKER, "celery_backend_url": BROKER}
    )  # fmt: skip
    home = prepare_instance(fanned)  # made once here: two workers creating the SQLite stores at once race
    config = tmp_path / "celery.yaml"
    config.write_text(f"execution:\n  config:\n    broker: {BROKER}\n    backend: {BROKER}\n")
    bindir = Path(sys.executable).parent
    env = {**os.environ, "DAGSTER_HOME": str(home), "SYMAGE_DATA_DIR": str(fanned.data_dir),
           "SYMAGE_DATABASE_URL": fanned.resolved_database_url, "SYMAGE_STORAGE_URL": fanned.resolved_storage_url,
           "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}  # fmt: skip
    names = [f"symage-test-{uuid.uuid4().hex[:6]}-{i}" for i in range(2)]
    cli = str(bindir / "dagster-celery")
    workers = [
        subprocess.Popen(
            [cli, "worker", "start", "-A", "dagster_celery.app", "-y", str(config), "-n", name, "-q", "dagster",
             "--", "--pool=solo"],
            env=env, stdout=(tmp_path / f"{name}.log").open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        for name in names
    ]
    try:
        deadline = time.monotonic() + 60
        while not all("ready." in (tmp_path / f"{n}.log").read_text() for n in names):
            assert all(w.poll() is None for w in workers), [(tmp_path / f"{n}.log").read_text() for n in names]
            assert time.monotonic() < deadline, [(tmp_path / f"{n}.log").read_text()[-2000:] for n in names]
            time.sleep(0.3)
        yield fanned, names
    finally:
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)


def test_the_job_on_two_celery_workers_makes_the_same_bytes(settings: Settings, celery_workers) -> None:
    fanned, names = celery_workers
    local = settings.model_copy(update={"data_dir": settings.data_dir.parent / "local", "min_chunk_documents": 10})
    local_job, local_bytes, _ = _dataset(local)

    job, dataset, submitter = _dataset(fanned)
    assert dataset == local_bytes and job["credits_charged"] == local_job["credits_charged"]

    from dagster import RunsFilter

    (run,) = submitter.instance.get_runs(RunsFilter(tags={"dagster/partition": job["job_id"]}))
    assert "celery" in run.run_config["execution"]["config"]
    stats = submitter.instance.get_run_step_stats(run.run_id)
    chunks = {s.step_key for s in stats if s.step_key.startswith("make_chunk[")}
    assert len(chunks) == 4  # two workers x two chunks each
    # both workers ran steps: the run's engine events name the Celery worker of each step
    ran_on = {
        e.dagster_event.engine_event_data.metadata["Celery worker"].value.split("@")[0]
        for e in submitter.instance.all_logs(run.run_id)
        if e.dagster_event and e.dagster_event.is_engine_event
        and "Celery worker" in (e.dagster_event.engine_event_data.metadata or {})
    }  # fmt: skip
    assert ran_on == set(names)
