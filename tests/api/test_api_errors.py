"""Bad input gets a specific 4xx in the one error shape, and leaves nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from symage_pipeline.app.db import CreditEntry, Job


def _counts(api) -> tuple[int, int, int]:
    services = api.client.app.state.services
    with services.db.session() as session:
        jobs = session.scalar(select(func.count()).select_from(Job))
        ledger = session.scalar(select(func.count()).select_from(CreditEntry))
    runs = len(api.submitter.instance.get_runs())
    return jobs, ledger, runs


@pytest.fixture
def key(api) -> str:
    return api.key("alice")


BAD_REQUESTS = [
    ({"form_id": "irs_w99_2024"}, 400, "unknown_form"),
    ({"form_ids": ["irs_w2_2025", "nope"]}, 400, "unknown_form"),
    ({"form_id": "irs_w2_2025", "form_ids": ["irs_w2_2025"]}, 400, "invalid_form_selection"),
    ({"quantity": 5}, 400, "invalid_form_selection"),
    ({"form_ids": []}, 400, "invalid_form_selection"),
    ({"form_id": "irs_w2_2025", "quantity": 0}, 400, "invalid_quantity"),
    ({"form_id": "irs_w2_2025", "quantity": 10_000_001}, 400, "invalid_quantity"),
    ({"form_id": "irs_w2_2025", "quantity": "ten"}, 400, "invalid_quantity"),
    ({"form_id": "irs_w2_2025", "output_formats": ["json"]}, 400, "invalid_output_format"),
    ({"form_id": "irs_w2_2025", "output_formats": ["pdf_typed", "csv"]}, 400, "invalid_output_format"),
    ({"form_id": "irs_w2_2025", "output_formats": ["pdf_typed", "funsd"]}, 400, "invalid_output_format"),
    ({"form_id": "irs_w2_2025", "output_formats": ["pdf_unicorn"]}, 400, "invalid_output_format"),
    ({"form_id": "irs_w2_2025", "output_formats": ["png_typed"]}, 400, "missing_pdf_dependency"),
    ({"form_id": "irs_w2_2025", "output_formats": ["png_typed", "pdf_handwritten"]}, 400, "missing_pdf_dependency"),
    ({"form_id": "irs_w2_2025", "output_formats": ["bio", "donut"]}, 400, "missing_render_dependency"),
    ({"form_id": "irs_w2_2025", "output_formats": ["pdf_typed", "bio"]}, 400, "ml_formats_disabled"),
    ({"form_id": "irs_w2_2025", "config": {"coherence_mode": "chaotic"}}, 400, "invalid_coherence_mode"),
    ({"form_id": "irs_w2_2025", "config": {"coherence_mode": "shuffled"}}, 400, "invalid_coherence_mode"),
    ({"form_id": "irs_w2_2025", "config": {"degradation_profile": "soggy"}}, 400, "invalid_degradation_profile"),
    ({"form_id": "irs_w2_2025", "config": {"label_scheme": "emoji"}}, 400, "invalid_label_scheme"),
    ({"form_id": "irs_w2_2025", "seed": -1}, 400, "invalid_seed"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_REQUESTS)
def test_bad_generate_requests_leave_nothing_behind(api, key, body, status, code) -> None:
    before = _counts(api)
    response = api.client.post("/api/v1/generate", json=body, headers=api.auth(key))
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert detail["code"] == code
    assert detail["status"] == status
    assert detail["message"]
    assert _counts(api) == before


def test_ml_formats_disabled_names_the_formats(api, key) -> None:
    response = api.client.post(
        "/api/v1/generate",
        json={"form_id": "irs_w2_2025", "output_formats": ["pdf_typed", "bio", "coco"]},
        headers=api.auth(key),
    )
    assert response.json()["detail"]["details"]["forbidden_formats"] == ["bio", "coco"]


def test_malformed_json_is_a_400(api, key) -> None:
    before = _counts(api)
    response = api.client.post(
        "/api/v1/generate",
        content=b'{"form_id": "irs_w2_2025",',
        headers={**api.auth(key), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "invalid_json"
    assert _counts(api) == before


def test_non_object_body_is_a_400(api, key) -> None:
    response = api.client.post("/api/v1/generate", json=[1, 2], headers=api.auth(key))
    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "invalid_body"


def test_insufficient_credits_is_a_402_and_reserves_nothing(api) -> None:
    api.account("poor", credit_limit=100)
    key = api.key("poor")
    per_doc = api.client.get("/api/v1/forms/irs_w2_2025", headers=api.auth(key)).json()["data"]["credit_cost"]
    before = _counts(api)
    response = api.client.post(
        "/api/v1/generate", json={"form_id": "irs_w2_2025", "quantity": 6}, headers=api.auth(key)
    )
    assert response.status_code == 402
    detail = response.json()["detail"]
    assert detail["code"] == "insufficient_credits"
    assert detail["details"] == {"credits_required": 6 * per_doc, "available_credits": 100}
    assert _counts(api) == before


def test_unknown_form_detail_is_404(api, key) -> None:
    response = api.client.get("/api/v1/forms/irs_w99_2024", headers=api.auth(key))
    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "unknown_form"


def test_bad_status_filter_is_422_naming_accepted_values(api, key) -> None:
    response = api.client.get("/api/v1/jobs?status=done", headers=api.auth(key))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["code"] == "validation_error"
    assert "completed" in detail["details"]["accepted"]


def test_query_validation_errors_use_the_error_shape(api, key) -> None:
    response = api.client.get("/api/v1/jobs?limit=0", headers=api.auth(key))
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "validation_error"
    assert "limit" in response.json()["detail"]["message"]


def test_other_accounts_jobs_are_not_found(api, key) -> None:
    response = api.client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000", headers=api.auth(key))
    assert response.status_code == 404
    assert response.json()["detail"]["message"] == "Job not found in this account"


def test_unknown_routes_use_the_error_shape(api) -> None:
    response = api.client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "not_found"


@pytest.mark.parametrize("cursor", ["not-base64!", "aXRlbXN8NQ", "am9ic3xub3QtYS1kYXRlfHg", "x" * 5000])
def test_a_cursor_this_api_did_not_issue_is_a_400(api, key, cursor) -> None:
    response = api.client.get(f"/api/v1/jobs?cursor={cursor}", headers=api.auth(key))
    assert response.status_code == 400, response.text
    assert response.json()["detail"]["code"] == "invalid_cursor"
