"""Signed file URLs of the local store: no API key, the query string is the credential.

``GET /api/v1/files/<key>?expires=<unix time>&signature=<hex>`` as made by
``symage_pipeline.signing.sign``; a changed key, expiry or signature, or an expired URL, is 403.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import ServicesDep
from api.routers.jobs import artifact_response
from symage_pipeline.bundle.items import content_type
from symage_pipeline.errors import SymageError
from symage_pipeline.signing import verify

router = APIRouter(prefix="/files", tags=["files"])


@router.get("/{key:path}")
def signed_file(key: str, services: ServicesDep, expires: str | None = None, signature: str | None = None) -> Response:
    verify(services.settings, key, expires, signature)
    try:
        present = services.store.exists(key)
    except ValueError:  # a key that escapes the store cannot have been signed by us, but be sure
        present = False
    if not present:
        raise SymageError(404, "file_not_found", "This file no longer exists.")
    response = artifact_response(services.store, key, content_type(key), key.rsplit("/", 1)[-1])
    response.headers["Content-Disposition"] = response.headers["Content-Disposition"].replace("attachment", "inline")
    return response
