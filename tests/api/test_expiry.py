"""Outputs expire after the retention: downloads answer 410 from that moment, and the Dagster
schedule's job deletes the files and marks the job `expired`."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.main import create_app
from symage_pipeline.defs.automation import expire_outputs
from symage_pipeline.defs.launch import InProcessRunSubmitter
from symage_pipeline.defs.resources import job_resources
from tests.api.test_credits_and_idempotency import W2
from tests.conftest import Api


def test_expired_outputs_answer_410_and_the_sweep_removes_them(settings) -> None:
    short = settings.model_copy(update={"retention_hours": 2 / 3600})  # two seconds
    submitter = InProcessRunSubmitter(short)
    with TestClient(create_app(short, submitter)) as client:
        api = Api(client, submitter)
        key = api.key("expiring")
        job_id = client.post("/api/v1/generate", json=W2, headers=api.auth(key)).json()["data"]["job_id"]
        job = api.wait(key, job_id)
        assert job["status"] == "completed" and job["expires_at"]
        store = short.open_store()
        assert store.list(f"jobs/{job_id}")
        time.sleep(2.2)
        for path in ("download/dataset", "download/csv", "dataset/manifest", "items"):
            response = client.get(f"/api/v1/jobs/{job_id}/{path}", headers=api.auth(key))
            assert response.status_code == 410 and response.json()["detail"]["code"] == "job_expired", path
        result = expire_outputs.execute_in_process(resources=job_resources(short))
        assert result.success and result.output_for_node("remove_expired_outputs") == 1
        assert store.list(f"jobs/{job_id}") == []
        job = client.get(f"/api/v1/jobs/{job_id}", headers=api.auth(key)).json()["data"]
        assert job["status"] == "expired"
        assert client.get(f"/api/v1/jobs/{job_id}/download/dataset", headers=api.auth(key)).status_code == 410
        assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.auth(key)).status_code == 409
        # A second sweep has nothing to do.
        assert (
            expire_outputs.execute_in_process(resources=job_resources(short)).output_for_node("remove_expired_outputs")
            == 0
        )
