"""No input makes a 5xx: each cause the 110-request probe found is a 4xx with a specific code."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ADMIN_TOKEN

JSON = {"Content-Type": "application/json"}


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"k": value}
    return value


def test_pricing_estimate_bounds_its_counts(api) -> None:
    for body in (
        {"field_count": 10**400, "record_count": 1, "output_formats": ["pdf_typed"]},
        {"field_count": 10, "record_count": int("9" * 400), "output_formats": ["pdf_typed"]},
        {"field_count": 10, "record_count": 10**8, "output_formats": ["pdf_typed"]},
    ):
        response = api.client.post("/api/v1/pricing/estimate", content=json.dumps(body), headers=JSON)
        assert response.status_code == 422 and response.json()["detail"]["code"] == "validation_error"


@pytest.mark.parametrize("expires", ["\u00b2", "9" * 5000, "-1", "1e9", "\u0661\u0662"])
def test_signed_file_urls_refuse_odd_expiries(api, expires: str) -> None:
    response = api.client.get("/api/v1/files/jobs/x/dataset.zip", params={"expires": expires, "signature": "ab"})
    assert response.status_code == 403 and response.json()["detail"]["code"] == "invalid_signature"


def test_fill_scenario_weights_are_bounded(api) -> None:
    key = api.key("weights")
    for weight in (10**400, float("1e308"), -1, "heavy"):
        body = '{"form_id": "irs_w2_2025", "quantity": 2, "config": {"fill_scenarios": [{"name": "a", "weight": %s}]}}'
        payload = body % (json.dumps(weight) if not isinstance(weight, int) or weight < 10**300 else str(weight))
        response = api.client.post("/api/v1/generate", content=payload, headers={**api.auth(key), **JSON})
        assert response.status_code in (400, 422), (weight, response.text)
        assert response.json()["detail"]["code"] == "invalid_fill_scenarios"


def test_admin_credit_amounts_fit_the_database(api) -> None:
    for limit in (2**63, 2**64, -1, 1.5):
        response = api.client.put(
            "/api/admin/accounts/big",
            content=json.dumps({"credit_limit": limit}),
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}", **JSON},
        )
        assert response.status_code == 400 and response.json()["detail"]["code"] == "invalid_credit_limit"
    assert api.account("big", credit_limit=2**62)["credit_limit"] == 2**62


def test_deep_json_is_refused_before_anything_is_stored(api) -> None:
    key = api.key("deep")
    body = {"form_id": "irs_w2_2025", "quantity": 1, "config": _nested(400)}
    response = api.client.post("/api/v1/generate", json=body, headers=api.auth(key))
    assert response.status_code == 400 and response.json()["detail"]["code"] == "json_too_deep"
    listed = api.client.get("/api/v1/jobs", headers=api.auth(key)).json()
    assert listed["data"] == []


def test_a_body_over_256_kb_is_refused_with_413(api) -> None:
    key = api.key("big-body")
    body = {"form_id": "irs_w2_2025", "quantity": 1, "config": {"note": "x" * (1 << 20)}}
    response = api.client.post("/api/v1/generate", json=body, headers=api.auth(key))
    assert response.status_code == 413 and response.json()["detail"]["code"] == "body_too_large"
    assert api.client.get("/api/v1/jobs", headers=api.auth(key)).json()["data"] == []


def test_webhook_url_on_generate_is_length_checked(api) -> None:
    key = api.key("hooky")
    body = {"form_id": "irs_w2_2025", "quantity": 1, "webhook_url": "https://example.com/" + "a" * 2100}
    response = api.client.post("/api/v1/generate", json=body, headers=api.auth(key))
    assert response.status_code == 422


def test_idempotency_keys_are_bounded(api) -> None:
    key = api.key("idem-bounds")
    body = {"form_id": "irs_w2_2025", "quantity": 1}
    for bad in ("x" * 300, "caf\u00e9".encode()):
        headers = {**api.auth(key), "Idempotency-Key": bad}
        response = api.client.post("/api/v1/generate", json=body, headers=headers)
        assert response.status_code == 400 and response.json()["detail"]["code"] == "invalid_idempotency_key"
