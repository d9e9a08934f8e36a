"""Signed file URLs of the local store: no API key, the query string is the credential.

``GET /api/v1/files/<key>?expires=<unix time>&signature=<hex>`` as made by
``symage_pipeline.app.signing.sign``; a changed key, expiry or signature, or an expired URL, is 403.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import ServicesDep
from api.downloads import artifact_response
from api.schemas.common import error_responses, file_response
from symage_pipeline.app.signing import verify
from symage_pipeline.bundle.items import content_type
from symage_pipeline.errors import SymageError

router = APIRouter(prefix="/files", tags=["files"])


@router.get(
    "/{key:path}",
    response_class=Response,
    responses={**file_response("The file", "application/octet-stream"), **error_responses(403, 404, 422)},
)
def signed_file(key: str, services: ServicesDep, expires: str | None = None, signature: str | None = None) -> Response:
    verify(services.settings, key, expires, signature)
    try:
        present = services.store.exists(key)
    except ValueError:  # a key that escapes the store cannot have been signed by us, but be sure
        present = False
    if not present:
        raise SymageError(404, "file_not_found", "This file no longer exists.")
    return artifact_response(services.store, key, content_type(key), key.rsplit("/", 1)[-1], disposition="inline")
