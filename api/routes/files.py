"""Signed file URLs of the local store: no API key, the query string is the credential.

``GET /api/v1/files/<key>?expires=<unix time>&signature=<hex>`` as made by
``symage_pipeline.app.signing.sign``; a changed key, expiry or signature, or an expired URL, is 403.
A key inside an archive (``keys.archived_file_key``) is read out of that archive.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import ServicesDep
from api.downloads import artifact_response
from api.schemas.common import error_responses, file_response
from symage_pipeline.app.signing import verify
from symage_pipeline.bundle.items import content_type
from symage_pipeline.bundle.members import read_archived_file
from symage_pipeline.errors import SymageError
from symage_pipeline.keys import split_archived_file_key

router = APIRouter(prefix="/files", tags=["files"])


@router.get(
    "/{key:path}",
    response_class=Response,
    responses={**file_response("The file", "application/octet-stream"), **error_responses(403, 404, 422)},
)
def signed_file(key: str, services: ServicesDep, expires: str | None = None, signature: str | None = None) -> Response:
    verify(services.settings, key, expires, signature)
    filename = key.rsplit("/", 1)[-1]
    if split_archived_file_key(key) is not None:  # a dataset file: a member of its archive
        data = read_archived_file(services.store, key)
        if data is None:
            raise SymageError(404, "file_not_found", "This file no longer exists.")
        headers = {"Content-Disposition": f'inline; filename="{filename}"'}
        return Response(data, media_type=content_type(key), headers=headers)
    try:
        present = services.store.exists(key)
    except ValueError:  # a key that escapes the store cannot have been signed by us, but be sure
        present = False
    if not present:
        raise SymageError(404, "file_not_found", "This file no longer exists.")
    return artifact_response(services.store, key, content_type(key), filename, disposition="inline")
