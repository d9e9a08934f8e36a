"""Cancel: a pending job ends at once with every credit back; a running one stops at the next batch,
keeps (and is charged for) what it made, and that partial dataset downloads."""

from __future__ import annotations

import io
import math
import time
import zipfile

import httpx

from api.main import create_app
from tests.api.test_credits_and_idempotency import W2, QueueOnly, _cost, _key
from tests.helpers import serve


def test_a_pending_job_is_canceled_at_once_and_refunded(settings) -> None:
    with serve(create_app(settings, QueueOnly())) as base:
        auth = _key(base, "pending-cancel", tier="enterprise")
        job_id = httpx.post(f"{base}/api/v1/generate", json={**W2, "quantity": 3}, headers=auth).json()["data"][
            "job_id"
        ]
        # The client posts cancel with an empty JSON body.
        empty = {**auth, "Content-Type": "application/json"}
        answer = httpx.post(f"{base}/api/v1/jobs/{job_id}/cancel", headers=empty)
        assert answer.status_code == 200 and answer.json()["data"] == {"job_id": job_id, "status": "canceled"}
        again = httpx.post(f"{base}/api/v1/jobs/{job_id}/cancel", headers=empty)
        assert again.status_code == 200 and again.json()["data"]["status"] == "canceled"
        job = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=auth).json()["data"]
        assert job["credits_charged"] == 0 and job["cancel_requested_at"]
        balance = httpx.get(f"{base}/api/v1/account/balance", headers=auth).json()["data"]
        assert balance == {**balance, "credits_allocated": 0, "credits_used": 0}
        listed = httpx.get(f"{base}/api/v1/jobs", params={"status": "canceled"}, headers=auth).json()["data"]
        assert [j["job_id"] for j in listed] == [job_id]
        other = _key(base, "someone-else")
        assert httpx.post(f"{base}/api/v1/jobs/{job_id}/cancel", headers=other).status_code == 404


def test_a_running_job_stops_keeps_what_it_made_and_refunds_the_rest(api) -> None:
    key = api.key("running-cancel")
    api.account("running-cancel", tier="enterprise")
    quantity = 1000
    created = api.client.post("/api/v1/generate", json={**W2, "quantity": quantity}, headers=api.auth(key)).json()[
        "data"
    ]
    job_id, required = created["job_id"], created["credits_required"]
    assert required == quantity * _cost()
    deadline = time.monotonic() + 60
    while api.client.get(f"/api/v1/jobs/{job_id}", headers=api.auth(key)).json()["data"]["documents_completed"] < 25:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    answer = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.auth(key)).json()["data"]
    assert answer["status"] == "canceling"
    api.submitter.drain()
    job = api.client.get(f"/api/v1/jobs/{job_id}", headers=api.auth(key)).json()["data"]
    made = job["documents_completed"]
    assert job["status"] == "canceled" and 25 <= made < quantity and made % 25 == 0
    assert job["credits_charged"] == math.floor(required * made / quantity)
    balance = api.client.get("/api/v1/account/balance", headers=api.auth(key)).json()["data"]
    assert balance["credits_used"] == balance["credits_allocated"] == job["credits_charged"]
    dataset = api.client.get(f"/api/v1/jobs/{job_id}/download/dataset", headers=api.auth(key))
    assert dataset.status_code == 200
    assert dataset.headers["X-RateLimit-Limit"] == "200"  # streamed answers carry the key's limits too
    names = zipfile.ZipFile(io.BytesIO(dataset.content)).namelist()
    assert sum(n.startswith("pdfs/typed/") for n in names) == made
    records = api.client.get(f"/api/v1/jobs/{job_id}/download/json", headers=api.auth(key)).json()
    assert len(records) == made
    late = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.auth(key))
    assert late.status_code == 200 and late.json()["data"]["status"] == "canceled"


def test_finished_jobs_cannot_be_canceled(api) -> None:
    key = api.key("done-cancel")
    job_id = api.client.post("/api/v1/generate", json=W2, headers=api.auth(key)).json()["data"]["job_id"]
    assert api.wait(key, job_id)["status"] == "completed"
    response = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.auth(key))
    assert response.status_code == 409 and response.json()["detail"]["code"] == "job_not_cancelable"


def test_the_clients_cancel_returns_the_job(settings) -> None:
    from symagedocs import Client

    with serve(create_app(settings, QueueOnly())) as base:
        auth = _key(base, "sdk-cancel", tier="enterprise")
        client = Client(api_key=auth["Authorization"].split()[1], base_url=base)
        job = client.generate.create("irs_w2_2025", quantity=2, seed=3)
        assert client.generate.cancel(job.job_id).status == "canceled"
