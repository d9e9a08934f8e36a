"""POST /api/v1/identities: raw identity-graph records, reproducible by seed, over the API and the SDK."""

from __future__ import annotations

import pytest
from symagedocs import Client
from symagedocs._errors import ValidationError

from symage_pipeline.identities import make_identities
from symage_pipeline.identities.validity import aba_is_valid, ein_is_valid, ssn_is_valid


def test_identities_are_an_array_and_the_seed_reproduces_them(api) -> None:
    key = api.key("ivy")
    response = api.client.post("/api/v1/identities", json={"quantity": 5, "seed": 42}, headers=api.auth(key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["data"], list) and len(body["data"]) == 5
    assert body["meta"]["seed"] == 42 and body["meta"]["request_id"]
    again = api.client.post("/api/v1/identities", json={"quantity": 5, "seed": 42}, headers=api.auth(key)).json()
    assert again["data"] == body["data"] == make_identities(42, 0, 5)
    person = body["data"][0]
    for name in ("first_name", "last_name", "ssn", "dob", "address", "employer", "bank", "health", "w2"):
        assert name in person
    assert ssn_is_valid(person["ssn"]) and ein_is_valid(person["employer"]["ein"])
    assert aba_is_valid(person["bank"]["routing"])


def test_identities_without_a_seed_report_the_seed_they_used(api) -> None:
    key = api.key("ivy")
    body = api.client.post("/api/v1/identities", json={}, headers=api.auth(key)).json()
    assert len(body["data"]) == 1
    assert body["data"] == make_identities(body["meta"]["seed"], 0, 1)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"quantity": 0}, 400, "invalid_quantity"),
        ({"quantity": 10_001}, 400, "invalid_quantity"),
        ({"quantity": "3"}, 400, "invalid_quantity"),
        ({"seed": -1}, 400, "invalid_seed"),
        ({"config": []}, 400, "invalid_config"),
        ([1, 2], 400, "invalid_body"),
    ],
)
def test_bad_requests(api, body: object, status: int, code: str) -> None:
    response = api.client.post("/api/v1/identities", json=body, headers=api.auth(api.key("ivy")))
    assert response.status_code == status and response.json()["detail"]["code"] == code


def test_needs_the_generate_scope(api) -> None:
    response = api.client.post("/api/v1/identities", json={}, headers=api.auth(api.key("ivy", scopes=["read"])))
    assert response.status_code == 403


@pytest.mark.integration
def test_identities_through_the_sdk(live_stack) -> None:
    client = Client(api_key=live_stack["api_key"], base_url=live_stack["base_url"])
    people = client.identities.generate(quantity=3, seed=7)
    assert isinstance(people, list) and len(people) == 3
    assert people == client.identities.generate(quantity=3, seed=7)
    assert people[0]["ssn"] != people[1]["ssn"] and all(ssn_is_valid(p["ssn"]) for p in people)
    shifted = client.identities.generate(quantity=1, seed=8)[0]
    assert shifted["identity_seed"] == people[1]["identity_seed"] == 8  # record i is identity seed + i
    assert shifted["ssn"] == people[1]["ssn"]
    with pytest.raises(ValidationError) as err:
        client.identities.generate(quantity=20_000)
    assert err.value.code == "invalid_quantity"
