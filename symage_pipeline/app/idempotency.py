"""`Idempotency-Key`: one job per (account, key) for 24 hours, whatever the client retries.

The official client re-sends `POST /generate` on time-outs, 429 and 5xx (1/2/4 s), so a retry must
find the job the first attempt made. The key is looked up, and recorded with its job, inside the
same serialized transaction as the credit reserve (`Database.serialized`), so concurrent requests
with one key make exactly one job; the same key with another body is refused rather than guessed at.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from symage_pipeline.app.db import IdempotencyKey
from symage_pipeline.app.times import aware
from symage_pipeline.errors import SymageError, bad_request

WINDOW = timedelta(hours=24)
MAX_KEY_LENGTH = 255


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise bad_request(
            "invalid_idempotency_key", f"Idempotency-Key must be 1..{MAX_KEY_LENGTH} printable ASCII characters."
        )
    return key


def request_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def replayed_job_id(session: Session, user_id: str, key: str, digest: str) -> str | None:
    """The job this key already made (None if unseen or older than the window); 409 for another body."""
    row = session.get(IdempotencyKey, (user_id, key))
    if row is None:
        return None
    if aware(row.created_at) < datetime.now(UTC) - WINDOW:
        session.delete(row)
        session.flush()
        return None
    if row.request_hash != digest:
        raise SymageError(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request body in the last 24 hours.",
            {"job_id": row.job_id},
        )
    return row.job_id


def remember(session: Session, user_id: str, key: str, digest: str, job_id: str) -> None:
    session.add(IdempotencyKey(user_id=user_id, key=key, request_hash=digest, job_id=job_id))
