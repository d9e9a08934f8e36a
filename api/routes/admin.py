"""Operator endpoints: accounts (admin token) and API keys (web-app session: x-user-id + internal token).

Kept out of the public OpenAPI schema: they are for the operator and the web app's proxy.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.access import SessionUser, require_admin
from api.deps import ServicesDep
from api.envelope import envelope
from api.schemas.admin import AccountChanges, KeyRequest
from symage_pipeline.app import accounts

router = APIRouter(tags=["admin"], include_in_schema=False)


@router.put("/api/admin/accounts/{user_id}", dependencies=[Depends(require_admin)])
def put_account(user_id: str, services: ServicesDep, body: AccountChanges) -> dict:
    with services.db.session() as session:
        changes = body.model_dump(exclude_unset=True)
        account = accounts.update_account(session, user_id, changes, services.settings.default_credits)
        session.flush()
        return envelope(accounts.account_view(session, account))


@router.get("/api/admin/accounts/{user_id}", dependencies=[Depends(require_admin)])
def get_account(user_id: str, services: ServicesDep) -> dict:
    with services.db.session() as session:
        return envelope(accounts.account_view(session, accounts.get_account(session, user_id)))


@router.post("/api/internal/api-keys")
def create_key(user_id: SessionUser, services: ServicesDep, body: KeyRequest) -> dict:
    scopes = accounts.validate_scopes(body.scopes)
    with services.db.session() as session:
        key, raw = accounts.create_key(session, user_id, body.name, scopes, services.settings.default_credits)
        return envelope(accounts.key_view(key, raw=raw))


@router.get("/api/internal/api-keys")
def list_keys(user_id: SessionUser, services: ServicesDep) -> dict:
    with services.db.session() as session:
        keys = accounts.list_key_views(session, user_id)
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
