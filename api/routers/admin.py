"""Operator endpoints: accounts (admin token) and API keys (web-app session: x-user-id + internal token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends

from api.deps import ServicesDep, SessionUser, require_admin
from api.envelope import envelope
from symage_pipeline import accounts
from symage_pipeline.db import Account
from symage_pipeline.errors import SymageError, bad_request

router = APIRouter(tags=["admin"])

ACCOUNT_FIELDS = ("credit_limit", "tier", "feature_flags")


@router.put("/api/admin/accounts/{user_id}", dependencies=[Depends(require_admin)])
def put_account(user_id: str, services: ServicesDep, body: Any = Body(default=None)) -> dict:
    if not isinstance(body, dict):
        raise bad_request("invalid_body", "The request body must be a JSON object.")
    unknown = sorted(set(body) - set(ACCOUNT_FIELDS))
    if unknown:
        raise bad_request("invalid_account_field", f"Unknown account field(s): {', '.join(unknown)}")
    with services.db.session() as session:
        account = accounts.update_account(session, user_id, body, services.settings.default_credits)
        session.flush()
        return envelope(accounts.account_view(session, account))


@router.get("/api/admin/accounts/{user_id}", dependencies=[Depends(require_admin)])
def get_account(user_id: str, services: ServicesDep) -> dict:
    with services.db.session() as session:
        account = session.get(Account, user_id)
        if account is None:
            raise SymageError(404, "account_not_found", f"No account {user_id!r}.")
        return envelope(accounts.account_view(session, account))


@router.post("/api/internal/api-keys")
def create_key(user_id: SessionUser, services: ServicesDep, body: Any = Body(default=None)) -> dict:
    if not isinstance(body, dict):
        raise bad_request("invalid_body", "The request body must be a JSON object.")
    scopes = accounts.validate_scopes(body.get("scopes"))
    with services.db.session() as session:
        key, raw = accounts.create_key(session, user_id, body.get("name"), scopes, services.settings.default_credits)
        return envelope(accounts.key_view(key, raw=raw))


@router.get("/api/internal/api-keys")
def list_keys(user_id: SessionUser, services: ServicesDep) -> dict:
    with services.db.session() as session:
        account = session.get(Account, user_id)
        tier = account.tier if account else "free"
        keys = [accounts.key_view(k, tier=tier) for k in accounts.list_keys(session, user_id)]
    return envelope(keys, count=len(keys))


@router.delete("/api/internal/api-keys/{key_id}")
def revoke_key(key_id: str, user_id: SessionUser, services: ServicesDep) -> dict:
    with services.db.session() as session:
        key = accounts.revoke_key(session, user_id, key_id)
        return envelope({"key_id": key.key_id, "is_active": False})


@router.post("/api/internal/api-keys/{key_id}/rotate")
def rotate_key(key_id: str, user_id: SessionUser, services: ServicesDep) -> dict:
    with services.db.session() as session:
        old, new, raw = accounts.rotate_key(session, user_id, key_id)
        return envelope({"old_key_id": old.key_id, "new_key": accounts.key_view(new, raw=raw)})
