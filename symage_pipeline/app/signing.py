"""Expiring, self-authorising URLs for stored files.

The official client fetches per-item files with a bare GET and no Authorization header (docs/spec/WIRE.md
section 4.1), so every file URL must carry its own proof. With S3 storage that is a real presigned
URL from the store; with the local store the API signs ``/api/v1/files/<key>`` itself:
HMAC-SHA256 over the key and the expiry time, with a server secret (``Settings.secret
("url_signing_key")``, generated into the data dir when unset, so all API processes of a
deployment agree). Changing the key, the expiry or the path breaks the signature; a URL past its
expiry is refused even with a valid signature.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote, urlencode

from symage_pipeline.errors import SymageError
from symage_pipeline.keys import split_archived_file_key
from symage_pipeline.settings import Settings
from symage_pipeline.storage import ArtifactStore

FILES_ROUTE = "/api/v1/files"
# Per-file URLs live an hour (manual: /downloads); dataset redirects a quarter of an hour (SDK README).
FILE_URL_TTL = 3600
DATASET_URL_TTL = 900


def _digest(secret: str, key: str, expires: int) -> str:
    message = f"{key}\n{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(settings: Settings, key: str, *, expires_in: int = FILE_URL_TTL, now: float | None = None) -> str:
    """Absolute URL of the API's file route for ``key``, valid for ``expires_in`` seconds."""
    expires = int((time.time() if now is None else now) + expires_in)
    signature = _digest(settings.secret("url_signing_key"), key, expires)
    query = urlencode({"expires": expires, "signature": signature})
    return f"{settings.public_url.rstrip('/')}{FILES_ROUTE}/{quote(key)}?{query}"


def verify(
    settings: Settings, key: str, expires: str | None, signature: str | None, *, now: float | None = None
) -> None:
    """Raise 403 unless ``signature`` is this server's for (key, expires) and ``expires`` is ahead."""
    # ASCII digits of bounded length only: `int()` accepts "²" and 5,000-digit strings cost or fail.
    if not expires or not signature or not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
        raise SymageError(403, "invalid_signature", "This file URL is not signed.")
    expected = _digest(settings.secret("url_signing_key"), key, int(expires))
    if not hmac.compare_digest(expected, signature):
        raise SymageError(403, "invalid_signature", "This file URL's signature does not match.")
    if int(expires) < (time.time() if now is None else now):
        raise SymageError(403, "url_expired", "This file URL has expired; request a new one.")


def file_url(settings: Settings, store: ArtifactStore, key: str, *, expires_in: int = FILE_URL_TTL) -> str:
    """A URL that fetches ``key`` without credentials: the store's presigned URL, else an API-signed
    one. A file inside an archive (``keys.archived_file_key``) is no object of its own, so no store
    can presign it: the API's files route reads it out of the archive."""
    if split_archived_file_key(key) is None and (url := store.presigned_url(key, expires_in)):
        return url
    return sign(settings, key, expires_in=expires_in)
