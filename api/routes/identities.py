"""POST /identities: raw identity-graph records as JSON, no forms, no Dagster run.

Generation is a pure function of (seed, index) and costs tens of microseconds per identity, so
the request is answered inline (in a worker thread) rather than as a job. The response is
serialised once with ``json`` (FastAPI's encoder walks every nested value and would dominate the
time for 10,000 records), so the declared model documents it without re-validating it.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.access import GeneratePrincipal
from api.envelope import envelope
from api.schemas.common import Envelope, error_responses
from api.schemas.identities import IdentitiesRequest
from symage_pipeline.identities import make_identities

router = APIRouter(tags=["identities"])


@router.post(
    "/identities", response_model=Envelope[list[dict[str, Any]]], responses=error_responses(400, 401, 403, 422)
)
async def generate_identities(
    _: GeneratePrincipal, body: Annotated[IdentitiesRequest, Body()] = IdentitiesRequest()
) -> JSONResponse:
    """The same seed returns the same records; record *i* is item *i* of a job with that seed."""
    seed = body.seed if body.seed is not None else secrets.randbelow(2**31)
    records = await run_in_threadpool(make_identities, seed, 0, body.quantity)
    return JSONResponse(envelope(records, count=len(records), seed=seed))
