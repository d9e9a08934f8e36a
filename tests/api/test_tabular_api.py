"""The /tabular resource over the API: parse, generate (a real Dagster run), status, downloads,
pricing, idempotency, spend confirmation, expiry and every refusal as a specific 400."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from symage_pipeline.app.db import Database, Job

COLUMNS = [
    {"name": "first_name", "type": "text_first_name", "constraints": {}},
    {"name": "last_name", "type": "text_last_name", "constraints": {}},
    {"name": "age", "type": "identity_age", "constraints": {}},
    {"name": "salary", "type": "number_integer", "constraints": {"min": 30000, "max": 150000}},
]


def wait_table(api, key: str, job_id: str, timeout: float = 60) -> dict:
    api.submitter.drain()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = api.client.get(f"/api/v1/tabular/{job_id}/status", headers=api.auth(key)).json()["data"]
        if status["status"] in ("completed", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError("tabular job did not finish")


def test_the_column_types_are_listed_with_their_constraints(api) -> None:
    response = api.client.get("/api/v1/tabular/types", headers=api.auth(api.key("u1")))
    assert response.status_code == 200, response.text
    listing = {t["type"]: t for t in response.json()["data"]}
    assert len(listing) >= 50 and response.json()["meta"]["count"] == len(listing)
    assert listing["text_first_name"]["family"] == "identity"
    integer = listing["number_integer"]
    assert integer["family"] == "number" and {"min", "max", "distribution_type"} <= set(integer["constraints"])
    assert listing["custom_enum"]["constraints"]["values"]["required"] is True
    # every listed type is one a generate request accepts with its defaults and required constraints
    def column(i: int, kind: str) -> dict:
        required = {k: ["a", "b"] for k, c in listing[kind]["constraints"].items() if c["required"]}
        return {"name": f"c{i}", "type": kind, "constraints": required}

    columns = [column(i, kind) for i, kind in enumerate(listing)]
    for part in (columns[:50], columns[50:]):
        created = api.client.post("/api/v1/tabular/generate", json={"columns": part, "quantity": 5},
                                  headers=api.auth(api.key("u1")))  # fmt: skip
        assert created.status_code == 200, created.text
        assert wait_table(api, api.key("u1"), created.json()["data"]["job_id"])["status"] == "completed"


def test_the_manuals_parse_example(api) -> None:
    key = api.key("u1")
    response = api.client.post(
        "/api/v1/tabular/parse",
        json={"prompt": "first name, last name, age, city, state, annual salary"},
        headers=api.auth(key),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"]["columns"] == [
        {"name": "first_name", "type": "text_first_name", "constraints": {}},
        {"name": "last_name", "type": "text_last_name", "constraints": {}},
        {"name": "age", "type": "identity_age", "constraints": {}},
        {"name": "city", "type": "address_city", "constraints": {}},
        {"name": "state", "type": "address_state", "constraints": {}},
        {"name": "annual_salary", "type": "number_integer", "constraints": {"min": 20000, "max": 200000}},
    ]
    assert body["data"]["parser_type"] == "heuristic" and body["data"]["model"] is None
    assert body["meta"]["count"] == 6


def test_generate_the_manuals_example_then_download_both_formats(api) -> None:
    key = api.key("u1")
    response = api.client.post(
        "/api/v1/tabular/generate",
        json={"columns": COLUMNS, "quantity": 1000, "output_formats": ["csv", "json"], "seed": 3},
        headers=api.auth(key),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"]["status"] == "processing" and body["data"]["credits_required"] == 20
    assert body["meta"]["credits_charged"] == 20
    job_id = body["data"]["job_id"]
    status = wait_table(api, key, job_id)
    assert status == {**status, "status": "completed", "rows_generated": 1000, "total_rows": 1000, "percent": 100.0}
    csv_bytes = api.client.get(f"/api/v1/tabular/{job_id}/download/csv", headers=api.auth(key))
    json_bytes = api.client.get(f"/api/v1/tabular/{job_id}/download/json", headers=api.auth(key))
    assert csv_bytes.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_bytes.text)))
    records = json_bytes.json()
    assert len(rows) == len(records) == 1000
    assert [r["first_name"] for r in rows] == [r["first_name"] for r in records]
    assert all(30000 <= r["salary"] <= 150000 for r in records)
    assert [int(r["salary"]) for r in rows] == [r["salary"] for r in records]
    # A tabular job is not a document job: /jobs does not list or find it.
    assert api.client.get(f"/api/v1/jobs/{job_id}", headers=api.auth(key)).status_code == 404
    assert all(j["job_id"] != job_id for j in api.client.get("/api/v1/jobs", headers=api.auth(key)).json()["data"])
    balance = api.client.get("/api/v1/account/balance", headers=api.auth(key)).json()["data"]
    assert balance["credits_used"] == 20


def test_same_seed_same_bytes(api) -> None:
    key = api.key("u1")
    files = []
    for _ in range(2):
        job_id = api.client.post(
            "/api/v1/tabular/generate", json={"columns": COLUMNS, "quantity": 1500, "seed": 11}, headers=api.auth(key)
        ).json()["data"]["job_id"]
        wait_table(api, key, job_id)
        files.append(api.client.get(f"/api/v1/tabular/{job_id}/download/csv", headers=api.auth(key)).content)
    assert files[0] == files[1] and files[0].count(b"\n") == 1501


@pytest.mark.parametrize(
    ("columns", "rows", "credits"), [(5, 1000, 20), (20, 1000, 40), (10, 5000, 100), (50, 10000, 1000)]
)
def test_the_manuals_price_table(api, columns: int, rows: int, credits: int) -> None:
    key = api.key("u1")
    schema = [{"name": f"c{i}", "type": "number_integer"} for i in range(columns)]
    response = api.client.post(
        "/api/v1/tabular/generate", json={"columns": schema, "quantity": rows, "seed": 1}, headers=api.auth(key)
    )
    assert response.json()["data"]["credits_required"] == credits
    assert wait_table(api, key, response.json()["data"]["job_id"])["status"] == "completed"


@pytest.mark.parametrize(
    ("body", "code", "column"),
    [
        ({"columns": []}, "invalid_columns", None),
        ({"columns": [{"name": f"c{i}", "type": "uuid"} for i in range(51)]}, "invalid_columns", None),
        ({"columns": [{"name": "x", "type": "nope"}]}, "unknown_column_type", "x"),
        ({"columns": [{"name": "n", "type": "number_integer", "constraints": {"min": 9, "max": 1}}]},
         "invalid_constraints", "n"),
        ({"columns": [{"name": "e", "type": "custom_enum", "constraints": {"values": ["a", "b"], "weights": [1]}}]},
         "invalid_constraints", "e"),
        ({"columns": [{"name": "d", "type": "date", "constraints": {"start": "2024-02-30"}}]}, "invalid_constraints",
         "d"),
        ({"columns": [{"name": "a", "type": "uuid"}, {"name": "a", "type": "uuid"}]}, "duplicate_column_name", "a"),
        ({"columns": [{"name": "a", "type": "uuid"}], "quantity": 10001}, "invalid_quantity", None),
        ({"columns": [{"name": "a", "type": "uuid"}], "quantity": 0}, "invalid_quantity", None),
        ({"columns": [{"name": "a", "type": "uuid"}], "output_formats": ["xlsx"]}, "invalid_output_format", None),
    ],
)  # fmt: skip
def test_bad_requests_are_400_naming_the_column(api, body: dict, code: str, column: str | None) -> None:
    key = api.key("u1")
    response = api.client.post("/api/v1/tabular/generate", json=body, headers=api.auth(key))
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert detail["code"] == code
    if column:
        assert detail["details"]["column"] == column and repr(column) in detail["message"]
    assert api.client.get("/api/v1/account/balance", headers=api.auth(key)).json()["data"]["credits_used"] == 0


def test_downloads_refuse_bad_format_unknown_job_and_other_accounts(api) -> None:
    key, other = api.key("u1"), api.key("u2")
    job_id = api.client.post(
        "/api/v1/tabular/generate", json={"columns": COLUMNS, "quantity": 10}, headers=api.auth(key)
    ).json()["data"]["job_id"]
    wait_table(api, key, job_id)
    assert api.client.get(f"/api/v1/tabular/{job_id}/download/xlsx", headers=api.auth(key)).status_code == 400
    assert api.client.get(f"/api/v1/tabular/{job_id}/download/csv", headers=api.auth(other)).status_code == 404
    assert api.client.get("/api/v1/tabular/nope/status", headers=api.auth(key)).status_code == 404
    # only csv was asked for
    assert api.client.get(f"/api/v1/tabular/{job_id}/download/json", headers=api.auth(key)).status_code == 409


def test_download_before_completion_is_409_and_after_retention_410(api, settings) -> None:
    key = api.key("u1")
    db = Database(settings.resolved_database_url, run_migrations=False)
    job_id = api.client.post(
        "/api/v1/tabular/generate", json={"columns": COLUMNS, "quantity": 10}, headers=api.auth(key)
    ).json()["data"]["job_id"]
    wait_table(api, key, job_id)
    with db.session() as session:
        job = session.get(Job, job_id)
        job.status = "generating"
    response = api.client.get(f"/api/v1/tabular/{job_id}/download/csv", headers=api.auth(key))
    assert response.status_code == 409 and response.json()["detail"]["code"] == "job_not_completed"
    with db.session() as session:
        job = session.get(Job, job_id)
        job.status = "completed"
        job.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    response = api.client.get(f"/api/v1/tabular/{job_id}/download/csv", headers=api.auth(key))
    assert response.status_code == 410 and response.json()["detail"]["code"] == "job_expired"
    status = api.client.get(f"/api/v1/tabular/{job_id}/status", headers=api.auth(key)).json()["data"]
    assert status["status"] == "completed"  # a client's wait() still ends
    db.dispose()


def test_idempotency_key_and_spend_confirmation(api) -> None:
    key = api.key("u1")
    body = {"columns": COLUMNS, "quantity": 500, "seed": 2}
    first = api.client.post("/api/v1/tabular/generate", json=body, headers={**api.auth(key), "Idempotency-Key": "k1"})
    again = api.client.post("/api/v1/tabular/generate", json=body, headers={**api.auth(key), "Idempotency-Key": "k1"})
    assert first.json()["data"]["job_id"] == again.json()["data"]["job_id"]
    assert again.json()["meta"]["idempotent_replay"] is True
    other = api.client.post(
        "/api/v1/tabular/generate", json={**body, "quantity": 501}, headers={**api.auth(key), "Idempotency-Key": "k1"}
    )
    assert other.status_code == 409 and other.json()["detail"]["code"] == "idempotency_key_reused"
    api.account("u1", confirm_above=5)
    quote = api.client.post("/api/v1/tabular/generate", json=body, headers=api.auth(key)).json()["data"]
    assert quote["status"] == "confirmation_required" and quote["cost"] == 10
    accepted = api.client.post(
        "/api/v1/tabular/generate", json={**body, "confirmed_credits": 10}, headers=api.auth(key)
    ).json()["data"]
    assert accepted["status"] == "processing"
    wait_table(api, key, accepted["job_id"])


def test_insufficient_credits_is_402(api) -> None:
    key = api.key("poor")
    api.account("poor", credit_limit=5)
    response = api.client.post(
        "/api/v1/tabular/generate", json={"columns": COLUMNS, "quantity": 1000}, headers=api.auth(key)
    )
    assert response.status_code == 402 and response.json()["detail"]["code"] == "insufficient_credits"


def test_parse_refuses_empty_and_long_prompts(api) -> None:
    key = api.key("u1")
    for prompt in ("", "   ", "x" * 2001):
        response = api.client.post("/api/v1/tabular/parse", json={"prompt": prompt}, headers=api.auth(key))
        assert response.status_code == 400 and response.json()["detail"]["code"] == "invalid_prompt"


def test_a_read_only_key_cannot_generate(api) -> None:
    key = api.key("u1", scopes=["read"])
    response = api.client.post("/api/v1/tabular/generate", json={"columns": COLUMNS}, headers=api.auth(key))
    assert response.status_code == 403
    json.dumps(response.json())
