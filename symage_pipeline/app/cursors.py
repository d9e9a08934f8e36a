"""One codec for the opaque pagination cursors of every list endpoint."""

from __future__ import annotations

import base64

from symage_pipeline.errors import bad_request

_SEP = "|"


def encode_cursor(kind: str, *parts: str) -> str:
    raw = _SEP.join((kind, *parts))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, parts: int) -> list[str]:
    """The `parts` strings a cursor of `kind` carries; 400 `invalid_cursor` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except Exception as exc:  # any undecodable cursor is the caller's error, not ours
        raise invalid_cursor() from exc
    found = raw.split(_SEP)
    if len(found) != parts + 1 or found[0] != kind:
        raise invalid_cursor()
    return found[1:]


def invalid_cursor():  # type: ignore[no-untyped-def]
    return bad_request("invalid_cursor", "The cursor is not one this API issued.")
