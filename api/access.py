"""Who is calling, with what scopes: API keys (Bearer), the admin token, the web app's session proxy."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import ServicesDep
from symage_pipeline.app.accounts import authenticate
from symage_pipeline.app.db import Account
from symage_pipeline.app.times import aware
from symage_pipeline.errors import SymageError

# Declares the Bearer scheme in the OpenAPI schema; our own 401 replaces FastAPI's 403.
bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer sk_live_…`")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@dataclass(frozen=True)
class Principal:
    user_id: str
    key_id: str | None
    scopes: tuple[str, ...]
    tier: str
    feature_flags: tuple[str, ...]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials.strip():
        raise SymageError(401, "invalid_api_key", "Missing or malformed Authorization: Bearer header.")
    return credentials.credentials.strip()


def require_scope(scope: str):  # type: ignore[no-untyped-def]
    """A dependency that admits an active key holding `scope` (401 otherwise, 403 without the scope)."""

    def dependency(services: ServicesDep, credentials: BearerCredentials, request: Request) -> Principal:
        raw = _token(credentials)
        with services.db.session() as session:
            key = authenticate(session, raw)
            if key is None:
                raise SymageError(401, "invalid_api_key", "Invalid or revoked API key.")
            if scope not in key.scopes:
                raise SymageError(403, "missing_scope", f"This API key lacks the '{scope}' scope.")
            now = datetime.now(UTC)
            last = key.last_used_at
            # Touch last_used_at at most once a minute: a write per request would serialize SQLite.
            if last is None or aware(last) < now - timedelta(minutes=1):
                key.last_used_at = now
            account = session.get(Account, key.user_id)
            assert account is not None
            principal = Principal(
                key.user_id, key.key_id, tuple(key.scopes), account.tier, tuple(account.feature_flags)
            )
        decision = services.limiter.hit(principal.key_id or principal.user_id, principal.tier)
        decision.raise_if_refused()
        request.state.rate_limit = decision  # its headers go on whatever the route answers
        return principal

    return dependency


def require_admin(services: ServicesDep, credentials: BearerCredentials) -> None:
    token = _token(credentials)
    if not hmac.compare_digest(token.encode(), services.settings.secret("admin_token").encode()):
        raise SymageError(401, "invalid_admin_token", "Invalid admin token.")


def require_session(
    services: ServicesDep,
    x_user_id: Annotated[str | None, Header()] = None,
    x_internal_token: Annotated[str | None, Header()] = None,
) -> str:
    """Session routes trust `x-user-id` only alongside the web app proxy's internal token."""
    expected = services.settings.secret("internal_token")
    if not x_internal_token or not hmac.compare_digest(x_internal_token.encode(), expected.encode()):
        raise SymageError(401, "invalid_internal_token", "Missing or invalid X-Internal-Token.")
    if not x_user_id:
        raise SymageError(401, "missing_user", "Missing x-user-id header.")
    return x_user_id


ReadPrincipal = Annotated[Principal, Depends(require_scope("read"))]
GeneratePrincipal = Annotated[Principal, Depends(require_scope("generate"))]
AccountPrincipal = Annotated[Principal, Depends(require_scope("account"))]
SessionUser = Annotated[str, Depends(require_session)]
