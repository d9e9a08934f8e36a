"""Accounts (admin token) and API keys (session headers), and how keys gate /api/v1."""

from __future__ import annotations

from tests.conftest import ADMIN_TOKEN, INTERNAL_TOKEN

SESSION = {"x-user-id": "bob", "X-Internal-Token": INTERNAL_TOKEN}


def test_key_shape_and_listing(api) -> None:
    created = api.client.post("/api/internal/api-keys", json={"name": "ci"}, headers=SESSION).json()["data"]
    raw = created["api_key"]
    assert raw.startswith("sk_live_") and len(raw) == 56
    assert created["prefix"] == raw[:16]
    assert created["scopes"] == ["generate", "read", "account"]

    listed = api.client.get("/api/internal/api-keys", headers=SESSION).json()
    assert listed["meta"]["count"] == 1
    (key,) = listed["data"]
    assert key["key_id"] == created["key_id"]
    assert key["is_active"] is True and key["tier"] == "free"
    assert "api_key" not in key and raw not in str(listed)


def test_keys_are_stored_only_as_hashes(api) -> None:
    raw = api.key("bob")
    services = api.client.app.state.services
    with services.db.engine.connect() as conn:
        dump = str(list(conn.exec_driver_sql("select * from api_keys")))
    assert raw not in dump
    assert raw[:16] in dump


def test_revoked_and_unknown_keys_get_401(api) -> None:
    created = api.client.post("/api/internal/api-keys", json={"name": "x"}, headers=SESSION).json()["data"]
    headers = {"Authorization": f"Bearer {created['api_key']}"}
    assert api.client.get("/api/v1/forms", headers=headers).status_code == 200
    assert api.client.delete(f"/api/internal/api-keys/{created['key_id']}", headers=SESSION).status_code == 200
    response = api.client.get("/api/v1/forms", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "invalid_api_key"
    assert api.client.get("/api/v1/forms", headers={"Authorization": "Bearer sk_live_nope"}).status_code == 401
    assert api.client.get("/api/v1/forms").status_code == 401


def test_rotate_revokes_the_old_key_and_keeps_name_and_scopes(api) -> None:
    created = api.client.post(
        "/api/internal/api-keys", json={"name": "reader", "scopes": ["read"]}, headers=SESSION
    ).json()["data"]
    rotated = api.client.post(f"/api/internal/api-keys/{created['key_id']}/rotate", headers=SESSION).json()["data"]
    assert rotated["old_key_id"] == created["key_id"]
    new = rotated["new_key"]
    assert new["name"] == "reader" and new["scopes"] == ["read"]
    assert api.client.get("/api/v1/forms", headers={"Authorization": f"Bearer {created['api_key']}"}).status_code == 401
    assert api.client.get("/api/v1/forms", headers={"Authorization": f"Bearer {new['api_key']}"}).status_code == 200


def test_missing_scope_is_403(api) -> None:
    reader = api.key("bob", scopes=["read"])
    response = api.client.post("/api/v1/generate", json={"form_id": "irs_w2_2025"}, headers=api.auth(reader))
    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "missing_scope"
    assert api.client.get("/api/v1/account/balance", headers=api.auth(reader)).status_code == 403


def test_session_routes_need_the_internal_token(api) -> None:
    response = api.client.get("/api/internal/api-keys", headers={"x-user-id": "bob"})
    assert response.status_code == 401
    response = api.client.get("/api/internal/api-keys", headers={"x-user-id": "bob", "X-Internal-Token": "wrong"})
    assert response.status_code == 401


def test_invalid_key_requests_are_rejected(api) -> None:
    response = api.client.post("/api/internal/api-keys", json={"name": ""}, headers=SESSION)
    assert response.status_code == 400
    response = api.client.post("/api/internal/api-keys", json={"name": "x", "scopes": ["admin"]}, headers=SESSION)
    assert response.json()["detail"]["code"] == "invalid_scopes"


def test_admin_accounts(api) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert api.client.get("/api/admin/accounts/carol", headers=admin).status_code == 404
    body = {"credit_limit": 5000, "tier": "pro", "feature_flags": ["ml-output-formats-enabled"]}
    put = api.client.put("/api/admin/accounts/carol", json=body, headers=admin)
    assert put.status_code == 200
    got = api.client.get("/api/admin/accounts/carol", headers=admin).json()["data"]
    assert got["credit_limit"] == 5000 and got["tier"] == "pro"
    assert got["feature_flags"] == ["ml-output-formats-enabled"]
    assert api.client.put("/api/admin/accounts/carol", json={"tier": "gold"}, headers=admin).status_code == 400
    assert api.client.get("/api/admin/accounts/carol").status_code == 401
    assert api.client.get("/api/admin/accounts/carol", headers={"Authorization": "Bearer x"}).status_code == 401


def test_public_routes_ignore_a_bad_bearer(api) -> None:
    response = api.client.get("/api/v1/health", headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "healthy"
    assert response.json()["meta"]["request_id"]
