"""Webhooks: managed through the client's surface and the manual's, delivered from the outbox with
the signature the client's helper verifies, retried with the same delivery id."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from api.main import create_app
from symage_pipeline.app.db import Database
from symage_pipeline.app.webhooks import send_due
from symage_pipeline.defs.launch import InProcessRunSubmitter
from tests.api.test_credits_and_idempotency import W2, QueueOnly, _key
from tests.conftest import INTERNAL_TOKEN
from tests.helpers import Receiver, free_port, serve


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    hook = Receiver()
    yield hook
    hook.close()


def _wait_job(base: str, auth: dict, job_id: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=auth).json()["data"]
        if job["status"] in ("completed", "failed", "canceled"):
            return job
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_completed_job_is_delivered_signed_and_retried_after_a_500(settings, receiver: Receiver) -> None:
    from symagedocs import Client
    from symagedocs.webhooks import verify_signature

    port = free_port()
    settings = settings.model_copy(update={"allow_private_webhooks": True, "public_url": f"http://127.0.0.1:{port}"})
    receiver.answers = [500]
    submitter = InProcessRunSubmitter(settings, quiet=True)
    with serve(create_app(settings, submitter), port) as base:
        auth = _key(base, "hooked", tier="enterprise")
        client = Client(api_key=auth["Authorization"].split()[1], base_url=base)
        made = client.webhooks.create(url=receiver.url, events=["job.completed", "job.failed"], description="ci")
        secret = made["signing_secret"]
        assert secret.startswith("whsec_") and made["secret_prefix"] == secret[:14]
        listed = client.webhooks.list()["data"]
        assert [w["webhook_id"] for w in listed] == [made["webhook_id"]] and listed[0].get("signing_secret") is None

        job = client.generate.create("irs_w2_2025", quantity=2, seed=5)
        assert _wait_job(base, auth, job.job_id)["status"] == "completed"
        db = Database(settings.resolved_database_url, run_migrations=False)
        assert send_due(db, settings) == {"delivered": 0, "retrying": 1, "failed": 0}
        (pending,) = client.webhooks.deliveries(made["webhook_id"])["data"]
        assert (pending["status"], pending["attempts"], pending["response_status"]) == ("pending", 1, 500)
        assert send_due(db, settings) == {"delivered": 0, "retrying": 0, "failed": 0}  # not due for 10 s
        time.sleep(10.2)
        assert send_due(db, settings)["delivered"] == 1
        first, second = receiver.requests
        assert first[0]["x-symagedocs-delivery"] == second[0]["x-symagedocs-delivery"] == pending["delivery_id"]
        assert first[1] == second[1]  # the same signed bytes on every attempt
        headers, body = second
        assert verify_signature(body, headers["x-symagedocs-signature"], secret)
        assert not verify_signature(body, headers["x-symagedocs-signature"], "whsec_wrong")
        assert headers["x-symagedocs-event"] == "job.completed"
        event = json.loads(body)
        assert event["event"] == "job.completed" and event["webhook_id"] == made["webhook_id"]
        assert event["data"]["job_id"] == job.job_id and event["data"]["quantity"] == 2
        archive = next(u for u in event["data"]["download_urls"] if u["filename"].endswith(".zip"))
        fetched = httpx.get(archive["url"])  # presigned: no API key
        assert fetched.status_code == 200 and fetched.content[:2] == b"PK"
        (done,) = client.webhooks.deliveries(made["webhook_id"])["data"]
        assert done["status"] == "delivered" and done["attempts"] == 2

        # Retry on demand resends the same delivery; a rotated secret signs what is sent next.
        rotated = client.webhooks.rotate(made["webhook_id"])["signing_secret"]
        assert rotated != secret
        client.webhooks.retry_delivery(made["webhook_id"], done["delivery_id"])
        client.webhooks.test_fire(made["webhook_id"])
        assert send_due(db, settings)["delivered"] == 2
        retried, tested = receiver.requests[2:]
        assert retried[0]["x-symagedocs-delivery"] == done["delivery_id"]
        assert verify_signature(tested[1], tested[0]["x-symagedocs-signature"], rotated)
        assert tested[0]["x-symagedocs-event"] == "webhook.test"

        client.webhooks.update(made["webhook_id"], is_active=False)
        client.generate.create("irs_w2_2025", quantity=1, seed=6)
        submitter.drain()
        assert send_due(db, settings)["delivered"] == 0  # inactive: nothing queued
        client.webhooks.delete(made["webhook_id"])
        assert client.webhooks.list()["data"] == []
        db.dispose()


def test_an_inline_webhook_url_hears_only_its_job(settings, receiver: Receiver) -> None:
    settings = settings.model_copy(update={"allow_private_webhooks": True})
    submitter = InProcessRunSubmitter(settings, quiet=True)
    with serve(create_app(settings, submitter)) as base:
        auth = _key(base, "inline", tier="enterprise")
        mine = httpx.post(f"{base}/api/v1/generate", json={**W2, "webhook_url": receiver.url}, headers=auth).json()
        other = httpx.post(f"{base}/api/v1/generate", json=W2, headers=auth).json()
        for created in (mine, other):
            _wait_job(base, auth, created["data"]["job_id"])
        db = Database(settings.resolved_database_url, run_migrations=False)
        assert send_due(db, settings)["delivered"] == 1
        ((headers, body),) = receiver.requests
        assert json.loads(body)["data"]["job_id"] == mine["data"]["job_id"]
        db.dispose()


def test_targets_must_be_public_https_unless_allowed(settings) -> None:
    with serve(create_app(settings, QueueOnly())) as base:
        auth = _key(base, "strict")
        for url in ("http://example.com/hook", "https://127.0.0.1/hook", "https://10.1.2.3/x", "https://localhost/x",
                    "https://[::1]/x", "ftp://example.com/", "https://" + "a" * 2050 + ".com/"):  # fmt: skip
            response = httpx.post(f"{base}/api/v1/webhooks", json={"url": url}, headers=auth)
            assert response.status_code in (400, 422), url
        made = httpx.post(f"{base}/api/v1/webhooks", json={"url": "https://hooks.example.com/x"}, headers=auth)
        assert made.status_code == 200 and made.json()["data"]["events"] == [
            "job.completed",
            "job.failed",
            "batch.completed",
            "batch.exhausted",
        ]
        bad_events = httpx.post(
            f"{base}/api/v1/webhooks", json={"url": "https://hooks.example.com/x", "events": ["job.done"]}, headers=auth
        )
        assert bad_events.status_code == 400 and bad_events.json()["detail"]["code"] == "invalid_events"


def test_the_manuals_session_surface_needs_the_internal_token(settings) -> None:
    with serve(create_app(settings, QueueOnly())) as base:
        session = {"x-user-id": "web-user", "X-Internal-Token": INTERNAL_TOKEN}
        made = httpx.post(f"{base}/api/internal/webhooks", json={"url": "https://hooks.example.com/a"}, headers=session)
        assert made.status_code == 200 and made.json()["data"]["signing_secret"]
        listed = httpx.get(f"{base}/api/internal/webhooks", headers=session).json()["data"]
        assert [w["url"] for w in listed] == ["https://hooks.example.com/a"]
        alone = httpx.get(f"{base}/api/internal/webhooks", headers={"x-user-id": "web-user"})
        assert alone.status_code == 401
        webhook_id = made.json()["data"]["webhook_id"]
        patched = httpx.patch(
            f"{base}/api/internal/webhooks/{webhook_id}", json={"description": "renamed"}, headers=session
        )
        assert patched.json()["data"]["description"] == "renamed"
        assert httpx.delete(f"{base}/api/internal/webhooks/{webhook_id}", headers=session).status_code == 204
        assert httpx.delete(f"{base}/api/internal/webhooks/{webhook_id}", headers=session).status_code == 404
        for n in range(3):
            httpx.post(f"{base}/api/internal/webhooks", json={"url": f"https://h.example.com/{n}"}, headers=session)
        first = httpx.get(f"{base}/api/internal/webhooks", params={"limit": 2}, headers=session).json()
        assert len(first["data"]) == 2 and first["meta"]["has_more"] is True
        rest = httpx.get(
            f"{base}/api/internal/webhooks",
            params={"limit": 2, "cursor": first["meta"]["next_cursor"]},
            headers=session,
        ).json()
        assert len(rest["data"]) == 1 and rest["meta"]["has_more"] is False
        assert {w["url"] for w in first["data"] + rest["data"]} == {f"https://h.example.com/{n}" for n in range(3)}
