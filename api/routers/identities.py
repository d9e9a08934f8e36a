"""POST /identities: raw identity-graph records as JSON, no forms, no Dagster run.

Generation is a pure function of (seed, index) and costs tens of microseconds per identity, so
the request is answered inline (in a worker thread) rather than as a job.  The response is
serialised once with ``json`` (FastAPI's encoder walks every nested value and would dominate the
time for 10,000 records).
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import GeneratePrincipal
from api.envelope import envelope
from symage_pipeline.errors import bad_request
from symage_pipeline.identities import make_identities
from symage_pipeline.request import validate_quantity, validate_seed

router = APIRouter(tags=["identities"])
MAX_IDENTITIES = 10_000


@router.post("/identities")
async def generate_identities(_: GeneratePrincipal, body: Any = Body(default=None)) -> JSONResponse:
    """``{"quantity": 1..10000, "seed": int?, "config": {}?}`` -> ``{"data": [identity, ...]}``.

    The same seed returns the same records; record *i* is item *i* of a generation job with that
    seed (identity seed ``seed + i``).  ``config`` is accepted for symmetry with ``/generate``.
    """
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise bad_request("invalid_body", "The request body must be a JSON object.")
    quantity = validate_quantity(body.get("quantity", 1), MAX_IDENTITIES)
    seed = validate_seed(body.get("seed"))
    config = body.get("config")
    if config is not None and not isinstance(config, dict):
        raise bad_request("invalid_config", "config must be an object.")
    if seed is None:
        seed = secrets.randbelow(2**31)
    records = await run_in_threadpool(make_identities, seed, 0, quantity)
    return JSONResponse(envelope(records, count=len(records), seed=seed))
