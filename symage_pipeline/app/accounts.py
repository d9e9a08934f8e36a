"""Accounts and API keys. Keys are shown once and stored only as a SHA-256 hash.

Used by the admin/internal API routes and by `symage accounts`, so both manage keys one way.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from symage_pipeline.app.db import Account, ApiKey, Database
from symage_pipeline.app.ledger import credits_allocated, credits_used
from symage_pipeline.app.times import iso
from symage_pipeline.errors import SymageError, bad_request

SCOPES = ("generate", "read", "account")
TIERS = ("free", "pro", "scale", "enterprise")
KEY_PREFIX = "sk_live_"
KEY_LENGTH = 56


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_key() -> str:
    return KEY_PREFIX + secrets.token_hex((KEY_LENGTH - len(KEY_PREFIX)) // 2)


def get_or_create_account(session: Session, user_id: str, default_credits: int | None) -> Account:
    account = session.get(Account, user_id)
    if account is None:
        account = Account(user_id=user_id, credit_limit=default_credits, tier="free", feature_flags=[])
        session.add(account)
        session.flush()
    return account


def ensure_account(db: Database, user_id: str, default_credits: int | None) -> Account:
    """The account, created on first use; two first requests at once both end with the one row."""
    try:
        with db.session() as session:
            return get_or_create_account(session, user_id, default_credits)
    except IntegrityError:
        with db.session() as session:
            return get_account(session, user_id)


ACCOUNT_FIELDS = ("credit_limit", "tier", "feature_flags", "confirm_above")
MAX_CREDITS = 2**62  # every credit amount fits a signed 64-bit column with room for sums


def _credit_amount(value: Any) -> bool:
    return value is None or (not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= MAX_CREDITS)


def check_account_changes(changes: dict[str, Any]) -> None:
    """The rules of an account update, each with its own code; nothing is written here."""
    unknown = sorted(set(changes) - set(ACCOUNT_FIELDS))
    if unknown:
        raise bad_request("invalid_account_field", f"Unknown account field(s): {', '.join(unknown)}")
    if "credit_limit" in changes and not _credit_amount(changes["credit_limit"]):
        raise bad_request("invalid_credit_limit", f"credit_limit must be an integer 0..{MAX_CREDITS} or null.")
    if "confirm_above" in changes and not _credit_amount(changes["confirm_above"]):
        raise bad_request("invalid_confirm_above", f"confirm_above must be an integer 0..{MAX_CREDITS} or null.")
    if "tier" in changes and changes["tier"] not in TIERS:
        raise bad_request("invalid_tier", f"tier must be one of {', '.join(TIERS)}.")
    if "feature_flags" in changes:
        flags = changes["feature_flags"]
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
            raise bad_request("invalid_feature_flags", "feature_flags must be a list of strings.")


def update_account(session: Session, user_id: str, changes: dict[str, Any], default_credits: int | None) -> Account:
    check_account_changes(changes)
    account = get_or_create_account(session, user_id, default_credits)
    if "credit_limit" in changes:
        account.credit_limit = changes["credit_limit"]
    if "tier" in changes:
        account.tier = changes["tier"]
    if "confirm_above" in changes:
        account.confirm_above = changes["confirm_above"]
    if "feature_flags" in changes:
        account.feature_flags = sorted(set(changes["feature_flags"]))
    account.updated_at = datetime.now(UTC)
    return account


def get_account(session: Session, user_id: str) -> Account:
    account = session.get(Account, user_id)
    if account is None:
        raise SymageError(404, "account_not_found", f"No account {user_id!r}.")
    return account


def account_view(session: Session, account: Account) -> dict[str, Any]:
    return {
        "user_id": account.user_id,
        "credit_limit": account.credit_limit,
        "tier": account.tier,
        "feature_flags": list(account.feature_flags),
        "confirm_above": account.confirm_above,
        "credits_allocated": credits_allocated(session, account.user_id),
        "credits_used": credits_used(session, account.user_id),
        "created_at": iso(account.created_at),
        "updated_at": iso(account.updated_at),
    }


def validate_scopes(scopes: Any) -> list[str]:
    if scopes is None:
        return list(SCOPES)
    if not isinstance(scopes, list) or not scopes or not all(s in SCOPES for s in scopes):
        raise bad_request("invalid_scopes", f"scopes must be a non-empty list drawn from {', '.join(SCOPES)}.")
    return [s for s in SCOPES if s in scopes]


def check_key_name(name: Any) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        raise bad_request("invalid_name", "name must be 1 to 200 characters.")


def create_key(
    session: Session, user_id: str, name: str, scopes: list[str], default_credits: int | None
) -> tuple[ApiKey, str]:
    check_key_name(name)
    get_or_create_account(session, user_id, default_credits)
    raw = new_raw_key()
    key = ApiKey(
        key_id=str(uuid.uuid4()),
        user_id=user_id,
        key_hash=hash_key(raw),
        prefix=raw[:16],
        name=name,
        scopes=scopes,
        created_at=datetime.now(UTC),
    )
    session.add(key)
    session.flush()
    return key, raw


def list_keys(session: Session, user_id: str) -> list[ApiKey]:
    return list(
        session.scalars(select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.created_at, ApiKey.key_id))
    )


def list_key_views(session: Session, user_id: str) -> list[dict[str, Any]]:
    account = session.get(Account, user_id)
    tier = account.tier if account else "free"
    return [key_view(k, tier=tier) for k in list_keys(session, user_id)]


def _own_key(session: Session, user_id: str, key_id: str) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None or key.user_id != user_id:
        raise SymageError(404, "key_not_found", "API key not found.")
    return key


def revoke_key(session: Session, user_id: str, key_id: str) -> ApiKey:
    key = _own_key(session, user_id, key_id)
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
    return key


def rotate_key(session: Session, user_id: str, key_id: str) -> tuple[ApiKey, ApiKey, str]:
    old = _own_key(session, user_id, key_id)
    if old.revoked_at is not None:
        raise SymageError(409, "key_revoked", "A revoked key cannot be rotated.")
    old.revoked_at = datetime.now(UTC)
    new, raw = create_key(session, user_id, old.name, list(old.scopes), None)
    return old, new, raw


def authenticate(session: Session, raw: str) -> ApiKey | None:
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))
    if key is None or key.revoked_at is not None:
        return None
    return key


def key_view(key: ApiKey, tier: str | None = None, raw: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "key_id": key.key_id,
        "prefix": key.prefix,
        "name": key.name,
        "scopes": list(key.scopes),
        "created_at": iso(key.created_at),
    }
    if raw is not None:
        view["api_key"] = raw
    else:
        view.update(tier=tier, last_used_at=iso(key.last_used_at), is_active=key.is_active)
    return view
